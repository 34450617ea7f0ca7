import { create, toBinary } from "@bufbuild/protobuf";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { SlmError } from "../../src/errors.js";
import { encodeChunks, joinChunks } from "../../src/onnx/encode.js";
import { modelFromProto, parseModel, serializeModel } from "../../src/onnx/model.js";
import { ModelProtoSchema, TensorProtoSchema, TypeProtoSchema, ValueInfoProtoSchema } from "../../src/onnx/proto/onnx_pb.js";
import { arrayToTensor, DataType } from "../../src/onnx/tensor.js";
import { expectSameBytes, GPT, tinyAddModel } from "./helpers.js";

describe("encodeChunks", () => {
  it("produces toBinary's bytes without copying large tensors", async () => {
    const proto = parseModel(new Uint8Array(await readFile(GPT)), GPT).proto;
    const encoded = encodeChunks(ModelProtoSchema, proto);
    expectSameBytes(joinChunks(encoded), toBinary(ModelProtoSchema, proto));
    const wte = proto.graph!.initializer.find((t) => t.name === "wte.weight")!;
    expect(encoded.chunks).toContain(wte.rawData); // passed through, not copied
  });

  it("keeps field order, oneofs and unknown fields of messages it frames by hand", () => {
    const proto = tinyAddModel();
    const big = arrayToTensor("big", [1 << 15], new Float32Array(1 << 15).fill(2), DataType.FLOAT);
    big.docString = "after raw_data";
    big.$unknown = [{ no: 99, wireType: 0, data: Uint8Array.of(5) }];
    proto.graph!.initializer.unshift(big);
    proto.graph!.valueInfo.push(create(ValueInfoProtoSchema, { name: "v", type: create(TypeProtoSchema, { denotation: "TENSOR" }) }));
    proto.$unknown = [{ no: 77, wireType: 2, data: Uint8Array.of(1, 0x41) }];
    const encoded = encodeChunks(ModelProtoSchema, proto);
    expect(encoded.chunks.length).toBeGreaterThan(1);
    expectSameBytes(joinChunks(encoded), toBinary(ModelProtoSchema, proto));
  });

  it("refuses a model beyond protobuf's 2 GiB limit before allocating it", () => {
    const proto = tinyAddModel();
    const shared = new Uint8Array(256 * 1024 * 1024); // nine tensors share it: 2.25 GiB to encode
    for (let i = 0; i < 9; i++) {
      proto.graph!.initializer.push(create(TensorProtoSchema, { name: `t${i}`, dims: [1n << 26n], dataType: DataType.FLOAT, rawData: shared }));
    }
    expect(() => serializeModel(modelFromProto(proto))).toThrow(SlmError);
    expect(() => serializeModel(modelFromProto(proto))).toThrow(/beyond protobuf's 2 GiB limit: write it with external data/);
  });
});
