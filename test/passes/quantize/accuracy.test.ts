/**
 * The effect of quantization on the real models, measured with onnxruntime-node through slm's
 * evaluation (issue 3's targets), on a slice that keeps the test fast: gpt-relu-brown on the
 * first 32 windows of eval-ids.json relative to fp32 on the same windows, brown-genre-mlp on all
 * 600 eval samples. Full-eval figures are in bench/quantize.js.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { readJson } from "../../eval/fixtures.js";
import { accuracy, calibrationStats, lm, mlp, perplexity, runQuantizeStage } from "./helpers.js";

const WINDOWS = 32;

describe("gpt-relu-brown perplexity", () => {
  let fp32 = 0;
  let stats = "";
  beforeAll(async () => {
    fp32 = await perplexity(lm.model, WINDOWS);
    stats = await calibrationStats("lm", 16);
  });
  const increase = async (params: Record<string, unknown>, calibration?: string) =>
    (await perplexity((await runQuantizeStage(lm.model, params, calibration)).model, WINDOWS)) / fp32 - 1;

  test("weight-only int8 per-channel: within 1% of fp32", async () => {
    expect(await increase({})).toBeLessThan(0.01);
  });

  test("dynamic int8: no worse than PyTorch's quantize_dynamic relative to fp32 (metrics.json)", async () => {
    const results = readJson<{ results: Record<string, { ppl: number }> }>(lm.metrics).results;
    const reference = results.dynamic_int8!.ppl / results.fp32!.ppl - 1; // +0.28%
    expect(await increase({ mode: "dynamic" })).toBeLessThanOrEqual(reference);
  });

  test("static W8A8 with percentile calibration: within 3%", async () => {
    expect(await increase({ mode: "static" }, stats)).toBeLessThan(0.03);
  });

  test("4-bit block 32: within 8%", async () => {
    expect(await increase({ bits: 4, block_size: 32 })).toBeLessThan(0.08);
  });
});

describe("brown-genre-mlp accuracy", () => {
  test("static int8: within 1 point of fp32", async () => {
    const fp32 = await accuracy(mlp.model);
    const run = await runQuantizeStage(mlp.model, { mode: "static" }, await calibrationStats("mlp"));
    expect(Math.abs((await accuracy(run.model)) - fp32)).toBeLessThanOrEqual(0.01);
  });
});
