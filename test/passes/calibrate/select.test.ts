import { create } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { arrayToTensor, AttributeProto_AttributeType, AttributeProtoSchema, GraphProtoSchema, TensorProto_DataType } from "../../../src/onnx/index.js";
import { selectTensors } from "../../../src/passes/calibrate/select.js";
import { node, value } from "./tiny-models.js";

function gemm(inputs: string[], output: string, attributes: Record<string, number>) {
  const gemmNode = node("Gemm", inputs, [output]);
  for (const [name, i] of Object.entries(attributes)) gemmNode.attribute.push(create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(i) }));
  return gemmNode;
}

describe("selectTensors", () => {
  test("inputs and outputs of the calibrated ops and the graph, without constants; square sums where the last axis is contracted", () => {
    const weight = arrayToTensor("W", [4, 4], new Float32Array(16), TensorProto_DataType.FLOAT);
    const graph = create(GraphProtoSchema, {
      node: [
        node("Constant", [], ["C"]),
        node("MatMul", ["X", "C"], ["M"]), // A: squared; C: a Constant output, left out
        node("Sigmoid", ["M"], ["S"]), // not a calibrated op: S is selected only as Gemm's input
        gemm(["S", "W"], "G1", { transA: 1 }), // A transposed: its last axis is not contracted
        gemm(["G1", "S"], "G2", { transB: 1 }), // A plain and B transposed: both last axes contracted
        node("Tanh", ["G2"], ["Y"]),
      ],
      initializer: [weight],
      // Old exporters list initializers as graph inputs too: still not observed.
      input: [value("X", 4), value("W", 4)],
      output: [value("Y", 4)],
    });
    const { fed, computed } = selectTensors(graph);
    expect(fed).toEqual([{ name: "X", squares: true }]);
    expect(computed).toEqual([
      { name: "G1", squares: true }, // A of the second Gemm
      { name: "G2", squares: false },
      { name: "M", squares: false },
      { name: "S", squares: true }, // through the second Gemm, not the first
      { name: "Y", squares: false },
    ]);
  });
});
