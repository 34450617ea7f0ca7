/**
 * Test rig for the prune pass: params validated and defaulted by the real config loader (from a
 * recipe step as a user writes it), the stage run in a temp folder, its outputs read back.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import { readModel, tensorToArray, type OnnxModel } from "../../../src/onnx/index.js";
import type { PruneParams } from "../../../src/passes/prune/params.js";
import { prunePass } from "../../../src/passes/prune/index.js";
import type { PruneReport } from "../../../src/passes/prune/report.js";
import type { Json } from "../../../src/util/canonical-json.js";

const modelsDir = fileURLToPath(new URL("../../../models/", import.meta.url));
export const LM = join(modelsDir, "gpt-relu-brown", "model.onnx");
export const MLP = join(modelsDir, "brown-genre-mlp", "model.onnx");
export const LM_DIR = join(modelsDir, "gpt-relu-brown");
export const MLP_DIR = join(modelsDir, "brown-genre-mlp");

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
export function tempDir(label = "prune"): string {
  const dir = mkdtempSync(join(tmpdir(), `slm-${label}-`));
  dirs.push(dir);
  return dir;
}

/** The params of `prune: <step>` after the config loader's validation and defaults. */
export function pruneParams(step: string): PruneParams {
  const dir = tempDir("prune-config");
  const config = `name: t
model: {task: classifier, onnx: m.onnx, tokenizer: t.json}
data: {evaluation: {path: e.jsonl}}
recipe:
  - prune: ${step}
`;
  writeFileSync(join(dir, "slm.config.yaml"), config);
  const loaded = loadConfig({ path: join(dir, "slm.config.yaml"), catalog: { passes: new Map([["prune", prunePass]]), targets: new Map() } });
  return loaded.config.recipe[0]!.params as unknown as PruneParams;
}

export interface PruneRun {
  dir: string;
  modelPath: string;
  model: OnnxModel;
  report: PruneReport;
  metrics: Record<string, Json>;
  warnings: string[];
}

/** Runs the prune stage on `modelPath` with `params` (and a calibration stats file) in a temp folder. */
export async function runPrune(modelPath: string, params: PruneParams, calibration?: string): Promise<PruneRun> {
  const dir = tempDir("prune-run");
  const warnings: string[] = [];
  const ctx = { projectDir: dir, workDir: dir, signal: new AbortController().signal, warn: (m: string) => warnings.push(m) };
  const result = await prunePass.kind.run(ctx, { model: modelPath, ...(calibration ? { calibration } : {}) }, params);
  const out = join(dir, result.outputs["model.onnx"]!);
  return {
    dir,
    modelPath: out,
    model: await readModel(out),
    report: readJson<PruneReport>(join(dir, result.outputs["report.json"]!)),
    metrics: result.metrics ?? {},
    warnings,
  };
}

/** An initializer's values as a Float32Array. */
export function initializer(model: OnnxModel, name: string): Float32Array {
  const tensor = model.proto.graph!.initializer.find((t) => t.name === name);
  if (!tensor) throw new Error(`no initializer ${name}`);
  return tensorToArray(tensor) as Float32Array;
}

/** Writes `text` to `path` (folders created). */
export function writeText(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

let lmStats: Promise<string> | undefined;

/**
 * stats.json of gpt-relu-brown over the first `windows` 128-token windows of calib.txt, made by
 * the real calibrate stage (once per test file).
 */
export function lmCalibrationStats(windows = 16): Promise<string> {
  lmStats ??= (async () => {
    const { tokenizeTextFile, writeIdsFile } = await import("../../../src/eval/index.js");
    const { calibrateKind } = await import("../../../src/passes/calibrate/index.js");
    const dir = tempDir("prune-calibration");
    const { ids } = await tokenizeTextFile({ tokenizerPath: join(LM_DIR, "tokenizer.json"), textPath: join(LM_DIR, "calib.txt") });
    await writeIdsFile(join(dir, "ids.bin"), ids);
    const ctx = { projectDir: dir, workDir: dir, signal: new AbortController().signal, warn: () => undefined };
    const params = { task: "causal-lm" as const, window: 128, windows, batch: 8, threads: 2, optimization: "all" as const };
    const result = await calibrateKind.run(ctx, { model: LM, ids: join(dir, "ids.bin") }, params);
    return join(dir, result.outputs["stats.json"]!);
  })();
  return lmStats;
}

/** The 64 windows of eval-ids.json, back to back. */
export function lmEvalWindows(): Int32Array {
  return Int32Array.from(readJson<number[][]>(join(LM_DIR, "eval-ids.json")).flat());
}
