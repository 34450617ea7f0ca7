/**
 * ONNX tensors as typed arrays: element counts, raw byte sizes, decoding (`tensorToArray`) and
 * encoding (`arrayToTensor`).
 *
 * Memory: when a tensor's values are in `raw_data` at an offset aligned for the element type,
 * `tensorToArray` returns a typed-array *view* of those bytes instead of a copy, so reading
 * a large model's weights costs no per-element work. The bytes behind a model read with
 * `readModel` belong to that model alone (read into a fresh buffer, never pooled or reused),
 * so nothing outside slm changes them; but the view is the tensor's data, so writing to it
 * would change the model. Code that modifies values asks for `{ copy: true }`.
 * `arrayToTensor` always copies its input, so a tensor never aliases a caller's array.
 */
import { create } from "@bufbuild/protobuf";
import { InputError, SlmError } from "../errors.js";
import {
  TensorProto_DataLocation,
  TensorProto_DataType as DataType,
  TensorProtoSchema,
  type TensorProto,
} from "./proto/onnx_pb.js";
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from "./float16.js";
import { pack4, unpack4 } from "./int4.js";

export { DataType };

/** The typed arrays tensors decode to. */
export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

type TensorArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

// raw_data is little-endian; typed-array views use the host's byte order, so a view is only
// correct on a little-endian host. Every platform Node ships prebuilt binaries for is; say so
// plainly on the rare one that is not instead of returning byte-swapped weights.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new SlmError("slm's ONNX reader needs a little-endian CPU");
}

/** Element types stored one element per raw slot, and the typed array that holds them. */
const PLAIN_ARRAYS: ReadonlyMap<number, TensorArrayConstructor> = new Map<number, TensorArrayConstructor>([
  [DataType.FLOAT, Float32Array],
  [DataType.DOUBLE, Float64Array],
  [DataType.INT8, Int8Array],
  [DataType.UINT8, Uint8Array],
  [DataType.INT16, Int16Array],
  [DataType.UINT16, Uint16Array],
  [DataType.INT32, Int32Array],
  [DataType.UINT32, Uint32Array],
  [DataType.INT64, BigInt64Array],
  [DataType.UINT64, BigUint64Array],
  [DataType.BOOL, Uint8Array],
]);

/** Bytes per element in raw_data for every fixed-width type (4-bit types are handled apart). */
const BYTES_PER_ELEMENT: ReadonlyMap<number, number> = new Map<number, number>([
  ...[...PLAIN_ARRAYS].map(([type, ctor]): [number, number] => [type, ctor.BYTES_PER_ELEMENT]),
  [DataType.FLOAT16, 2],
  [DataType.BFLOAT16, 2],
  [DataType.COMPLEX64, 8],
  [DataType.COMPLEX128, 16],
  [DataType.FLOAT8E4M3FN, 1],
  [DataType.FLOAT8E4M3FNUZ, 1],
  [DataType.FLOAT8E5M2, 1],
  [DataType.FLOAT8E5M2FNUZ, 1],
]);

/** `FLOAT`, `INT4`, ... or `data type 99` for a number this ONNX version does not define. */
export function dataTypeName(dataType: number): string {
  return DataType[dataType] ?? `data type ${dataType}`;
}

/** How a tensor is named in messages: `tensor 'fc1.weight'`. */
export function tensorLabel(tensor: TensorProto): string {
  return tensor.name === "" ? "an unnamed tensor" : `tensor '${tensor.name}'`;
}

/** Product of `dims` (1 for a scalar); InputError on negative or unsafe dimensions. */
export function elementCount(tensor: TensorProto): number {
  let count = 1;
  for (const dim of tensor.dims) {
    if (dim < 0n) throw new InputError(`${tensorLabel(tensor)} has a negative dimension (${dim})`);
    count *= Number(dim);
  }
  if (!Number.isSafeInteger(count)) {
    throw new InputError(`${tensorLabel(tensor)} has dims [${tensor.dims.join(", ")}]: too many elements`);
  }
  return count;
}

/**
 * Size in bytes of `count` elements of `dataType` in raw_data (4-bit types pack two per
 * byte), or undefined for types without a fixed-width raw form (STRING, UNDEFINED, unknown).
 */
export function rawByteLength(dataType: number, count: number): number | undefined {
  if (dataType === DataType.INT4 || dataType === DataType.UINT4) return Math.ceil(count / 2);
  const width = BYTES_PER_ELEMENT.get(dataType);
  return width === undefined ? undefined : count * width;
}

/**
 * The tensor's values as a typed array: FLOAT, FLOAT16 and BFLOAT16 → Float32Array, DOUBLE →
 * Float64Array, the integer types → the typed array of the same width and sign (INT64 →
 * BigInt64Array, UINT64 → BigUint64Array), BOOL → Uint8Array of 0/1, INT4 → Int8Array and
 * UINT4 → Uint8Array with one element per entry (unpacked, low nibble first).
 *
 * Reads raw_data when present, otherwise the typed field the spec assigns to the type
 * (float_data, double_data, int32_data, int64_data, uint64_data). May return a view of the
 * tensor's raw_data (see the module comment); `{ copy: true }` returns an array the caller owns.
 * InputError when the stored data does not hold exactly the elements `dims` promise.
 */
export function tensorToArray(tensor: TensorProto, options: { copy?: boolean } = {}): TensorArray {
  if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    throw new SlmError(`${tensorLabel(tensor)}: its data is in an external file that was not loaded (use readModel)`);
  }
  const count = elementCount(tensor);
  const copy = options.copy ?? false;
  return tensor.rawData.length > 0 ? fromRaw(tensor, count, copy) : fromTypedField(tensor, count);
}

function fromRaw(tensor: TensorProto, count: number, copy: boolean): TensorArray {
  const raw = tensor.rawData;
  const type = tensor.dataType;
  const expected = rawByteLength(type, count);
  if (expected !== undefined && raw.length !== expected) {
    throw new InputError(
      `${tensorLabel(tensor)} has dims [${tensor.dims.join(", ")}] (${count} ${dataTypeName(type)} elements, ` +
        `${expected} bytes) but ${raw.length} bytes of raw_data`,
    );
  }
  const plain = PLAIN_ARRAYS.get(type);
  if (plain) return viewOrCopy(plain, raw, count, copy);
  switch (type) {
    case DataType.FLOAT16:
      return float16BitsToFloat32(viewOrCopy(Uint16Array, raw, count, false));
    case DataType.BFLOAT16:
      return bfloat16BitsToFloat32(viewOrCopy(Uint16Array, raw, count, false));
    case DataType.INT4:
    case DataType.UINT4:
      return unpack4(raw, count, type === DataType.INT4);
    default:
      throw unsupported(tensor);
  }
}

function fromTypedField(tensor: TensorProto, count: number): TensorArray {
  const type = tensor.dataType;
  const check = (stored: number, expected = count): void => {
    if (stored !== expected) {
      throw new InputError(
        `${tensorLabel(tensor)} has dims [${tensor.dims.join(", ")}] (${expected} ${dataTypeName(type)} ` +
          `values expected) but ${stored} stored values`,
      );
    }
  };
  switch (type) {
    case DataType.FLOAT:
      check(tensor.floatData.length);
      return Float32Array.from(tensor.floatData);
    case DataType.DOUBLE:
      check(tensor.doubleData.length);
      return Float64Array.from(tensor.doubleData);
    case DataType.INT64:
      check(tensor.int64Data.length);
      return BigInt64Array.from(tensor.int64Data);
    case DataType.UINT64:
      check(tensor.uint64Data.length);
      return BigUint64Array.from(tensor.uint64Data);
    case DataType.UINT32:
      check(tensor.uint64Data.length);
      return Uint32Array.from(tensor.uint64Data, Number);
    case DataType.FLOAT16:
    case DataType.BFLOAT16: {
      check(tensor.int32Data.length);
      // int32_data holds the 16-bit patterns, one per entry.
      const bits = Uint16Array.from(tensor.int32Data);
      return type === DataType.FLOAT16 ? float16BitsToFloat32(bits) : bfloat16BitsToFloat32(bits);
    }
    case DataType.INT4:
    case DataType.UINT4:
      // int32_data holds the packed bytes, two elements per entry.
      check(tensor.int32Data.length, Math.ceil(count / 2));
      return unpack4(Uint8Array.from(tensor.int32Data), count, type === DataType.INT4);
    case DataType.BOOL:
      check(tensor.int32Data.length);
      return Uint8Array.from(tensor.int32Data, (v) => (v === 0 ? 0 : 1));
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.INT16:
    case DataType.UINT16:
    case DataType.INT32: {
      check(tensor.int32Data.length);
      const ctor = PLAIN_ARRAYS.get(type) as Int32ArrayConstructor; // same from(number[]) shape
      return ctor.from(tensor.int32Data);
    }
    default:
      throw unsupported(tensor);
  }
}

function unsupported(tensor: TensorProto): SlmError {
  return new SlmError(`${tensorLabel(tensor)}: slm cannot decode ${dataTypeName(tensor.dataType)} tensors`);
}

/** A typed-array view of `raw` when aligned (and no copy is asked for), else a copy. */
function viewOrCopy<C extends TensorArrayConstructor>(
  ctor: C,
  raw: Uint8Array,
  count: number,
  copy: boolean,
): InstanceType<C> {
  const bytes = copy || raw.byteOffset % ctor.BYTES_PER_ELEMENT !== 0 ? raw.slice() : raw;
  return new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count) as InstanceType<C>;
}

/**
 * A tensor holding `array` as little-endian raw_data. The array type must be the one
 * `tensorToArray` returns for `dataType` (Float32Array for FLOAT16/BFLOAT16, which round to
 * nearest even; Int8Array / Uint8Array of unpacked values for INT4 / UINT4). The values are
 * copied. SlmError when the array does not fit `dims` or `dataType`.
 */
export function arrayToTensor(
  name: string,
  dims: readonly number[],
  array: TensorArray,
  dataType: DataType,
): TensorProto {
  let count = 1;
  for (const dim of dims) {
    if (!Number.isSafeInteger(dim) || dim < 0) throw new SlmError(`tensor '${name}': bad dimension ${dim}`);
    count *= dim;
  }
  if (array.length !== count) {
    throw new SlmError(`tensor '${name}': ${array.length} values for dims [${dims.join(", ")}] (${count} elements)`);
  }
  const expect = (ctor: TensorArrayConstructor): void => {
    if (!(array instanceof ctor)) {
      const got = array.constructor.name;
      throw new SlmError(`tensor '${name}': ${dataTypeName(dataType)} data must be a ${ctor.name}, got ${got}`);
    }
  };
  let rawData: Uint8Array;
  switch (dataType) {
    case DataType.FLOAT16:
    case DataType.BFLOAT16: {
      expect(Float32Array);
      const encode = dataType === DataType.FLOAT16 ? float32ToFloat16Bits : float32ToBfloat16Bits;
      const bits = encode(array as Float32Array);
      rawData = new Uint8Array(bits.buffer);
      break;
    }
    case DataType.INT4:
    case DataType.UINT4:
      expect(dataType === DataType.INT4 ? Int8Array : Uint8Array);
      rawData = pack4(array as Int8Array | Uint8Array, dataType === DataType.INT4, name);
      break;
    case DataType.BOOL:
      expect(Uint8Array);
      rawData = Uint8Array.from(array as Uint8Array, (v) => (v === 0 ? 0 : 1));
      break;
    default: {
      const ctor = PLAIN_ARRAYS.get(dataType);
      if (!ctor) throw new SlmError(`tensor '${name}': slm cannot encode ${dataTypeName(dataType)} tensors`);
      expect(ctor);
      rawData = new Uint8Array(array.buffer, array.byteOffset, array.byteLength).slice();
    }
  }
  return create(TensorProtoSchema, { name, dims: dims.map((d) => BigInt(d)), dataType, rawData });
}
