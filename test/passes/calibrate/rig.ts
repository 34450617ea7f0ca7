/**
 * Test rig for the calibrate stage: the real models and data, the stage run in a temp folder,
 * stats.json read back, and the tokenized calibration text (made once per test file).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { tokenizeTextFile, writeIdsFile } from "../../../src/eval/index.js";
import { calibrateKind, type CalibrateParams } from "../../../src/passes/calibrate/index.js";
import { runCalibration, type CalibrationRunOptions } from "../../../src/passes/calibrate/run.js";
import type { CalibrationStats } from "../../../src/passes/calibrate/stats.js";
import type { Json } from "../../../src/util/canonical-json.js";

const modelsDir = fileURLToPath(new URL("../../../models/", import.meta.url));
export const LM_DIR = join(modelsDir, "gpt-relu-brown");
export const MLP_DIR = join(modelsDir, "brown-genre-mlp");
export const LM = join(LM_DIR, "model.onnx");
export const MLP = join(MLP_DIR, "model.onnx");

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
export function tempDir(label = "calibrate"): string {
  const dir = mkdtempSync(join(tmpdir(), `slm-${label}-`));
  dirs.push(dir);
  return dir;
}

/** gpt-relu-brown's calib.txt tokenized into an ids file, as the tokenize stage writes it. */
export async function calibrationIds(): Promise<string> {
  const { ids } = await tokenizeTextFile({
    tokenizerPath: join(LM_DIR, "tokenizer.json"),
    tokenizerConfigPath: join(LM_DIR, "tokenizer_config.json"),
    textPath: join(LM_DIR, "calib.txt"),
  });
  const path = join(tempDir("calibrate-ids"), "ids.bin");
  await writeIdsFile(path, ids);
  return path;
}

/** Params as the planner binds them, with evaluation's defaults for the session settings. */
export function params(extra: Partial<CalibrateParams> & Pick<CalibrateParams, "task">): CalibrateParams {
  return { batch: 8, threads: 1, optimization: "all", ...extra };
}

export interface CalibrationRun {
  text: string;
  stats: CalibrationStats;
  metrics: Record<string, Json>;
  warnings: string[];
  /** Files left in the work folder. */
  files: string[];
}

/** Runs the calibrate stage (through the kind, or with run options through runCalibration). */
export async function calibrate(
  inputs: Record<string, string>,
  stageParams: CalibrateParams,
  options?: CalibrationRunOptions,
): Promise<CalibrationRun> {
  const dir = tempDir("calibrate-run");
  const warnings: string[] = [];
  const ctx = { projectDir: dir, workDir: dir, signal: new AbortController().signal, warn: (m: string) => warnings.push(m) };
  const result = options ? await runCalibration(ctx, inputs, stageParams, options) : await calibrateKind.run(ctx, inputs, stageParams);
  const text = readFileSync(join(dir, result.outputs["stats.json"]!), "utf8");
  const { readdirSync } = await import("node:fs");
  return { text, stats: JSON.parse(text) as CalibrationStats, metrics: result.metrics ?? {}, warnings, files: readdirSync(dir).sort() };
}
