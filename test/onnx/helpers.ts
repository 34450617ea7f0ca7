/** Shared fixtures for the ONNX tests: temp folders, a tiny model, onnxruntime runs, references. */
import { create } from "@bufbuild/protobuf";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterEach, expect } from "vitest";
import {
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
  type ModelProto,
  type ValueInfoProto,
} from "../../src/onnx/proto/onnx_pb.js";
import { arrayToTensor, tensorToArray } from "../../src/onnx/tensor.js";
import type { TensorProto } from "../../src/onnx/proto/onnx_pb.js";

export const GPT = "models/gpt-relu-brown/model.onnx";
export const MLP = "models/brown-genre-mlp/model.onnx";

const tempDirs: string[] = [];

/** A fresh folder under the OS temp dir, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "slm-onnx-"));
  tempDirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function floatValue(name: string, dims: number[]): ValueInfoProto {
  const shape = { dim: dims.map((d) => ({ value: { case: "dimValue" as const, value: BigInt(d) } })) };
  const tensorType = create(TypeProto_TensorSchema, { elemType: TensorProto_DataType.FLOAT, shape });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: "tensorType", value: tensorType } }) });
}

/** `Y = X + W` with W a 2×2 FLOAT initializer [1, 2, 3, 4]; opset 14, IR 7. */
export function tinyAddModel(): ModelProto {
  const weight = arrayToTensor("W", [2, 2], Float32Array.of(1, 2, 3, 4), TensorProto_DataType.FLOAT);
  const graph = create(GraphProtoSchema, {
    name: "tiny",
    node: [create(NodeProtoSchema, { name: "add", opType: "Add", input: ["X", "W"], output: ["Y"] })],
    initializer: [weight],
    input: [floatValue("X", [2, 2])],
    output: [floatValue("Y", [2, 2])],
  });
  return create(ModelProtoSchema, {
    irVersion: 7n,
    producerName: "slm-test",
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: 14n })],
    graph,
  });
}

interface Reference {
  feeds: Record<string, ort.Tensor>;
  /** Output name, index range within it, expected values and tolerance (from metrics.json). */
  output: string;
  start: number;
  expected: number[];
  tolerance: number;
}

/** The reference input and logits of a bundled model (`models/<dir>/metrics.json` → reference). */
export async function reference(dir: "gpt-relu-brown" | "brown-genre-mlp"): Promise<Reference> {
  const metrics = JSON.parse(await readFile(`models/${dir}/metrics.json`, "utf8")) as {
    reference: { input_ids?: number[]; position?: number; logits_first20?: number[]; logits?: number[]; tolerance: number };
  };
  const ref = metrics.reference;
  if (dir === "gpt-relu-brown") {
    const ids = BigInt64Array.from(ref.input_ids!, (v) => BigInt(v));
    return {
      feeds: { input_ids: new ort.Tensor("int64", ids, [1, ids.length]) },
      output: "logits",
      start: ref.position! * 1024,
      expected: ref.logits_first20!,
      tolerance: ref.tolerance,
    };
  }
  // Only the first line of eval.jsonl is the reference input; read just enough of the file.
  const handle = await open(`models/${dir}/eval.jsonl`, "r");
  const { buffer } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
  await handle.close();
  const firstLine = buffer.toString("utf8").split("\n")[0]!;
  const features = Float32Array.from((JSON.parse(firstLine) as { features: number[] }).features);
  return {
    feeds: { features: new ort.Tensor("float32", features, [1, features.length]) },
    output: "logits",
    start: 0,
    expected: ref.logits!,
    tolerance: ref.tolerance,
  };
}

/** Runs the model file with onnxruntime-node and returns the named output's values. */
export async function runOrt(modelPath: string, feeds: Record<string, ort.Tensor>, output: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(modelPath);
  try {
    const result = await session.run(feeds);
    return result[output]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/**
 * Asserts two byte sequences (or typed arrays, compared by their bytes: for floats that is
 * bit-exact, NaN and -0 included) are identical. Much faster than toEqual on megabytes.
 */
export function expectSameBytes(actual: ArrayBufferView, expected: ArrayBufferView): void {
  const view = (v: ArrayBufferView): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  expect(actual.byteLength).toBe(expected.byteLength);
  expect(Buffer.compare(view(actual), view(expected))).toBe(0);
}

/** A tensor's decoded values as a plain array, for toEqual. */
export function valuesOf(tensor: TensorProto): (number | bigint)[] {
  return Array.from(tensorToArray(tensor) as ArrayLike<number | bigint>);
}
