import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { modelFromProto, parseModel, serializeModel } from "../../src/onnx/model.js";
import {
  FunctionProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataType,
  TensorProtoSchema,
} from "../../src/onnx/proto/onnx_pb.js";
import { tinyAddModel } from "./helpers.js";

describe("bindings generated from the current onnx.proto", () => {
  it("round-trip what the frozen onnx-proto package drops: FLOAT8/INT4 types, functions, metadata_props, overload", () => {
    const proto = tinyAddModel();
    proto.irVersion = 10n;
    proto.metadataProps = [create(StringStringEntryProtoSchema, { key: "slm.recipe", value: "int4" })];
    proto.functions = [
      create(FunctionProtoSchema, {
        name: "Twice",
        domain: "slm.local",
        overload: "v2",
        input: ["x"],
        output: ["y"],
        node: [create(NodeProtoSchema, { opType: "Add", input: ["x", "x"], output: ["y"] })],
        opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: 21n })],
      }),
    ];
    const graph = proto.graph!;
    graph.node[0]!.metadataProps = [create(StringStringEntryProtoSchema, { key: "origin", value: "test" })];
    graph.node[0]!.overload = "v2";
    graph.initializer.push(
      create(TensorProtoSchema, { name: "f8", dims: [1n], dataType: TensorProto_DataType.FLOAT8E5M2, rawData: Uint8Array.of(0x3c) }),
    );
    const reread = parseModel(serializeModel(modelFromProto(proto))).proto;
    expect(reread.irVersion).toBe(10n);
    expect(reread.metadataProps.map((e) => [e.key, e.value])).toEqual([["slm.recipe", "int4"]]);
    expect(reread.functions[0]!.name).toBe("Twice");
    expect(reread.functions[0]!.overload).toBe("v2");
    expect(reread.functions[0]!.node[0]!.opType).toBe("Add");
    expect(reread.graph!.node[0]!.metadataProps[0]!.value).toBe("test");
    expect(reread.graph!.node[0]!.overload).toBe("v2");
    expect(reread.graph!.initializer[1]!.dataType).toBe(TensorProto_DataType.FLOAT8E5M2);
  });

  it("keeps fields it does not know (from a newer onnx.proto) through a round trip", () => {
    const known = toBinary(ModelProtoSchema, tinyAddModel());
    // Field 99 of ModelProto and a varint that a future ONNX might add.
    const extra = new BinaryWriter().tag(99, WireType.LengthDelimited).string("future").tag(98, WireType.Varint).uint32(7).finish();
    const bytes = new Uint8Array(known.length + extra.length);
    bytes.set(known);
    bytes.set(extra, known.length);
    expect(serializeModel(parseModel(bytes))).toEqual(bytes);
  });

  it("keeps proto2 presence: a field set to its default value is written, an unset one is not", () => {
    const proto = tinyAddModel();
    proto.modelVersion = 0n; // explicitly present, default value
    const bytes = toBinary(ModelProtoSchema, proto);
    const reread = fromBinary(ModelProtoSchema, bytes);
    expect(Object.prototype.hasOwnProperty.call(reread, "modelVersion")).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(reread, "domain")).toBe(false);
    expect(toBinary(ModelProtoSchema, reread)).toEqual(bytes);
    // Without the explicit zero the encoding is shorter by the field's two bytes (tag + 0).
    expect(toBinary(ModelProtoSchema, tinyAddModel()).length).toBe(bytes.length - 2);
  });
});
