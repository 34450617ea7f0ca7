/**
 * Test rig for the convert stage: the real models, calibration statistics made by the real
 * calibrate stage (once per test file and model), params defaulted by the config module's
 * validator, and the stage run in a temporary folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { validatorFor } from "../../../src/config/validate.js";
import { tokenizeTextFile, writeIdsFile } from "../../../src/eval/index.js";
import { calibrateKind, type CalibrateParams } from "../../../src/passes/calibrate/index.js";
import { convertKind, convertSchema, type ConvertParams } from "../../../src/passes/convert/index.js";
import { readSnnIr, type LoadedSnnIr } from "../../../src/snn/ir-read.js";
import type { Json } from "../../../src/util/canonical-json.js";

const modelsDir = fileURLToPath(new URL("../../../models/", import.meta.url));
export const MLP_DIR = join(modelsDir, "brown-genre-mlp");
export const LM_DIR = join(modelsDir, "gpt-relu-brown");
export const MLP = join(MLP_DIR, "model.onnx");
export const LM = join(LM_DIR, "model.onnx");

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
export function tempDir(label = "convert"): string {
  const dir = mkdtempSync(join(tmpdir(), `slm-${label}-`));
  dirs.push(dir);
  return dir;
}

/** A stage context writing into a fresh folder, collecting warnings. */
export function stageContext(label: string): { ctx: { projectDir: string; workDir: string; signal: AbortSignal; warn(m: string): void }; warnings: string[] } {
  const dir = tempDir(label);
  const warnings: string[] = [];
  return { ctx: { projectDir: dir, workDir: dir, signal: new AbortController().signal, warn: (m: string) => warnings.push(m) }, warnings };
}

/** `convert:` params as the config module would pass them: `partial` validated, defaults applied. */
export function convertParams(partial: Record<string, Json> = {}): ConvertParams {
  const params = structuredClone(partial);
  const validate = validatorFor(convertSchema as never);
  if (!validate(params)) throw new Error(`invalid convert params: ${JSON.stringify(validate.errors)}`);
  return params as unknown as ConvertParams;
}

const statsCache = new Map<string, Promise<string>>();

/** stats.json of the classifier over calib.jsonl (or of another classifier model). */
export function classifierStats(model = MLP): Promise<string> {
  return cached(model, () => calibrated(model, { data: join(MLP_DIR, "calib.jsonl") }, { task: "classifier", batch: 64, threads: 1, optimization: "all" }));
}

/** stats.json of the LM over the first `windows` windows of calib.txt. */
export function lmStats(windows = 4): Promise<string> {
  return cached(`${LM}#${windows}`, async () => {
    const { ids } = await tokenizeTextFile({
      tokenizerPath: join(LM_DIR, "tokenizer.json"),
      tokenizerConfigPath: join(LM_DIR, "tokenizer_config.json"),
      textPath: join(LM_DIR, "calib.txt"),
    });
    const idsPath = join(tempDir("lm-ids"), "ids.bin");
    await writeIdsFile(idsPath, ids);
    return calibrated(LM, { ids: idsPath }, { task: "causal-lm", window: 128, windows, batch: 4, threads: 1, optimization: "all" });
  });
}

function cached(key: string, make: () => Promise<string>): Promise<string> {
  let stats = statsCache.get(key);
  if (!stats) statsCache.set(key, (stats = make()));
  return stats;
}

async function calibrated(model: string, inputs: Record<string, string>, params: CalibrateParams): Promise<string> {
  const { ctx } = stageContext("calibrate");
  const result = await calibrateKind.run(ctx, { model, ...inputs }, params);
  return join(ctx.workDir, result.outputs["stats.json"]!);
}

/** A conversion's IR (read back with the reader), metrics and warnings. */
export interface Converted {
  dir: string;
  loaded: LoadedSnnIr;
  metrics: Record<string, Json>;
  warnings: string[];
}

/** Runs the convert stage on `model` with `stats` and `partial` params (defaults applied). */
export async function convert(model: string, stats: string, partial: Record<string, Json> = {}): Promise<Converted> {
  const { ctx, warnings } = stageContext("convert-run");
  const result = await convertKind.run(ctx, { model, calibration: stats }, convertParams(partial));
  const dir = join(ctx.workDir, result.outputs.snn!);
  return { dir, loaded: await readSnnIr(dir), metrics: result.metrics ?? {}, warnings };
}
