import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { catalog, emptyCatalog, LM_MODEL, load, project } from "./rig.js";

describe("loadConfig", () => {
  it("applies every default and resolves targets to {name, params}", () => {
    const loaded = load({
      "slm.config.yaml": `# yaml-language-server: $schema=./schemas/slm.config.schema.json
name: gpt-relu-brown
${LM_MODEL}recipe:
  - prune: {sparsity: 0.3}
  - quantize: {}
targets: [cpu-int8, {name: loihi2-sim, timesteps: 8}]
`,
    });
    expect(loaded.config).toEqual({
      name: "gpt-relu-brown",
      model: { task: "causal-lm", onnx: "models/gpt-relu-brown/model.onnx", tokenizer: "models/gpt-relu-brown/tokenizer.json" },
      data: { evaluation: { path: "models/gpt-relu-brown/eval.txt", format: "text", window: 128 } },
      evaluation: { threads: 1, optimization: "all", batch: 8, latency_runs: 20 },
      recipe: [
        { pass: "prune", params: { sparsity: 0.3, scope: "global" }, origin: "recipe[0].prune" },
        { pass: "quantize", params: { bits: 8, per_channel: true }, origin: "recipe[1].quantize" },
      ],
      targets: [
        { name: "cpu-int8", params: { threads: 1 }, origin: "targets[0]" },
        { name: "loihi2-sim", params: { timesteps: 8, threshold: 1 }, origin: "targets[1]" },
      ],
      gates: { targets: {} },
      build: { out_dir: "build", store: ".slm", jobs: 2 },
    });
    expect(loaded.files).toEqual(["slm.config.yaml"]);
  });

  it("loads configs that name the bundled models' files (with an empty plugin catalog)", () => {
    for (const model of ["gpt-relu-brown", "brown-genre-mlp"]) {
      const classifier = model === "brown-genre-mlp";
      const dir = `models/${model}`;
      const text = [
        `name: ${model}`,
        "model:",
        `  task: ${classifier ? "classifier" : "causal-lm"}`,
        `  onnx: ${dir}/model.onnx`,
        `  tokenizer: ${dir}/tokenizer.json`,
        `  tokenizer_config: ${dir}/tokenizer_config.json`,
        ...(classifier ? [`  labels: ${dir}/labels.json`] : []),
        "data:",
        `  evaluation: {path: ${dir}/eval.${classifier ? "jsonl, samples: 100" : "txt, windows: 16"}}`,
        `  calibration: {path: ${dir}/calib.${classifier ? "jsonl" : "txt"}}`,
        "",
      ].join("\n");
      // Paths as a config at the repository root writes them: they name the real model files there.
      const path = join(project({ "slm.config.yaml": text }), "slm.config.yaml");
      const root = fileURLToPath(new URL("../..", import.meta.url));
      const { config } = loadConfig({ path, catalog: emptyCatalog });
      for (const file of [config.model.onnx, config.model.tokenizer, config.data.evaluation.path, config.data.calibration!.path]) {
        expect(existsSync(join(root, file)), file).toBe(true);
      }
      expect(config.data.evaluation.format).toBe(classifier ? "jsonl" : "text");
      expect(config.data.calibration!.format).toBe(classifier ? "jsonl" : "text");
      expect(classifier ? config.data.evaluation.samples : config.data.evaluation.windows).toBe(classifier ? 100 : 16);
    }
  });

  it("resolves a recipe by name from recipes/ and lists the file as an input", () => {
    const loaded = load({
      "slm.config.yaml": `name: demo\n${LM_MODEL}recipe: int8\n`,
      "recipes/int8.yaml": "# yaml-language-server: $schema=../schemas/recipe.schema.json\n- quantize: {bits: 8}\n",
    });
    expect(loaded.config.recipe).toEqual([{ pass: "quantize", params: { bits: 8, per_channel: true }, origin: "recipe[0].quantize" }]);
    expect(loaded.files).toEqual(["slm.config.yaml", "recipes/int8.yaml"]);
    expect(loaded.sources.locate("recipe[0].quantize.bits")).toEqual({ file: join(loaded.projectDir, "recipes/int8.yaml"), line: 2, column: 14 });
  });

  it("resolves a recipe by path, in the {description, steps} form", () => {
    const dir = project({
      "app/slm.config.yaml": `name: demo\n${LM_MODEL}recipe: ../shared/sparse.yml\n`,
      "shared/sparse.yml": "description: half the weights\nsteps:\n  - prune: {sparsity: 0.5}\n",
    });
    const loaded = loadConfig({ path: join(dir, "app/slm.config.yaml"), catalog: catalog });
    expect(loaded.projectDir).toBe(join(dir, "app"));
    expect(loaded.config.recipe).toEqual([{ pass: "prune", params: { sparsity: 0.5, scope: "global" }, origin: "recipe[0].prune" }]);
    expect(loaded.files).toEqual(["slm.config.yaml", "../shared/sparse.yml"]);
    expect(loaded.sources.locate("recipe[0].prune")).toEqual({ file: join(dir, "app/../shared/sparse.yml"), line: 3, column: 5 });
  });

  it("accepts an inline recipe in the {description, steps} form", () => {
    const loaded = load({ "slm.config.yaml": `name: demo\n${LM_MODEL}recipe:\n  description: int4\n  steps: [quantize: {bits: 4}]\n` });
    expect(loaded.config.recipe.map((step) => step.params)).toEqual([{ bits: 4, per_channel: true }]);
    expect(loaded.sources.locate("recipe[0].quantize.bits")).toMatchObject({ line: 11, column: 22 });
  });

  it("derives a data file's format from its extension unless written", () => {
    const data = "  calibration: {path: calib.JSONL}\n";
    const loaded = load({ "slm.config.yaml": `name: demo\n${LM_MODEL}${data}` });
    expect(loaded.config.data.calibration!.format).toBe("jsonl");
    const written = load({ "slm.config.yaml": `name: demo\n${LM_MODEL}  calibration: {path: calib.jsonl, format: text}\n` });
    expect(written.config.data.calibration!.format).toBe("text");
  });

  it("locates values for later stages, falling back to the nearest written ancestor", () => {
    const loaded = load({ "slm.config.yaml": `name: demo\n${LM_MODEL}evaluation: {batch: 4}\n` });
    const { sources } = loaded;
    const file = join(loaded.projectDir, "slm.config.yaml");
    expect(sources.locate("model.onnx")).toEqual({ file, line: 4, column: 3 });
    expect(sources.locate("evaluation.batch")).toEqual({ file, line: 9, column: 14 });
    // Defaults were not written: the nearest written ancestor stands for them.
    expect(sources.locate("evaluation.threads")).toEqual({ file, line: 9, column: 1 });
    expect(sources.locate("build.jobs")).toEqual({ file, line: 1, column: 1 });
    const error = sources.error("model.onnx", "model.onnx: file not found");
    expect(error.format()).toBe(`${file}:4:3: model.onnx: file not found\n4 |   onnx: models/gpt-relu-brown/model.onnx\n  |   ^`);
    expect(() => sources.locate("model..onnx")).toThrow(/not a config path/);
  });

  it("uses the generated validator for the catalog it was generated from (the built-in plugins)", async () => {
    const { validatorFor } = await import("../../src/config/validate.js");
    const generated = await import("../../src/config/generated/config-validator.js");
    const { buildConfigSchema } = await import("../../src/config/schema.js");
    const { builtinRegistry } = await import("../../src/plugins/registry.js");
    expect(validatorFor(buildConfigSchema(builtinRegistry()))).toBe(generated.validate);
    expect(validatorFor(buildConfigSchema(catalog))).not.toBe(generated.validate);
  });
});
