/**
 * A host segment as a standalone ONNX model that onnxruntime runs: its nodes, the initializers
 * they read, typed inputs (element type, shape left open) and outputs. For MAC counting, each
 * MatMul/Gemm also gets Shape nodes on its A input and its output, exposed as extra outputs, so
 * the simulator learns the shapes it ran with.
 */
import { create } from "@bufbuild/protobuf";
import {
  DataType,
  dataTypeName,
  GraphProtoSchema,
  inDefaultDomain,
  ModelProtoSchema,
  modelFromProto,
  NodeProtoSchema,
  serializeModel,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type ModelProto,
  type ValueInfoProto,
} from "../../onnx/index.js";
import type { MacProbe, TensorInfo } from "../../snn/ir.js";
import type { ElemTypes } from "./elem-types.js";
import type { HostSegment } from "./partition.js";
import { intAttribute } from "./synapses.js";

/** The model's bytes and what snn.json says about it. */
export interface HostModel {
  bytes: Uint8Array;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  ops: Record<string, number>;
  macProbes: MacProbe[];
}

/** Builds the ONNX model of `segment`, cut from `source`. */
export function hostModel(source: ModelProto, segment: HostSegment, types: ElemTypes, name: string): HostModel {
  const graph = source.graph!;
  const reads = new Set(segment.nodes.flatMap((node) => node.input));
  const initializer = graph.initializer.filter((tensor) => reads.has(tensor.name));
  const probes: MacProbe[] = [];
  const probeNodes = segment.nodes.flatMap((node, index) => {
    if ((node.opType !== "MatMul" && node.opType !== "Gemm") || !inDefaultDomain(node)) return [];
    const shapeA = `${name}/mac-probe/${index}/shape-a`;
    const shapeY = `${name}/mac-probe/${index}/shape-y`;
    const transA = node.opType === "Gemm" && intAttribute(node, "transA", 0) === 1;
    probes.push({ node: node.name || `${node.opType}#${index}`, op: node.opType, shapeA, shapeY, ...(transA ? { transA } : {}) });
    return [
      create(NodeProtoSchema, { opType: "Shape", name: shapeA, input: [node.input[0]!], output: [shapeA] }),
      create(NodeProtoSchema, { opType: "Shape", name: shapeY, input: [node.output[0]!], output: [shapeY] }),
    ];
  });
  const typed = (value: string): TensorInfo => ({ name: value, dtype: dataTypeName(types.of(value)) });
  const inputs = segment.inputs.map(typed);
  const outputs = [...segment.outputs.map(typed), ...probes.flatMap((p) => [p.shapeA, p.shapeY]).map((value) => ({ name: value, dtype: "INT64" }))];
  const proto = create(ModelProtoSchema, {
    irVersion: source.irVersion,
    opsetImport: source.opsetImport,
    producerName: "slm convert",
    graph: create(GraphProtoSchema, {
      name,
      node: [...segment.nodes, ...probeNodes],
      initializer,
      input: inputs.map((value) => valueInfo(value.name, types.of(value.name))),
      output: [...segment.outputs.map((value) => valueInfo(value, types.of(value))), ...probes.flatMap((p) => [valueInfo(p.shapeA, DataType.INT64), valueInfo(p.shapeY, DataType.INT64)])],
    }),
  });
  const ops: Record<string, number> = {};
  for (const node of segment.nodes) if (node.opType !== "Constant") ops[node.opType] = (ops[node.opType] ?? 0) + 1;
  const sortedOps = Object.fromEntries(Object.entries(ops).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { bytes: serializeModel(modelFromProto(proto)), inputs, outputs, ops: sortedOps, macProbes: probes };
}

/** A tensor value with an element type and an open shape. */
function valueInfo(name: string, elemType: number): ValueInfoProto {
  const tensorType = create(TypeProto_TensorSchema, { elemType });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: "tensorType", value: tensorType } }) });
}
