/**
 * The IR's binary arrays: element types, sizes, and typed arrays to and from little-endian bytes.
 */
import { SlmError } from "../errors.js";
import type { Dtype } from "./ir.js";

/** A typed array of one of the IR's element types. */
export type IrArray = Float32Array | Int8Array | Uint8Array | Int16Array | Int32Array;

const CONSTRUCTORS = {
  float32: Float32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
} as const satisfies Record<Dtype, unknown>;

// Typed arrays use the host's byte order; the files are little-endian.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new SlmError("slm's SNN IR needs a little-endian CPU");
}

/** Bytes per element. */
export function dtypeSize(dtype: Dtype): number {
  return CONSTRUCTORS[dtype].BYTES_PER_ELEMENT;
}

/** Product of a shape's dimensions. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** The dtype name of a typed array. */
export function dtypeOf(array: IrArray): Dtype {
  if (array instanceof Float32Array) return "float32";
  if (array instanceof Int8Array) return "int8";
  if (array instanceof Uint8Array) return "uint8";
  if (array instanceof Int16Array) return "int16";
  return "int32";
}

/** The array's bytes (little-endian), as a view when possible. */
export function arrayBytes(array: IrArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Bytes → a typed array of `dtype` (a copy, aligned); the caller has checked the length. */
export function bytesToArray(bytes: Uint8Array, dtype: Dtype): IrArray {
  const ctor = CONSTRUCTORS[dtype];
  const copy = bytes.slice();
  return new ctor(copy.buffer, copy.byteOffset, copy.byteLength / ctor.BYTES_PER_ELEMENT);
}
