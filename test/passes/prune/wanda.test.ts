import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateCausalLm } from "../../../src/eval/index.js";
import { prunePass } from "../../../src/passes/prune/index.js";
import { initializer, LM, lmCalibrationStats, lmEvalWindows, pruneParams, runPrune, tempDir, writeText } from "./rig.js";
import { twoLayerModel, W1 } from "./tiny-models.js";

/** A stats.json (src/passes/calibrate/stats.ts) with channel square sums for the given tensors. */
function statsFile(channels: Record<string, number[]>): string {
  const tensors = Object.fromEntries(
    Object.entries(channels).map(([name, sums]) => [name, { count: 1, min: 0, max: 1, zeroFraction: 0, histogram: { range: 1, counts: [1] }, channelSquareSums: sums }]),
  );
  return writeText(join(tempDir("prune-stats"), "stats.json"), JSON.stringify({ version: 1, samples: 1, tensors }));
}

// Input feature 0 is loud (‖x₀‖ = 100), feature 1 nearly silent: Wanda keeps small weights on
// feature 0 and drops large ones on feature 1, where magnitude does the opposite.
const NORMS = [100, 0.001, 1, 1];
const STATS = { x: NORMS.map((n) => n * n), a: [1, 1, 1] };

describe("Wanda: |w| · ‖x‖ per output", () => {
  it("scores with the calibration norms and prunes within each output column", async () => {
    const run = await runPrune(await twoLayerModel(), pruneParams("{method: wanda, sparsity: 0.5}"), statsFile(STATS));
    const pruned = initializer(run.model, "W1");
    for (let n = 0; n < 3; n++) {
      const rows = [0, 1, 2, 3];
      const score = (k: number) => Math.fround(Math.abs(Math.fround(W1[k * 3 + n]!)) * NORMS[k]!);
      const expected = [...rows].sort((a, b) => score(a) - score(b) || a - b).slice(0, 2).sort();
      expect(rows.filter((k) => pruned[k * 3 + n] === 0)).toEqual(expected);
      expect(expected).toContain(1);
      expect(expected).not.toContain(0);
    }
    expect(run.report.params).toMatchObject({ method: "wanda", scope: "per-output", sparsity: 0.5 });
  });

  it("chooses differently from magnitude when activations are uneven", async () => {
    const model = await twoLayerModel();
    const wanda = await runPrune(model, pruneParams("{method: wanda, sparsity: 0.5}"), statsFile(STATS));
    const magnitude = await runPrune(model, pruneParams("{method: magnitude, sparsity: 0.5, scope: per-output}"));
    expect([...initializer(wanda.model, "W1")]).not.toEqual([...initializer(magnitude.model, "W1")]);
    // With equal norms everywhere, Wanda is magnitude pruning.
    const flat = await runPrune(model, pruneParams("{method: wanda, sparsity: 0.5}"), statsFile({ x: [1, 1, 1, 1], a: [4, 4, 4] }));
    expect([...initializer(flat.model, "W1")]).toEqual([...initializer(magnitude.model, "W1")]);
  });

  it("needs calibration (and only Wanda and activation importance do)", () => {
    const needs = (step: string) => prunePass.needsCalibration!(pruneParams(step) as unknown as Record<string, unknown>);
    expect(needs("{method: wanda}")).toBe(true);
    expect(needs("{method: magnitude}")).toBe(false);
    expect(needs("{method: structured}")).toBe(false);
    expect(needs("{method: structured, importance: activation}")).toBe(true);
  });

  it("fails clearly when the statistics lack a weight's input", async () => {
    const model = await twoLayerModel();
    await expect(runPrune(model, pruneParams("{method: wanda}"), statsFile({ x: STATS.x }))).rejects.toThrow(
      "prune: the calibration statistics have no channelSquareSums for 'a', the input of weight 'W2'",
    );
    await expect(runPrune(model, pruneParams("{method: wanda}"), statsFile({ x: [1, 2], a: [1, 1, 1] }))).rejects.toThrow(
      "channelSquareSums of 'x' has 2 entries, but weight 'W1' has 4 input features",
    );
  });

  it("beats magnitude at 50% on gpt-relu-brown (perplexity on 64 windows, real calibration statistics)", async () => {
    const stats = await lmCalibrationStats();
    const ids = lmEvalWindows();
    const perplexity = async (step: string) => {
      const run = await runPrune(LM, pruneParams(step), stats);
      expect(run.report.summary.sparsity).toBe(0.5);
      return (await evaluateCausalLm({ modelPath: run.modelPath, ids, window: 128 })).perplexity;
    };
    const wanda = await perplexity("{method: wanda, sparsity: 0.5}");
    const global = await perplexity("{method: magnitude, sparsity: 0.5, scope: global}");
    const perLayer = await perplexity("{method: magnitude, sparsity: 0.5}");
    expect(wanda).toBeLessThan(global);
    expect(wanda).toBeLessThan(perLayer);
  });
});
