/** Tiny ONNX models built in memory, run with onnxruntime-node: the kernels slm's math must agree with. */
import { create } from "@bufbuild/protobuf";
import * as ort from "onnxruntime-node";
import {
  GraphProtoSchema,
  ModelProtoSchema,
  modelFromProto,
  OperatorSetIdProtoSchema,
  serializeModel,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from "../../../src/onnx/index.js";

/** A tensor value_info; string dims are symbolic. */
export function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): ValueInfoProto {
  const dim = dims.map((d) =>
    typeof d === "number" ? { value: { case: "dimValue" as const, value: BigInt(d) } } : { value: { case: "dimParam" as const, value: d } },
  );
  const tensorType = create(TypeProto_TensorSchema, { elemType, shape: { dim } });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: "tensorType", value: tensorType } }) });
}

export interface TinyModel {
  nodes: NodeProto[];
  initializers?: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  opset?: number;
  irVersion?: number;
  /** Extra opset imports, e.g. { "com.microsoft": 1 }. */
  domains?: Record<string, number>;
}

/** The model's serialized bytes. */
export function tinyModelBytes(spec: TinyModel): Uint8Array {
  const graph = create(GraphProtoSchema, { name: "tiny", node: spec.nodes, initializer: spec.initializers ?? [], input: spec.inputs, output: spec.outputs });
  const opsetImport = [
    create(OperatorSetIdProtoSchema, { domain: "", version: BigInt(spec.opset ?? 14) }),
    ...Object.entries(spec.domains ?? {}).map(([domain, version]) => create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) })),
  ];
  const proto = create(ModelProtoSchema, { irVersion: BigInt(spec.irVersion ?? 7), opsetImport, graph });
  return serializeModel(modelFromProto(proto));
}

/** Runs the model once (graph optimizations off: the kernels themselves are under test). */
export async function runTiny(spec: TinyModel, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(tinyModelBytes(spec), { graphOptimizationLevel: "disabled" });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** A deterministic pseudo-random generator in [-0.5, 0.5) (LCG), for reproducible test data. */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}
