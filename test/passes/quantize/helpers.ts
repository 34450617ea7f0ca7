/** Shared fixtures for the quantize tests: params with the schema's defaults, stage runs, evaluation. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach } from "vitest";
import { validatorFor } from "../../../src/config/validate.js";
import { evaluateCausalLm, evaluateClassifier, tokenizeTextFile, writeIdsFile } from "../../../src/eval/index.js";
import { calibrateKind } from "../../../src/passes/calibrate/index.js";
import { quantizePass } from "../../../src/passes/quantize/index.js";
import type { QuantizeParams } from "../../../src/passes/quantize/params.js";
import type { QuantizeReport } from "../../../src/passes/quantize/report.js";
import type { StageResult } from "../../../src/plan/stage-kind.js";
import { evalIdsFlat, lm, mlp } from "../../eval/fixtures.js";

export { lm, mlp };

const testDirs: string[] = [];
const fileDirs: string[] = [];
const removeAll = (dirs: string[]) => Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
afterEach(() => removeAll(testDirs));
afterAll(() => removeAll(fileDirs));

/** A fresh folder, removed after the test (or, for `"file"`, after the test file: fixtures made in beforeAll). */
export async function tempDir(lifetime: "test" | "file" = "test"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "slm-quantize-"));
  (lifetime === "test" ? testDirs : fileDirs).push(dir);
  return dir;
}

/** `partial` validated against the pass's schema with its defaults applied, as the config module does. */
export function quantizeParams(partial: Record<string, unknown> = {}): QuantizeParams {
  const value = structuredClone(partial);
  const validate = validatorFor(quantizePass.schema as never);
  if (!validate(value)) throw new Error(`invalid params: ${JSON.stringify(validate.errors)}`);
  return value as unknown as QuantizeParams;
}

/** The schema's error messages for `partial` (empty when valid). */
export function schemaErrors(partial: Record<string, unknown>): string[] {
  const validate = validatorFor(quantizePass.schema as never);
  return validate(structuredClone(partial)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

export interface QuantizeRun {
  model: string;
  report: QuantizeReport;
  result: StageResult;
  warnings: string[];
}

/** Runs the quantize stage on `model` with `params` (and a stats.json for static mode). */
export async function runQuantizeStage(model: string, partial: Record<string, unknown>, calibration?: string): Promise<QuantizeRun> {
  const workDir = await tempDir();
  const warnings: string[] = [];
  const ctx = { projectDir: workDir, workDir, signal: new AbortController().signal, warn: (m: string) => warnings.push(m) };
  const inputs = { model, ...(calibration ? { calibration } : {}) };
  const result = await quantizePass.kind.run(ctx, inputs, quantizeParams(partial));
  const report = JSON.parse(await readFile(join(workDir, "report.json"), "utf8")) as QuantizeReport;
  return { model: join(workDir, "model.onnx"), report, result, warnings };
}

/** Perplexity on the first `windows` windows of eval-ids.json (one thread). */
export async function perplexity(model: string, windows = 32): Promise<number> {
  const result = await evaluateCausalLm({ modelPath: model, ids: evalIdsFlat(), windows, scoringWorkers: 0 });
  return result.perplexity;
}

/** Accuracy on the first `samples` lines of eval.jsonl. */
export async function accuracy(model: string, samples?: number): Promise<number> {
  const result = await evaluateClassifier({ modelPath: model, jsonlPath: mlp.evalJsonl, ...(samples ? { samples } : {}) });
  return result.accuracy;
}

/**
 * Runs the calibrate stage (the real one) on a bundled model's calibration data: gpt-relu-brown's
 * calib.txt (the first `windows` windows of 128 tokens) or brown-genre-mlp's calib.jsonl.
 * Returns the path of its stats.json.
 */
export async function calibrationStats(which: "lm" | "mlp", windows = 16): Promise<string> {
  const workDir = await tempDir("file");
  const ctx = { projectDir: workDir, workDir, signal: new AbortController().signal, warn: () => {} };
  const session = { batch: 8, threads: 1, optimization: "all" as const };
  if (which === "mlp") {
    await calibrateKind.run(ctx, { model: mlp.model, data: join(dirname(mlp.model), "calib.jsonl") }, { task: "classifier", ...session });
  } else {
    const { ids } = await tokenizeTextFile({ tokenizerPath: lm.tokenizer, tokenizerConfigPath: lm.tokenizerConfig, textPath: join(lm.dir, "calib.txt") });
    const idsPath = join(workDir, "calib-ids.bin");
    await writeIdsFile(idsPath, ids);
    await calibrateKind.run(ctx, { model: lm.model, ids: idsPath }, { task: "causal-lm", window: 128, windows, ...session });
  }
  return join(workDir, "stats.json");
}
