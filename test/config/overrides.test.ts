import { describe, expect, it } from "vitest";
import { LM_MODEL, load, problems } from "./rig.js";

const files = (rest = ""): Record<string, string> => ({
  "slm.config.yaml": `name: demo\n${LM_MODEL}    windows: 4\n${rest}`,
});

describe("--set overrides", () => {
  it("coerces each value to the type the schema declares at its path", () => {
    const { config } = load(files("recipe: [prune: {}, quantize: {}]\ntargets: [loihi2-sim]\n"), [
      "data.evaluation.windows=16",
      "recipe[0].prune.sparsity=0.25",
      "recipe[1].quantize.bits=4",
      "recipe[1].quantize.per_channel=false",
      "evaluation.optimization=basic",
      "name=123",
      "targets[0].timesteps=32",
      "targets[1]=cpu-int8",
      "targets[2]={name: akida-sim}",
    ]);
    expect(config.data.evaluation.windows).toBe(16);
    expect(config.recipe.map((step) => step.params)).toEqual([
      { sparsity: 0.25, scope: "global" },
      { bits: 4, per_channel: false },
    ]);
    expect(config.evaluation.optimization).toBe("basic");
    expect(config.name).toBe("123");
    expect(config.targets.map(({ name, params }) => ({ name, params }))).toEqual([
      { name: "loihi2-sim", params: { timesteps: 32, threshold: 1 } },
      { name: "cpu-int8", params: { threads: 1 } },
      { name: "akida-sim", params: {} },
    ]);
  });

  it("removes a setting with null, so that its default applies again", () => {
    const { config } = load(files("evaluation: {batch: 2}\n"), ["data.evaluation.windows=null", "evaluation.batch=null", "data.evaluation.window=64"]);
    expect(config.data.evaluation).toEqual({ path: "models/gpt-relu-brown/eval.txt", format: "text", window: 64 });
    expect(config.evaluation.batch).toBe(8);
  });

  it("makes missing mappings and appends to lists", () => {
    const { config } = load(files(), ["build.jobs=4", "recipe[0].quantize.bits=4", "targets[0].name=cpu-int8"]);
    expect(config.build.jobs).toBe(4);
    expect(config.recipe).toEqual([{ pass: "quantize", params: { bits: 4, per_channel: true }, origin: "recipe[0].quantize" }]);
    expect(config.targets).toEqual([{ name: "cpu-int8", params: { threads: 1 }, origin: "targets[0]" }]);
  });

  it("sets steps of a referenced recipe file, in either recipe form", () => {
    for (const recipe of ["- prune: {}\n", "steps:\n  - prune: {}\n"]) {
      const loaded = load({ ...files("recipe: sparse\n"), "recipes/sparse.yaml": recipe }, ["recipe[0].prune.sparsity=0.3"]);
      expect(loaded.config.recipe[0]!.params).toEqual({ sparsity: 0.3, scope: "global" });
      expect(loaded.files).toEqual(["slm.config.yaml", "recipes/sparse.yaml"]);
      expect(loaded.sources.locate("recipe[0].prune.sparsity")).toEqual({ file: "--set recipe[0].prune.sparsity=0.3" });
    }
  });

  it("reads another recipe file with --set recipe=NAME", () => {
    const loaded = load({ ...files("recipe: [prune: {}]\n"), "recipes/int4.yaml": "- quantize: {bits: 4}\n" }, ["recipe=int4"]);
    expect(loaded.config.recipe.map((step) => step.pass)).toEqual(["quantize"]);
    expect(problems(files(), ["recipe=int5"])).toEqual(['--set recipe=int5: recipe "int5" not found: recipes/int5.yaml does not exist']);
    expect(problems({ ...files(), "recipes/int4.yaml": "- quantize: {bits: 5}\n" }, ["recipe=int4"])).toEqual([
      "recipes/int4.yaml:1:14: recipe[0].quantize.bits must be one of 4, 8 (got 5)",
    ]);
  });

  it("replaces the recipe with --set recipe=[...] without reading the referenced file", () => {
    const loaded = load(files("recipe: missing\n"), ["recipe[0].quantize.bits=4", "recipe=[quantize: {}, prune: {}]"]);
    expect(loaded.config.recipe.map((step) => [step.pass, step.params])).toEqual([
      ["quantize", { bits: 4, per_channel: true }],
      ["prune", { sparsity: 0.5, scope: "global" }],
    ]);
    expect(loaded.files).toEqual(["slm.config.yaml"]);
  });

  it("locates errors a value set by --set causes at that --set", () => {
    expect(problems(files(), ["data.evaluation.windows=abc", "build.jobs=0", "recipe[0].quantize.bits=3", "model.onnx=null"])).toEqual([
      "--set data.evaluation.windows=abc: must be an integer ≥ 1 (got string)",
      "--set build.jobs=0: must be an integer ≥ 1 (got 0)",
      "--set recipe[0].quantize.bits=3: must be one of 4, 8 (got 3)",
      "--set model.onnx=null: is required",
    ]);
    // A number written for an integer is read as the number it is.
    expect(problems(files(), ["data.evaluation.windows=2.5"])).toEqual(["--set data.evaluation.windows=2.5: must be an integer ≥ 1 (got 2.5)"]);
    expect(load(files(), ["data.evaluation.windows=1e2", "build.jobs=4.0"]).config.data.evaluation.windows).toBe(100);
    // A problem under what a --set wrote names its own path.
    expect(problems(files(), ["recipe[0]={quantize: {bits: 3}}"])).toEqual([
      "--set recipe[0]={quantize: {bits: 3}}: recipe[0].quantize.bits must be one of 4, 8 (got 3)",
    ]);
  });

  it("rejects unknown paths with did-you-mean, and malformed expressions", () => {
    expect(
      problems(files("recipe: [prune: {}]\ntargets: [loihi2-sim]\n"), [
        "data.evaluation.windwos=3",
        "recipe[0].prnue.sparsity=0.3",
        "targets[0].timestep=3",
        "nmae=x",
        "windows",
        "data..x=1",
        "name[0]=x",
        "recipe[3].prune.sparsity=0.1",
        "recipe[0].prune=[1",
      ]),
    ).toEqual([
      "--set windows: expected PATH=VALUE, e.g. data.evaluation.windows=8",
      "--set data..x=1: expected PATH=VALUE, e.g. data.evaluation.windows=8",
    ]);
    expect(
      problems(files("recipe: [prune: {}]\ntargets: [loihi2-sim]\n"), [
        "data.evaluation.windwos=3",
        "recipe[0].prnue.sparsity=0.3",
        "targets[0].timestep=3",
        "nmae=x",
        "name[0]=x",
        "recipe[3].prune.sparsity=0.1",
        "recipe[0].prune=[1",
      ]),
    ).toEqual([
      '--set data.evaluation.windwos=3: unknown key "windwos" in data.evaluation (did you mean "windows"?)',
      '--set recipe[0].prnue.sparsity=0.3: unknown pass "prnue" in recipe[0] (did you mean "prune"?)',
      '--set targets[0].timestep=3: unknown key "timestep" in targets[0] (did you mean "timesteps"?)',
      '--set nmae=x: unknown key "nmae" (did you mean "name"?)',
      "--set name[0]=x: name is not a list",
      "--set recipe[3].prune.sparsity=0.1: recipe has 1 item; index 3 is past the end",
      "--set recipe[0].prune=[1: is not valid YAML: Flow sequence must end with a ]",
    ]);
  });
});
