/**
 * Small ONNX models built in memory, with weights chosen so that what each prune mode must do is
 * known by hand, written to a temp folder for the stage to read.
 */
import { create } from "@bufbuild/protobuf";
import { join } from "node:path";
import {
  arrayToTensor,
  DataType,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
  writeModel,
  modelFromProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from "../../../src/onnx/index.js";
import { tempDir } from "./rig.js";

export function valueInfo(name: string, elemType: DataType, dims: number[]): ValueInfoProto {
  const shape = { dim: dims.map((d) => ({ value: { case: "dimValue" as const, value: BigInt(d) } })) };
  const tensorType = create(TypeProto_TensorSchema, { elemType, shape });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: "tensorType", value: tensorType } }) });
}

export const node = (opType: string, name: string, input: string[], output: string[]): NodeProto => create(NodeProtoSchema, { opType, name, input, output });
export const floats = (name: string, dims: number[], values: ArrayLike<number>): TensorProto => arrayToTensor(name, dims, Float32Array.from(values), DataType.FLOAT);

/** Writes a model (opset 14) to a temp folder and returns its path. */
export async function writeTinyModel(spec: { nodes: NodeProto[]; initializers: TensorProto[]; inputs: ValueInfoProto[]; outputs: ValueInfoProto[] }): Promise<string> {
  const graph = create(GraphProtoSchema, { name: "tiny", node: spec.nodes, initializer: spec.initializers, input: spec.inputs, output: spec.outputs });
  const proto = create(ModelProtoSchema, { irVersion: 7n, opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: 14n })], graph });
  const path = join(tempDir("prune-tiny"), "model.onnx");
  await writeModel(modelFromProto(proto), path);
  return path;
}

/** W1: 12 small values 0.01 … 0.12 (row-major [4, 3]); W2: 6 large values ±1 … ±6 ([3, 2]). */
export const W1 = [0.05, -0.01, 0.09, 0.12, -0.03, 0.07, 0.02, 0.11, -0.06, 0.1, 0.04, -0.08];
export const W2 = [3, -1, 6, 2, -5, 4];
export const B1 = [0.5, -0.5, 0.25];

/**
 * x [1, 4] → MatMul W1 [4, 3] → Add b1 → Relu → MatMul W2 [3, 2] → y [1, 2]. With
 * `initializersAsInputs`, the weights are also declared graph inputs, as before IR 4.
 */
export function twoLayerModel(initializersAsInputs = false): Promise<string> {
  const declared = initializersAsInputs ? [valueInfo("W1", DataType.FLOAT, [4, 3]), valueInfo("b1", DataType.FLOAT, [3]), valueInfo("W2", DataType.FLOAT, [3, 2])] : [];
  return writeTinyModel({
    nodes: [
      node("MatMul", "fc1", ["x", "W1"], ["h"]),
      node("Add", "fc1_bias", ["h", "b1"], ["hb"]),
      node("Relu", "act", ["hb"], ["a"]),
      node("MatMul", "fc2", ["a", "W2"], ["y"]),
    ],
    initializers: [floats("W1", [4, 3], W1), floats("b1", [3], B1), floats("W2", [3, 2], W2)],
    inputs: [valueInfo("x", DataType.FLOAT, [1, 4]), ...declared],
    outputs: [valueInfo("y", DataType.FLOAT, [1, 2])],
  });
}

/** An embedding E [5, 4]; its transpose stored as its own initializer ET (an exporter's tied head). */
export const E = Array.from({ length: 20 }, (_, i) => ((i * 7) % 11) / 10 - 0.5);
export const ET = Array.from({ length: 20 }, (_, i) => E[(i % 5) * 4 + Math.floor(i / 5)]!);
export const W = Array.from({ length: 16 }, (_, i) => ((i * 5) % 13) / 13 - 0.4);

/**
 * ids [1, 3] → Gather E → MatMul W [4, 4] → h; logits_copy = h · ET (tied copy, node
 * "lm_head"); logits_t = h · Transpose(E) (tied through Transpose, node "head_t").
 */
export function tiedModel(): Promise<string> {
  return writeTinyModel({
    nodes: [
      node("Gather", "embed", ["E", "ids"], ["e"]),
      node("MatMul", "proj", ["e", "W"], ["h"]),
      node("MatMul", "lm_head", ["h", "ET"], ["logits_copy"]),
      node("Transpose", "transpose_e", ["E"], ["Et"]),
      node("MatMul", "head_t", ["h", "Et"], ["logits_t"]),
    ],
    initializers: [floats("E", [5, 4], E), floats("W", [4, 4], W), floats("ET", [4, 5], ET)],
    inputs: [valueInfo("ids", DataType.INT64, [1, 3])],
    outputs: [valueInfo("logits_copy", DataType.FLOAT, [1, 3, 5]), valueInfo("logits_t", DataType.FLOAT, [1, 3, 5])],
  });
}
