/**
 * The PyTorch references in each model's metrics.json: `prune.global_unstructured(L1Unstructured,
 * amount=0.5)` over every nn.Linear weight and `prune.l1_unstructured(amount=0.3)` per weight.
 * Same algorithm, same float32 weights: the same elements go (the bench checks the full-eval
 * perplexity; here the per-module sparsities, the classifier's accuracy and 64 LM windows).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateCausalLm, evaluateClassifier } from "../../../src/eval/index.js";
import { LM, LM_DIR, lmEvalWindows, MLP, MLP_DIR, pruneParams, readJson, runPrune } from "./rig.js";

interface Result {
  ppl?: number;
  weight_sparsity?: Record<string, number>;
}
const lmResults = readJson<{ results: Record<string, Result> }>(join(LM_DIR, "metrics.json")).results;
const mlpResults = readJson<{ results_accuracy: Record<string, number> & { pruned_global_50_weight_sparsity: Record<string, number> } }>(
  join(MLP_DIR, "metrics.json"),
).results_accuracy;

/** `blocks.0.attn.qkv.weight.T` (the ONNX initializer, B = weightᵀ) → `blocks.0.attn.qkv` (the nn.Linear). */
const moduleOf = (initializer: string): string => initializer.replace(/\.weight(\.T)?$/, "");

/** README: "Per-module weight sparsity after 50% global pruning: blocks.0.attn.qkv 0.52, …". */
function readmeSparsities(): Record<string, number> {
  const readme = readFileSync(join(LM_DIR, "..", "README.md"), "utf8");
  const line = /Per-module weight sparsity after 50% global pruning: (.*)\./.exec(readme)![1]!;
  return Object.fromEntries(line.split(", ").map((item) => item.split(" ")).map(([name, value]) => [name!, Number(value)]));
}



describe("gpt-relu-brown against the PyTorch pruning references", () => {
  it("global 50%: per-module sparsity equals metrics.json (4 decimals) and the README list (2 decimals)", async () => {
    const run = await runPrune(LM, pruneParams("{method: magnitude, sparsity: 0.5, scope: global}"));
    const ours = Object.fromEntries(run.report.tensors.map((t) => [moduleOf(t.name), t.sparsity]));
    const reference = lmResults.pruned_global_50!.weight_sparsity!;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(reference).sort());
    for (const [module, sparsity] of Object.entries(reference)) expect(ours[module], module).toBeCloseTo(sparsity, 4);
    for (const [module, sparsity] of Object.entries(readmeSparsities())) expect(ours[module], module).toBeCloseTo(sparsity, 2);
    // round(0.5 × 786,432) zeros in all, no exact ties at the global threshold.
    expect(run.report.summary.zeros).toBe(393_216);
    expect(run.report.summary.tiesDecidedByPosition).toBe(0);
  });

  it("per layer 30%: round(0.3 × n) zeros in every module", async () => {
    const run = await runPrune(LM, pruneParams("{method: magnitude, sparsity: 0.3}"));
    for (const tensor of run.report.tensors) {
      expect(tensor.zeros).toBe(Math.round(0.3 * tensor.elements));
      expect(tensor.sparsity).toBeCloseTo(lmResults.pruned_per_layer_30!.weight_sparsity![moduleOf(tensor.name)]!, 4);
    }
    expect(run.metrics.tiesDecidedByPosition).toBe(0);
  });

  it("perplexity on 64 windows rises as much over fp32 as the full-eval references say", async () => {
    const ids = lmEvalWindows();
    const fp32 = (await evaluateCausalLm({ modelPath: LM, ids, window: 128 })).perplexity;
    for (const [step, key] of [
      ["{method: magnitude, sparsity: 0.5, scope: global}", "pruned_global_50"],
      ["{method: magnitude, sparsity: 0.3}", "pruned_per_layer_30"],
    ] as const) {
      const run = await runPrune(LM, pruneParams(step));
      const pruned = (await evaluateCausalLm({ modelPath: run.modelPath, ids, window: 128 })).perplexity;
      const referenceRatio = lmResults[key]!.ppl! / lmResults.fp32!.ppl!;
      expect(pruned).toBeGreaterThan(fp32);
      expect(Math.abs(pruned / fp32 - referenceRatio), step).toBeLessThan(0.02);
    }
  });
});

describe("brown-genre-mlp against the PyTorch pruning references", () => {
  for (const [step, key] of [
    ["{method: magnitude, sparsity: 0.5, scope: global}", "pruned_global_50"],
    ["{method: magnitude, sparsity: 0.3}", "pruned_per_layer_30"],
  ] as const) {
    it(`${key}: accuracy on eval.jsonl equals metrics.json (${mlpResults[key]})`, async () => {
      const run = await runPrune(MLP, pruneParams(step));
      const { accuracy } = await evaluateClassifier({ modelPath: run.modelPath, jsonlPath: join(MLP_DIR, "eval.jsonl") });
      expect(accuracy).toBeCloseTo(mlpResults[key]!, 4);
      expect(run.report.tensors.map((t) => t.name)).toEqual(["fc1.weight", "fc2.weight", "fc3.weight"]);
      if (key === "pruned_global_50") {
        for (const tensor of run.report.tensors) expect(tensor.sparsity).toBeCloseTo(mlpResults.pruned_global_50_weight_sparsity[moduleOf(tensor.name)]!, 4);
      }
    });
  }
});
