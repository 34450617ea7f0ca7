import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { float32ToBfloat16Bits, float32ToFloat16Bits, float16BitsToFloat32 } from "../../src/onnx/float16.js";
import { parseModel, serializeModel, modelFromProto } from "../../src/onnx/model.js";
import { TensorProtoSchema, type TensorProto } from "../../src/onnx/proto/onnx_pb.js";
import { arrayToTensor, DataType, elementCount, rawByteLength, tensorToArray } from "../../src/onnx/tensor.js";
import { tinyAddModel, valuesOf } from "./helpers.js";

function tensor(init: Parameters<typeof create<typeof TensorProtoSchema>>[1]): TensorProto {
  return create(TensorProtoSchema, init);
}

describe("4-bit tensors", () => {
  it("INT4 packs two per byte, low nibble first, and survives a model round trip", () => {
    const values = Int8Array.of(-8, 7, 0, -1, 3);
    const t = arrayToTensor("q", [5], values, DataType.INT4);
    // -8 → 0x8 (low), 7 → 0x7 (high): 0x78; 0 | -1 → 0xF0; 3 → 0x03 with a zero high nibble.
    expect(Array.from(t.rawData)).toEqual([0x78, 0xf0, 0x03]);
    expect(rawByteLength(DataType.INT4, 5)).toBe(3);

    const proto = tinyAddModel();
    proto.graph!.initializer.push(t);
    const reread = parseModel(serializeModel(modelFromProto(proto))).proto.graph!.initializer[1]!;
    expect(reread.dataType).toBe(DataType.INT4); // onnx-proto (ONNX 1.10) would not know type 22
    expect(tensorToArray(reread)).toBeInstanceOf(Int8Array);
    expect(valuesOf(reread)).toEqual([-8, 7, 0, -1, 3]);
  });

  it("UINT4 from raw_data and from packed int32_data", () => {
    const t = arrayToTensor("u", [2, 2], Uint8Array.of(15, 0, 9, 6), DataType.UINT4);
    expect(Array.from(t.rawData)).toEqual([0x0f, 0x69]);
    expect(valuesOf(t)).toEqual([15, 0, 9, 6]);
    const typed = tensor({ name: "u", dims: [3n], dataType: DataType.UINT4, int32Data: [0x21, 0x03] });
    expect(valuesOf(typed)).toEqual([1, 2, 3]);
  });

  it("rejects values outside the 4-bit range", () => {
    expect(() => arrayToTensor("q", [1], Int8Array.of(8), DataType.INT4)).toThrow(/8 at index 0 does not fit INT4/);
  });
});

describe("16-bit floats", () => {
  it("decodes FLOAT16 bit patterns, including subnormals, infinity and NaN", () => {
    const bits = Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x3555);
    const t = tensor({ name: "h", dims: [9n], dataType: DataType.FLOAT16, rawData: new Uint8Array(bits.buffer) });
    expect(tensorToArray(t)).toBeInstanceOf(Float32Array);
    expect(valuesOf(t)).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, -0, Infinity, -Infinity, 0.333251953125]);
    const nan = float16BitsToFloat32(Uint16Array.of(0x7e00));
    expect(Number.isNaN(nan[0])).toBe(true);
  });

  it("decodes FLOAT16 stored in int32_data", () => {
    const t = tensor({ name: "h", dims: [2n], dataType: DataType.FLOAT16, int32Data: [0x3c00, 0x4000] });
    expect(valuesOf(t)).toEqual([1, 2]);
  });

  it("encodes FLOAT16 rounding to nearest even, and round-trips every finite half", () => {
    const encoded = float32ToFloat16Bits(Float32Array.of(1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520, 2 ** -25, 3 * 2 ** -26, 1e-10, NaN));
    expect(Array.from(encoded)).toEqual([0x3c00, 0x3c02, 0x7bff, 0x7c00, 0x0000, 0x0001, 0x0000, 0x7e00]);
    const all = new Uint16Array(65536).map((_, i) => i).filter((b) => (b & 0x7c00) !== 0x7c00);
    expect(Array.from(float32ToFloat16Bits(float16BitsToFloat32(all)))).toEqual(Array.from(all));
  });

  it("BFLOAT16 round trip through arrayToTensor", () => {
    const t = arrayToTensor("b", [3], Float32Array.of(1, -2.5, 1 + 2 ** -8), DataType.BFLOAT16);
    expect(Array.from(new Uint16Array(t.rawData.slice().buffer))).toEqual([0x3f80, 0xc020, 0x3f80]);
    expect(valuesOf(t)).toEqual([1, -2.5, 1]);
    expect(Array.from(float32ToBfloat16Bits(Float32Array.of(1 + 3 * 2 ** -8)))).toEqual([0x3f82]);
  });
});

describe("typed fields and raw_data", () => {
  it("reads float_data, double_data, int32_data (INT8, BOOL), int64_data and uint64_data", () => {
    expect(valuesOf(tensor({ dims: [2n], dataType: DataType.FLOAT, floatData: [1.5, -2] }))).toEqual([1.5, -2]);
    expect(valuesOf(tensor({ dims: [1n], dataType: DataType.DOUBLE, doubleData: [0.1] }))).toEqual([0.1]);
    const int8 = tensor({ dims: [3n], dataType: DataType.INT8, int32Data: [-128, 0, 127] });
    expect(tensorToArray(int8)).toBeInstanceOf(Int8Array);
    expect(valuesOf(int8)).toEqual([-128, 0, 127]);
    expect(valuesOf(tensor({ dims: [2n], dataType: DataType.BOOL, int32Data: [1, 0] }))).toEqual([1, 0]);
    expect(valuesOf(tensor({ dims: [], dataType: DataType.INT64, int64Data: [-5n] }))).toEqual([-5n]);
    expect(valuesOf(tensor({ dims: [1n], dataType: DataType.UINT32, uint64Data: [4294967295n] }))).toEqual([4294967295]);
  });

  it("writes raw_data little-endian and decodes it back for every plain type", () => {
    const t = arrayToTensor("i", [2], Int32Array.of(1, -2), DataType.INT32);
    expect(Array.from(t.rawData)).toEqual([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
    const cases: [DataType, Parameters<typeof arrayToTensor>[2]][] = [
      [DataType.FLOAT, Float32Array.of(0.25, -1)],
      [DataType.DOUBLE, Float64Array.of(Math.PI)],
      [DataType.UINT8, Uint8Array.of(255)],
      [DataType.INT16, Int16Array.of(-300)],
      [DataType.UINT16, Uint16Array.of(65535)],
      [DataType.UINT32, Uint32Array.of(4e9)],
      [DataType.INT64, BigInt64Array.of(-(2n ** 62n))],
      [DataType.UINT64, BigUint64Array.of(2n ** 64n - 1n)],
    ];
    for (const [type, values] of cases) {
      const decoded = tensorToArray(arrayToTensor("x", [values.length], values, type));
      expect(decoded.constructor).toBe(values.constructor);
      expect(Array.from(decoded as ArrayLike<unknown>)).toEqual(Array.from(values as ArrayLike<unknown>));
    }
  });

  it("views aligned raw_data without copying unless asked to", () => {
    const t = arrayToTensor("w", [4], Float32Array.of(1, 2, 3, 4), DataType.FLOAT);
    const view = tensorToArray(t);
    expect(view.buffer).toBe(t.rawData.buffer);
    const copy = tensorToArray(t, { copy: true }) as Float32Array;
    copy[0] = 42;
    expect(valuesOf(t)).toEqual([1, 2, 3, 4]);
    // Misaligned raw_data (offset 1 in its buffer) is copied, not viewed.
    const shifted = new Uint8Array(17);
    shifted.set(t.rawData, 1);
    const odd = tensor({ dims: [4n], dataType: DataType.FLOAT, rawData: shifted.subarray(1) });
    expect(valuesOf(odd)).toEqual([1, 2, 3, 4]);
  });

  it("arrayToTensor copies its input", () => {
    const values = Float32Array.of(1, 2);
    const t = arrayToTensor("w", [2], values, DataType.FLOAT);
    values[0] = 9;
    expect(valuesOf(t)).toEqual([1, 2]);
  });
});

describe("element count checks", () => {
  it("raw_data that does not match dims is an InputError naming the tensor", () => {
    const t = tensor({ name: "fc.weight", dims: [2n, 3n], dataType: DataType.FLOAT, rawData: new Uint8Array(20) });
    expect(() => tensorToArray(t)).toThrow(InputError);
    expect(() => tensorToArray(t)).toThrow("tensor 'fc.weight' has dims [2, 3] (6 FLOAT elements, 24 bytes) but 20 bytes of raw_data");
  });

  it("typed data that does not match dims is an InputError naming the tensor", () => {
    const t = tensor({ name: "b", dims: [3n], dataType: DataType.FLOAT, floatData: [1, 2] });
    expect(() => tensorToArray(t)).toThrow("tensor 'b' has dims [3] (3 FLOAT values expected) but 2 stored values");
    expect(() => elementCount(tensor({ name: "n", dims: [-1n] }))).toThrow(/tensor 'n' has a negative dimension/);
  });

  it("a type slm cannot decode says so", () => {
    const t = tensor({ name: "f8", dims: [1n], dataType: DataType.FLOAT8E4M3FN, rawData: Uint8Array.of(0x38) });
    expect(() => tensorToArray(t)).toThrow("tensor 'f8': slm cannot decode FLOAT8E4M3FN tensors");
  });
});
