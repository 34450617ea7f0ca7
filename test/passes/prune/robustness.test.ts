import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.js";
import { arrayToTensor, DataType, readModel, tensorToArray, writeModel } from "../../../src/onnx/index.js";
import { LM, MLP, pruneParams, runPrune, tempDir } from "./rig.js";

const digest = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

/** A copy of the classifier with `value` at element 5 of `tensor`. */
async function poisoned(tensor: string, value: number): Promise<string> {
  const model = await readModel(MLP);
  const graph = model.proto.graph!;
  const index = graph.initializer.findIndex((t) => t.name === tensor);
  const original = graph.initializer[index]!;
  const values = tensorToArray(original, { copy: true }) as Float32Array;
  values[5] = value;
  graph.initializer[index] = arrayToTensor(tensor, original.dims.map(Number), values, DataType.FLOAT);
  const path = join(tempDir("prune-poisoned"), "model.onnx");
  await writeModel(model, path);
  return path;
}

describe("bad weights", () => {
  for (const [value, word] of [
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
  ] as const) {
    it(`${word} in a weight is an InputError naming the tensor`, async () => {
      const path = await poisoned("fc2.weight", value);
      for (const step of ["{sparsity: 0.5}", "{method: structured, ffn: 0.25}"]) {
        const failure = runPrune(path, pruneParams(step));
        await expect(failure).rejects.toBeInstanceOf(InputError);
        await expect(failure).rejects.toThrow(`tensor 'fc2.weight' has a non-finite value (${word}) at element 5`);
      }
    });
  }

  it("a NaN in a bias is reported when structured pruning slices it", async () => {
    await expect(runPrune(await poisoned("fc1.bias", Number.NaN), pruneParams("{method: structured}"))).rejects.toThrow("tensor 'fc1.bias' has a non-finite value (NaN)");
  });
});

describe("determinism and the input model", () => {
  for (const step of ["{sparsity: 0.5, scope: global}", '{pattern: "2:4"}', "{method: structured, ffn: 0.25, heads: 0.25}"]) {
    it(`${step}: same bytes twice, input untouched`, async () => {
      const before = digest(LM);
      const first = await runPrune(LM, pruneParams(step));
      const second = await runPrune(LM, pruneParams(step));
      expect(digest(first.modelPath)).toBe(digest(second.modelPath));
      expect(digest(join(first.dir, "report.json"))).toBe(digest(join(second.dir, "report.json")));
      expect(digest(LM)).toBe(before);
    });
  }
});
