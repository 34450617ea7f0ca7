/** Small hand-built ONNX models for the calibrate stage's edge cases, written to files. */
import { create } from "@bufbuild/protobuf";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  GraphProtoSchema,
  modelFromProto,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
  writeModel,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from "../../../src/onnx/index.js";

/** A tensor value [batch, width] of `elemType` (float by default). */
export function value(name: string, width: number, elemType = TensorProto_DataType.FLOAT): ValueInfoProto {
  const dims = [{ value: { case: "dimParam" as const, value: "batch" } }, { value: { case: "dimValue" as const, value: BigInt(width) } }];
  const tensorType = create(TypeProto_TensorSchema, { elemType, shape: { dim: dims } });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: "tensorType", value: tensorType } }) });
}

export function node(opType: string, input: string[], output: string[]): NodeProto {
  return create(NodeProtoSchema, { name: output[0]!, opType, input, output });
}

/** Writes a one-input, one-output model (opset 14) to `dir/name.onnx` and returns its path. */
export async function writeTinyModel(
  dir: string,
  name: string,
  graph: { nodes: NodeProto[]; input: ValueInfoProto; output: ValueInfoProto; initializers?: TensorProto[] },
): Promise<string> {
  const proto = create(ModelProtoSchema, {
    irVersion: 7n,
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: 14n })],
    graph: create(GraphProtoSchema, {
      name,
      node: graph.nodes,
      input: [graph.input],
      output: [graph.output],
      initializer: graph.initializers ?? [],
    }),
  });
  const path = join(dir, `${name}.onnx`);
  await writeModel(modelFromProto(proto), path);
  return path;
}

/** Writes classifier samples as JSONL (`{"features": [...], "label": 0}` per line). */
export function writeJsonl(dir: string, name: string, rows: number[][]): string {
  const path = join(dir, name);
  writeFileSync(path, rows.map((features) => `${JSON.stringify({ features, label: 0 })}\n`).join(""));
  return path;
}
