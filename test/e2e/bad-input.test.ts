import { existsSync, readdirSync, symlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifierConfig, lmConfig, Project } from "./rig.js";

/**
 * Every kind of bad input gives one clear message naming the file and line:column, tensor or
 * node; exit code 2; no stack trace; and nothing half-written in the store or the build folder.
 */
describe("bad input", () => {
  const project = new Project();
  beforeAll(() => {
    project.addModel("brown-genre-mlp").addModel("gpt-relu-brown", { evalBytes: 20_000 });
  });
  afterAll(() => project.remove());

  async function expectInputError(config: string, expected: RegExp): Promise<string> {
    project.write("slm.config.yaml", config);
    const result = await project.run("build");
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
    expect(existsSync(project.path("build"))).toBe(false);
    expect(existsSync(project.path("slm.lock"))).toBe(false);
    if (existsSync(project.path(".slm/tmp"))) expect(readdirSync(project.path(".slm/tmp"))).toEqual([]);
    return result.stderr;
  }

  it("a config file that does not exist", async () => {
    const result = await project.run("build", "-c", "nope.yaml");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nope\.yaml/);
  });

  it("a YAML syntax error, with line and column", async () => {
    await expectInputError("name: x\nmodel: [unclosed\n", /slm\.config\.yaml:\d+:\d+: /);
  });

  it("an unknown key, with did-you-mean", async () => {
    await expectInputError(classifierConfig().replace("samples: 100", "sampels: 100"), /slm\.config\.yaml:\d+:\d+: .*"sampels".*did you mean "samples"/);
  });

  it("a schema violation, with the field and the value", async () => {
    await expectInputError(classifierConfig().replace("latency_runs: 3", "latency_runs: -1"), /slm\.config\.yaml:\d+:\d+: evaluation\.latency_runs .*-1/);
  });

  it("a --set that does not fit the schema", async () => {
    project.write("slm.config.yaml", classifierConfig());
    const result = await project.run("build", "--set", "evaluation.threads=many");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--set evaluation\.threads=many/);
  });

  it("a missing model file, located at the config field that names it", async () => {
    await expectInputError(classifierConfig().replace("brown-genre-mlp/model.onnx", "brown-genre-mlp/missing.onnx"), /slm\.config\.yaml:4:\d+: model\.onnx: file not found: models\/brown-genre-mlp\/missing\.onnx/);
  });

  it("a truncated ONNX file", async () => {
    project.write("models/bad/truncated.onnx", project.readBytes("models/brown-genre-mlp/model.onnx").subarray(0, 5000));
    await expectInputError(classifierConfig().replace("models/brown-genre-mlp/model.onnx", "models/bad/truncated.onnx"), /models\/bad\/truncated\.onnx/);
  });

  it("random bytes instead of an ONNX model", async () => {
    project.write("models/bad/random.onnx", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    await expectInputError(classifierConfig().replace("models/brown-genre-mlp/model.onnx", "models/bad/random.onnx"), /models\/bad\/random\.onnx/);
  });

  it("external data that is missing, or points outside the model's folder", async () => {
    const { externalModel } = await import("./external-model.js");
    project.write("models/ext/model.onnx", externalModel("model.onnx.data"));
    await expectInputError(classifierConfig().replace("models/brown-genre-mlp/model.onnx", "models/ext/model.onnx"), /models\/ext\/model\.onnx.*fc\d?\.|tensor/i);
    project.write("models/ext/escape.onnx", externalModel("../../outside.bin"));
    project.write("outside.bin", Buffer.alloc(2_000_000));
    await expectInputError(classifierConfig().replace("models/brown-genre-mlp/model.onnx", "models/ext/escape.onnx"), /outside\.bin|outside the model's folder|escapes/i);
    symlinkSync(project.path("outside.bin"), project.path("models/ext/link.bin"));
    project.write("models/ext/symlink.onnx", externalModel("link.bin"));
    await expectInputError(classifierConfig().replace("models/brown-genre-mlp/model.onnx", "models/ext/symlink.onnx"), /link\.bin/);
  });

  it("a build.out_dir that every build would replace with the project, its inputs or the store inside", async () => {
    for (const [outDir, store, expected] of [
      [".", ".slm", /slm\.config\.yaml:\d+:\d+: build\.out_dir \. is the project folder/],
      ["models", ".slm", /build\.out_dir models holds models\/brown-genre-mlp\/model\.onnx, which the build reads/],
      ["out", "out/store", /build\.out_dir out overlaps the store/],
    ] as const) {
      await expectInputError(`${classifierConfig()}build:\n  out_dir: "${outDir}"\n  store: "${store}"\n`, expected);
      expect(existsSync(project.path("models/brown-genre-mlp/model.onnx"))).toBe(true);
      expect(existsSync(project.path("slm.config.yaml"))).toBe(true);
    }
  });

  it("a folder of the user's own files at build.out_dir is left alone", async () => {
    project.write("mine/notes.txt", "keep me");
    await expectInputError(`${classifierConfig()}build:\n  out_dir: mine\n`, /mine is not a build folder slm made/);
    expect(project.read("mine/notes.txt")).toBe("keep me");
    const clean = await project.run("clean", "--set", "build.out_dir=mine");
    expect(clean.code).toBe(2);
    expect(project.read("mine/notes.txt")).toBe("keep me");
  });

  it("a recipe step that fails on its input is placed at the step (prune after quantize)", async () => {
    const config = classifierConfig("recipe:\n  - quantize: {mode: dynamic}\n  - prune: {sparsity: 0.5}\n");
    await expectInputError(config, /slm\.config\.yaml:\d+:\d+: stage prune: .*its weights are quantized: put prune before quantize/);
  });

  it("a tokenizer whose vocabulary does not match the model's", async () => {
    const tokenizer = JSON.parse(project.read("models/gpt-relu-brown/tokenizer.json"));
    for (let i = 0; i < 10; i++) tokenizer.added_tokens.push({ ...tokenizer.added_tokens[0], id: 1024 + i, content: `<|extra${i}|>` });
    project.write("models/gpt-relu-brown/big-tokenizer.json", JSON.stringify(tokenizer));
    const stderr = await expectInputError(lmConfig().replace("tokenizer.json", "big-tokenizer.json"), /vocabulary mismatch/);
    expect(stderr).toMatch(/1034/);
    expect(stderr).toMatch(/1024/);
  });
});
