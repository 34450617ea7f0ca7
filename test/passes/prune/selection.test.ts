import { describe, expect, it } from "vitest";
import { readModel, tensorToArray } from "../../../src/onnx/index.js";
import { findWeights } from "../../../src/passes/prune/weights.js";
import { initializer, LM, pruneParams, runPrune } from "./rig.js";
import { E, ET, tiedModel, W } from "./tiny-models.js";

const zeros = (values: Float32Array): number => values.filter((v) => v === 0).length;
const bytesOf = (view: ArrayBufferView): Buffer => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

describe("which weights are pruned", () => {
  it("finds MatMul weights, embedding tables and a tied head copy (through Transpose or stored transposed)", async () => {
    const model = await readModel(await tiedModel());
    const weights = findWeights(model.proto.graph!);
    expect(weights.map((w) => [w.name, w.reserved ?? "", w.nodes])).toEqual([
      ["E", "embedding table (read by Gather)", ["embed", "head_t", "transpose_e"]],
      ["ET", "tied to embedding 'E' (transposed)", ["lm_head"]],
      ["W", "", ["proj"]],
    ]);
    // E reached through Transpose is laid out [N, K]: K (4 features) is its second axis.
    expect(weights[0]!.layout).toEqual({ k: 4, n: 5, strideK: 1, strideN: 4 });
    expect(weights[2]!.layout).toEqual({ k: 4, n: 4, strideK: 4, strideN: 1 });
    expect(weights[2]!.activations).toEqual(["e"]);
  });

  it("by default leaves the embedding and the tied head alone", async () => {
    const run = await runPrune(await tiedModel(), pruneParams("{sparsity: 0.5}"));
    expect(run.report.tensors.map((t) => t.name)).toEqual(["W"]);
    expect([...initializer(run.model, "E")]).toEqual([...Float32Array.from(E)]);
    expect([...initializer(run.model, "ET")]).toEqual([...Float32Array.from(ET)]);
    expect(zeros(initializer(run.model, "W"))).toBe(8);
    expect(run.report.untouched).toEqual([
      { name: "E", reason: "embedding table (read by Gather)" },
      { name: "ET", reason: "tied to embedding 'E' (transposed)" },
    ]);
  });

  it("prunes exactly what include names, by tensor or node glob, embedding included", async () => {
    const byNode = await runPrune(await tiedModel(), pruneParams('{sparsity: 0.5, include: ["lm_*"]}'));
    expect(byNode.report.tensors.map((t) => t.name)).toEqual(["ET"]);
    expect(zeros(initializer(byNode.model, "ET"))).toBe(10);
    // ET's |values| 0.3 repeat three times (in float32) where the cut falls: position chose one.
    expect(byNode.report.summary.tiesDecidedByPosition).toBe(3);
    expect([...initializer(byNode.model, "W")]).toEqual([...Float32Array.from(W)]);
    const both = await runPrune(await tiedModel(), pruneParams('{sparsity: 0.5, include: ["E", "W"]}'));
    expect(both.report.tensors.map((t) => t.name)).toEqual(["E", "W"]);
    expect(both.report.untouched).toEqual([{ name: "ET", reason: "not matched by include" }]);
  });

  it("an embedding only Gather reads has no outputs to prune per output; one also used as a head has", async () => {
    await expect(runPrune(LM, pruneParams('{scope: per-output, include: ["wpe.weight"]}'))).rejects.toThrow(
      "prune: 'wpe.weight' is an embedding table (only Gather reads it), so it has no single input axis for per-output scope",
    );
    const table = await runPrune(LM, pruneParams('{sparsity: 0.25, include: ["wpe.weight"]}'));
    expect(table.report.tensors[0]).toMatchObject({ name: "wpe.weight", zeros: 4096 });
    // E is also the head through Transpose: its outputs are its rows (5 tokens × 4 features).
    const tied = await runPrune(await tiedModel(), pruneParams('{scope: per-output, include: ["E"]}'));
    const e = initializer(tied.model, "E");
    for (let token = 0; token < 5; token++) expect(e.subarray(token * 4, token * 4 + 4).filter((v) => v === 0).length).toBeGreaterThanOrEqual(2);
  });

  it("drops what exclude names, and warns about an include that matches nothing", async () => {
    const run = await runPrune(LM, pruneParams('{sparsity: 0.5, exclude: ["*attn*"], include: []}'));
    expect(run.report.tensors.map((t) => t.name)).toEqual(
      [0, 1, 2, 3].flatMap((b) => [`blocks.${b}.fc.weight.T`, `blocks.${b}.fc_out.weight.T`]),
    );
    const warned = await runPrune(LM, pruneParams('{include: ["blocks.*.fc.weight.T", "nothing*"]}'));
    expect(warned.report.tensors).toHaveLength(4);
    expect(warned.warnings).toEqual(["prune: include pattern 'nothing*' matches no prunable weight (MatMul/Gemm B operands and Gather tables)"]);
    await expect(runPrune(LM, pruneParams('{include: ["nothing*"]}'))).rejects.toThrow(/no weight is selected/);
  });

  it("on gpt-relu-brown: embeddings, the tied head, biases and norms stay bit for bit", async () => {
    const run = await runPrune(LM, pruneParams("{sparsity: 0.5, scope: global}"));
    const before = await readModel(LM);
    const pruned = new Set(run.report.tensors.map((t) => t.name));
    expect(pruned.size).toBe(16);
    const after = new Map(run.model.proto.graph!.initializer.map((t) => [t.name, t]));
    for (const tensor of before.proto.graph!.initializer) {
      if (pruned.has(tensor.name)) continue;
      expect(bytesOf(tensorToArray(after.get(tensor.name)!)).equals(bytesOf(tensorToArray(tensor))), tensor.name).toBe(true);
    }
    expect(run.report.untouched.map((u) => u.name)).toEqual(["wpe.weight", "wte.weight", "wte.weight.T"]);
    expect(run.report.untouched[2]!.reason).toBe("tied to embedding 'wte.weight' (transposed)");
  });
});
