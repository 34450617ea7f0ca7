import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  consumers,
  graphInputs,
  initializers,
  nodeDisplayName,
  opsetVersion,
  opTypeCounts,
  parameterCount,
  producers,
  topologicalOrder,
} from "../../src/onnx/graph.js";
import { parseModel, readModel, serializeModel } from "../../src/onnx/model.js";
import { tensorToArray } from "../../src/onnx/tensor.js";
import { expectSameBytes, GPT, MLP } from "./helpers.js";

describe("the bundled models (models/README.md)", () => {
  it("gpt-relu-brown: 427 nodes with the documented op-type counts and 1,071,872 initializer elements", async () => {
    const model = await readModel(GPT);
    const graph = model.proto.graph!;
    expect(graph.node).toHaveLength(427);
    expect(Object.fromEntries(opTypeCounts(graph))).toEqual({
      Add: 43, Cast: 5, Concat: 16, Constant: 138, Div: 9, Gather: 15, MatMul: 25, Mul: 13, Not: 4, Pow: 9,
      Range: 1, ReduceMean: 18, Relu: 4, Reshape: 16, Shape: 13, Slice: 8, Softmax: 4, Split: 4, Sqrt: 9,
      Sub: 9, Transpose: 16, Unsqueeze: 44, Where: 4,
    });
    expect(parameterCount(graph)).toBe(1_071_872);
    expect(opsetVersion(model.proto)).toBe(14);
    expect(opsetVersion(model.proto, "ai.onnx")).toBe(14);
    expect(opsetVersion(model.proto, "com.microsoft")).toBeUndefined();
    expect(model.proto.irVersion).toBe(7n);
    expect(graphInputs(graph).map((v) => v.name)).toEqual(["input_ids"]);
    expect(model.externalSources.size).toBe(0);
  });

  it("brown-genre-mlp: Gemm 3, Relu 2 and 297,231 initializer elements", async () => {
    const model = await readModel(MLP);
    const graph = model.proto.graph!;
    expect(Object.fromEntries(opTypeCounts(graph))).toEqual({ Gemm: 3, Relu: 2 });
    expect(parameterCount(graph)).toBe(297_231);
    expect(graphInputs(graph).map((v) => v.name)).toEqual(["features"]);
    const fc1 = initializers(graph).get("fc1.weight")!;
    expect(fc1.dims).toEqual([256n, 1024n]);
    const weights = tensorToArray(fc1);
    expect(weights).toBeInstanceOf(Float32Array);
    expect(weights).toHaveLength(256 * 1024);
    expect(weights.every((v) => Number.isFinite(v))).toBe(true);
  });

  it("re-encodes both files byte for byte", async () => {
    for (const path of [GPT, MLP]) {
      const bytes = await readFile(path);
      expectSameBytes(serializeModel(parseModel(new Uint8Array(bytes), path)), bytes);
    }
  });

  it("answers producer, consumer and order queries on the exported graph", async () => {
    const graph = (await readModel(MLP)).proto.graph!;
    const byOutput = producers(graph);
    const users = consumers(graph);
    const firstGemm = graph.node[0]!;
    expect(firstGemm.opType).toBe("Gemm");
    expect(byOutput.get(firstGemm.output[0]!)).toBe(firstGemm);
    expect(users.get("features")).toEqual([firstGemm]);
    expect(users.get(firstGemm.output[0]!)!.map((n) => n.opType)).toEqual(["Relu"]);
    // torch.onnx.export writes nodes in topological order; the sort keeps it.
    const gpt = (await readModel(GPT)).proto.graph!;
    expect(topologicalOrder(gpt)).toEqual(gpt.node);
    expect(nodeDisplayName(gpt.node[0]!, 0)).toBe(gpt.node[0]!.name);
  });
});
