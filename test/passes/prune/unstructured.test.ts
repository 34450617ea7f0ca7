import { describe, expect, it } from "vitest";
import { readModel } from "../../../src/onnx/index.js";
import { initializer, LM, MLP, pruneParams, runPrune } from "./rig.js";
import { B1, twoLayerModel, W1, W2 } from "./tiny-models.js";

const zeroIndices = (values: Float32Array): number[] => [...values.keys()].filter((i) => values[i] === 0);

/** Indices of the `count` smallest |v| by a stable sort (the reference, fine on 18 values). */
function smallestByAbs(values: readonly number[], count: number): number[] {
  return [...values.keys()]
    .sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b)
    .slice(0, count)
    .sort((a, b) => a - b);
}

describe("magnitude pruning on a two-layer model", () => {
  it("global scope ranks all weights together: the small W1 takes all 9 zeros", async () => {
    const run = await runPrune(await twoLayerModel(), pruneParams("{method: magnitude, sparsity: 0.5, scope: global}"));
    expect(zeroIndices(initializer(run.model, "W1"))).toEqual(smallestByAbs(W1, 9));
    expect(zeroIndices(initializer(run.model, "W2"))).toEqual([]);
    expect(run.metrics.sparsity).toBe(0.5);
    expect(run.report.summary.zeros).toBe(9);
  });

  it("per-layer scope prunes round(s × n) in each weight", async () => {
    const run = await runPrune(await twoLayerModel(), pruneParams("{method: magnitude, sparsity: 0.5}"));
    expect(zeroIndices(initializer(run.model, "W1"))).toEqual(smallestByAbs(W1, 6));
    expect(zeroIndices(initializer(run.model, "W2"))).toEqual(smallestByAbs(W2, 3));
    const byName = Object.fromEntries(run.report.tensors.map((t) => [t.name, t]));
    expect(byName.W1).toMatchObject({ shape: [4, 3], elements: 12, zerosBefore: 0, zeros: 6, sparsityBefore: 0, sparsity: 0.5, bytes: 48 });
    expect(byName.W2).toMatchObject({ zeros: 3, sparsity: 0.5 });
  });

  it("per-output scope prunes within each output column of MatMul's B [K, N]", async () => {
    const run = await runPrune(await twoLayerModel(), pruneParams("{method: magnitude, sparsity: 0.5, scope: per-output}"));
    const pruned = initializer(run.model, "W1");
    for (let n = 0; n < 3; n++) {
      const column = [0, 1, 2, 3].map((k) => W1[k * 3 + n]!);
      const expected = smallestByAbs(column, 2).map((k) => k * 3 + n);
      expect([0, 1, 2, 3].map((k) => k * 3 + n).filter((i) => pruned[i] === 0)).toEqual(expected);
    }
  });

  it("never touches biases, and keeps the kept weights bit for bit", async () => {
    const run = await runPrune(await twoLayerModel(), pruneParams("{method: magnitude, sparsity: 0.5}"));
    expect([...initializer(run.model, "b1")]).toEqual([...Float32Array.from(B1)]);
    const w1 = initializer(run.model, "W1");
    W1.forEach((v, i) => expect(w1[i] === 0 || w1[i] === Math.fround(v)).toBe(true));
    expect(run.report.tensors.map((t) => t.name)).toEqual(["W1", "W2"]);
  });

  it("prunes nothing at sparsity 0 and reports the dense file", async () => {
    const run = await runPrune(await twoLayerModel(), pruneParams("{sparsity: 0}"));
    expect(run.report.summary.zeros).toBe(0);
    expect(run.report.notes.join(" ")).toMatch(/does not shrink/);
    expect(run.report.summary.modelBytes).toBe(run.report.summary.modelBytesBefore);
  });
});

describe("N:M semi-structured pruning", () => {
  for (const pattern of ["2:4", "4:8"] as const) {
    it(`${pattern} on gpt-relu-brown: every group of M along K keeps its N largest`, async () => {
      const [keep, group] = pattern.split(":").map(Number) as [number, number];
      const run = await runPrune(LM, pruneParams(`{pattern: "${pattern}"}`));
      const original = await readModel(LM);
      expect(run.report.tensors).toHaveLength(16);
      // Violations are collected (one expect per check would dominate the run time).
      const violations: string[] = [];
      for (const tensor of run.report.tensors) {
        const [rows, cols] = tensor.shape as [number, number];
        const pruned = initializer(run.model, tensor.name);
        const before = initializer(original, tensor.name);
        for (let n = 0; n < cols; n++) {
          for (let start = 0; start < rows; start += group) {
            const at = Array.from({ length: group }, (_, t) => (start + t) * cols + n);
            const zeros = at.filter((i) => pruned[i] === 0);
            const smallestKept = Math.min(...at.filter((i) => pruned[i] !== 0).map((i) => Math.abs(before[i]!)));
            if (zeros.length < group - keep || zeros.some((i) => Math.abs(before[i]!) > smallestKept)) violations.push(`${tensor.name} column ${n} rows ${start}…`);
          }
        }
        expect(tensor.sparsity).toBe(0.5);
      }
      expect(violations).toEqual([]);
    });
  }

  it("2:4 on the classifier's Gemm (transB: B is [N, K]) groups along each row", async () => {
    const run = await runPrune(MLP, pruneParams('{pattern: "2:4"}'));
    let short = 0;
    for (const name of ["fc1.weight", "fc2.weight", "fc3.weight"]) {
      const tensor = run.report.tensors.find((t) => t.name === name)!;
      const [rows, cols] = tensor.shape as [number, number];
      const pruned = initializer(run.model, name);
      for (let n = 0; n < rows; n++) {
        for (let start = 0; start < cols; start += 4) {
          if ([0, 1, 2, 3].filter((t) => pruned[n * cols + start + t] === 0).length < 2) short++;
        }
      }
    }
    expect(short).toBe(0);
  });

  it("fails naming the weight when K is not a multiple of M", async () => {
    // W2 has K = 3 inputs.
    await expect(runPrune(await twoLayerModel(), pruneParams('{pattern: "2:4"}'))).rejects.toThrow(/weight 'W2' has 3 input features, not a multiple of 4/);
  });
});
