import { describe, expect, it } from "vitest";
import { ExitCode, InputErrors } from "../../src/errors.js";
import { emptyCatalog, errorsOf, LM_MODEL, load, problems } from "./rig.js";

const config = (rest: string, name = "name: demo\n"): Record<string, string> => ({ "slm.config.yaml": `${name}${LM_MODEL}${rest}` });

describe("config diagnostics (golden messages)", () => {
  it("reports YAML syntax errors with yaml's message and a snippet", () => {
    const files = { "slm.config.yaml": "name: demo\nmodel:\n  task: causal-lm\n   onnx: a.onnx\n" };
    expect(problems(files)).toEqual([
      "slm.config.yaml:3:9: Nested mappings are not allowed in compact mappings",
      "slm.config.yaml:3:9: Implicit keys need to be on a single line",
    ]);
    const [first] = errorsOf(() => load(files));
    expect(first!.snippet).toBe("3 |   task: causal-lm\n  |         ^");
    expect(first!.exitCode).toBe(ExitCode.invalidInput);
  });

  it("reports an unclosed flow list", () => {
    expect(problems({ "slm.config.yaml": "targets: [cpu-int8\nname: x\n" })).toEqual([
      "slm.config.yaml:2:1: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("names a duplicate key and the mapping it is in", () => {
    expect(problems(config("    window: 64\n    window: 32\n"))).toEqual([
      'slm.config.yaml:10:5: duplicate key "window" in data.evaluation',
    ]);
  });

  it("suggests the closest key for an unknown one", () => {
    expect(problems(config("    windwos: 32\nbiuld: {jobs: 2}\n"))).toEqual([
      'slm.config.yaml:9:5: unknown key "windwos" in data.evaluation (did you mean "windows"?)',
      'slm.config.yaml:10:1: unknown key "biuld" (did you mean "build"?)',
    ]);
  });

  it("words enum, type, bound and pattern violations", () => {
    const files = {
      "slm.config.yaml": [
        "name: my demo",
        "model:",
        "  task: causal_lm",
        "  onnx: 5",
        "  tokenizer: t.json",
        "data:",
        "  evaluation: {path: e.txt, window: 1, windows: 2.5}",
        "evaluation:",
        "  optimization: fast",
        "  latency_runs: -1",
        "build: {jobs: 0, out_dir: ''}",
        "targets: cpu-int8",
        "",
      ].join("\n"),
    };
    expect(problems(files)).toEqual([
      'slm.config.yaml:1:1: name must match ^[A-Za-z0-9][A-Za-z0-9._-]*$ (got "my demo")',
      'slm.config.yaml:3:3: model.task must be one of causal-lm, classifier (got "causal_lm")',
      "slm.config.yaml:4:3: model.onnx must be a non-empty string (got number)",
      "slm.config.yaml:7:29: data.evaluation.window must be an integer ≥ 2 (got 1)",
      "slm.config.yaml:7:40: data.evaluation.windows must be an integer ≥ 1 (got 2.5)",
      'slm.config.yaml:9:3: evaluation.optimization must be one of disabled, basic, extended, all (got "fast")',
      "slm.config.yaml:10:3: evaluation.latency_runs must be an integer ≥ 0 (got -1)",
      "slm.config.yaml:11:9: build.jobs must be an integer ≥ 1 (got 0)",
      "slm.config.yaml:11:18: build.out_dir must not be empty",
      "slm.config.yaml:12:1: targets must be a list (got string)",
    ]);
  });

  it("reports a missing required key at its parent", () => {
    const files = { "slm.config.yaml": "name: demo\nmodel:\n  task: classifier\n  tokenizer: t.json\ndata: {}\n" };
    expect(problems(files)).toEqual([
      "slm.config.yaml:2:1: model.onnx is required",
      "slm.config.yaml:5:1: data.evaluation is required",
    ]);
    expect(problems({ "slm.config.yaml": "# nothing yet\n" })).toEqual([
      "slm.config.yaml:1:1: name is required",
      "slm.config.yaml:1:1: model is required",
      "slm.config.yaml:1:1: data is required",
    ]);
  });

  it("rejects a config that is not a mapping", () => {
    expect(problems({ "slm.config.yaml": "- name: demo\n" })).toEqual(["slm.config.yaml:1:1: the config must be a mapping (got list)"]);
  });

  it("names unknown passes and targets with the closest known name", () => {
    const rest = "recipe:\n  - prune: {}\n  - quantise: {bits: 8}\ntargets: [cpu-int8, akida-sm, {name: loihi-sim}]\n";
    expect(problems(config(rest))).toEqual([
      'slm.config.yaml:11:5: unknown pass "quantise" in recipe[1] (did you mean "quantize"?)',
      'slm.config.yaml:12:21: unknown target "akida-sm" in targets[1] (did you mean "akida-sim"?)',
      'slm.config.yaml:12:32: unknown target "loihi-sim" in targets[2] (did you mean "loihi2-sim"?)',
    ]);
    expect(problems(config("recipe: [prune: {}]\ntargets: [cpu-int8]\n"), [], emptyCatalog)).toEqual([
      'slm.config.yaml:9:10: unknown pass "prune" in recipe[0] (no passes are available)',
      'slm.config.yaml:10:11: unknown target "cpu-int8" in targets[0] (no targets are available)',
    ]);
  });

  it("validates each step's and target's params against its schema", () => {
    const rest = [
      "recipe:",
      "  - prune: {sparsity: 1.5, scop: global}",
      "  - quantize:",
      "      bits: 3",
      "  - {prune: {}, quantize: {}}",
      "  - quantize: 8",
      "targets:",
      "  - name: loihi2-sim",
      "    timesteps: 0",
      "    treshold: 2",
      "",
    ].join("\n");
    expect(problems(config(rest))).toEqual([
      "slm.config.yaml:10:13: recipe[0].prune.sparsity must be a number ≥ 0 and < 1 (got 1.5)",
      'slm.config.yaml:10:28: unknown key "scop" in recipe[0].prune (did you mean "scope"?)',
      "slm.config.yaml:12:7: recipe[1].quantize.bits must be one of 4, 8 (got 3)",
      "slm.config.yaml:13:5: recipe[2] must have exactly one key, the pass name (got prune, quantize)",
      "slm.config.yaml:14:5: recipe[3].quantize must be a mapping (got number)",
      "slm.config.yaml:17:5: targets[0].timesteps must be an integer ≥ 1 (got 0)",
      'slm.config.yaml:18:5: unknown key "treshold" in targets[0] (did you mean "threshold"?)',
    ]);
  });

  it("points into a referenced recipe file for errors in its steps", () => {
    const files = {
      ...config("recipe: int4\n"),
      "recipes/int4.yaml": "# yaml-language-server: $schema=../schemas/recipe.schema.json\ndescription: 4-bit\nsteps:\n  - quantize:\n      bits: 3\n      per_channel: yes\n",
    };
    expect(problems(files)).toEqual([
      "recipes/int4.yaml:5:7: recipe[0].quantize.bits must be one of 4, 8 (got 3)",
      "recipes/int4.yaml:6:7: recipe[0].quantize.per_channel must be true or false (got string)",
    ]);
  });

  it("reports a recipe file's own YAML and shape errors in that file", () => {
    expect(problems({ ...config("recipe: bad\n"), "recipes/bad.yaml": "steps:\n  - prune: {}\n  - prune: {}\n  steps: []\n" })).toEqual([
      "recipes/bad.yaml:4:1: All mapping items must start at the same column",
      'recipes/bad.yaml:4:3: duplicate key "steps"',
    ]);
    expect(problems({ ...config("recipe: bad\n"), "recipes/bad.yaml": "quantize\n" })).toEqual([
      "recipes/bad.yaml:1:1: a recipe file must hold a list of steps or a mapping with steps (got a string)",
    ]);
    expect(problems({ ...config("recipe: bad\n"), "recipes/bad.yaml": "stpes: []\n" })).toEqual([
      "recipes/bad.yaml:1:1: recipe.steps is required",
      'recipes/bad.yaml:1:1: unknown key "stpes" in recipe (did you mean "steps"?)',
    ]);
  });

  it("reports a missing recipe file at the recipe: value, suggesting a recipe that exists", () => {
    const files = { ...config("recipe:   int9\n"), "recipes/int8.yaml": "- quantize: {}\n" };
    expect(problems(files)).toEqual(['slm.config.yaml:9:11: recipe "int9" not found: recipes/int9.yaml does not exist (did you mean "int8"?)']);
    expect(problems(config("recipe: ../shared/r.json\n"))).toEqual([
      'slm.config.yaml:9:9: recipe "../shared/r.json" must be a recipe name (recipes/<name>.yaml) or the path of a .yaml or .yml file',
    ]);
  });

  it("applies cross-field rules for the model's task", () => {
    const classifier = [
      "name: genre",
      "model: {task: classifier, onnx: m.onnx, tokenizer: t.json}",
      "data:",
      "  evaluation: {path: eval.txt, windows: 4, samples: 10}",
      "  calibration: {path: calib.jsonl, format: text}",
      "targets: [cpu-int8, cpu-int8]",
      "",
    ].join("\n");
    expect(problems({ "slm.config.yaml": classifier })).toEqual([
      "slm.config.yaml:4:16: data.evaluation.path must be a .jsonl file for a classifier, one {\"features\": [...], \"label\": k} per line (or set format: jsonl)",
      "slm.config.yaml:4:32: data.evaluation.windows is only for causal-lm models (model.task is classifier)",
      'slm.config.yaml:5:36: data.calibration.format must be jsonl for a classifier, one {"features": [...], "label": k} per line (got "text")',
      'slm.config.yaml:6:21: targets[1] names target "cpu-int8" again (already targets[0])',
    ]);
    const lm = `name: lm\nmodel: {task: causal-lm, onnx: m.onnx, tokenizer: t.json, labels: labels.json}\ndata:\n  evaluation: {path: e.txt, samples: 3}\n`;
    expect(problems({ "slm.config.yaml": lm })).toEqual([
      "slm.config.yaml:2:59: model.labels is only for classifier models (model.task is causal-lm)",
      "slm.config.yaml:4:29: data.evaluation.samples is only for classifier models (model.task is causal-lm)",
    ]);
  });

  it("throws one InputErrors whose message has a line per problem", () => {
    const run = () => load(config("    window: 1\nbuild: {jobs: 0}\n"));
    expect(run).toThrow(InputErrors);
    const errors = errorsOf(run);
    expect(errors.map((e) => e.format().split("\n")[0]!.replace(/^.*slm-config-[^/]+\//, ""))).toEqual([
      "slm.config.yaml:9:5: data.evaluation.window must be an integer ≥ 2 (got 1)",
      "slm.config.yaml:10:9: build.jobs must be an integer ≥ 1 (got 0)",
    ]);
    expect(errors[1]!.snippet).toBe("10 | build: {jobs: 0}\n   |         ^");
  });

  it("reports an unreadable config file as bad input", () => {
    const [error] = errorsOf(() => load({ "other.yaml": "" }));
    expect(error!.message).toBe("cannot read the config file (ENOENT)");
    expect(error!.exitCode).toBe(ExitCode.invalidInput);
  });
});
