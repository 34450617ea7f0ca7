/**
 * INT4 / UINT4 packing as ONNX stores it: two elements per byte, the first in the 4 least
 * significant bits; an odd count leaves the last high nibble zero.
 */
import { SlmError } from "../errors.js";

/** Unpacks 4-bit elements, first element in the low nibble; signed values are sign-extended. */
export function unpack4(packed: Uint8Array, count: number, signed: boolean): Int8Array | Uint8Array {
  const out = signed ? new Int8Array(count) : new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const byte = packed[i >> 1]!;
    const nibble = i & 1 ? byte >> 4 : byte & 0x0f;
    out[i] = signed ? (nibble << 28) >> 28 : nibble;
  }
  return out;
}

/**
 * Packs 4-bit elements two per byte, first element in the low nibble. SlmError naming the
 * tensor when a value is out of range.
 */
export function pack4(values: Int8Array | Uint8Array, signed: boolean, name: string): Uint8Array {
  const [min, max] = signed ? [-8, 7] : [0, 15];
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value < min || value > max) {
      const type = signed ? "INT4" : "UINT4";
      throw new SlmError(`tensor '${name}': ${value} at index ${i} does not fit ${type} [${min}, ${max}]`);
    }
    out[i >> 1]! |= (value & 0x0f) << ((i & 1) * 4);
  }
  return out;
}
