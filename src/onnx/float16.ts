/**
 * Conversions between float32 and the two 16-bit float formats ONNX stores as raw bits:
 * IEEE 754 binary16 (FLOAT16) and bfloat16 (BFLOAT16, the top half of a float32).
 *
 * Encoding rounds to nearest, ties to even, as numpy's float16 cast and onnx's
 * `helper.float32_to_bfloat16` do; NaN payloads are not preserved (every NaN decodes to the
 * canonical NaN and encodes to a quiet NaN with the input's sign).
 */

let float16Table: Float32Array | undefined;

/**
 * All 65,536 binary16 values as float32, built on first use (256 KiB). Decoding through a
 * table keeps the per-element cost of a large FLOAT16 tensor at one load.
 */
function float16ToFloat32Table(): Float32Array {
  if (float16Table) return float16Table;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    let value: number;
    if (exponent === 0) value = mantissa * 2 ** -24; // zero and subnormals
    else if (exponent === 31) value = mantissa === 0 ? Infinity : NaN;
    else value = (1 + mantissa / 1024) * 2 ** (exponent - 15);
    table[bits] = sign * value;
  }
  float16Table = table;
  return table;
}

/** Decodes binary16 bit patterns into float32 values (exact: every binary16 is a float32). */
export function float16BitsToFloat32(bits: Uint16Array): Float32Array {
  const table = float16ToFloat32Table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
  return out;
}

/** Encodes float32 values as binary16 bit patterns, rounding to nearest even. */
export function float32ToFloat16Bits(values: Float32Array): Uint16Array<ArrayBuffer> {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const word = words[i]!;
    const sign = (word >>> 16) & 0x8000;
    const magnitude = word & 0x7fffffff;
    let half: number;
    if (magnitude >= 0x7f800000) {
      half = magnitude > 0x7f800000 ? 0x7e00 : 0x7c00; // NaN stays NaN, infinity stays infinity
    } else if (magnitude >= 0x477ff000) {
      half = 0x7c00; // at or past the midpoint between 65504 and 65536 rounds to infinity
    } else if (magnitude < 0x38800000) {
      // Below 2^-14 the result is subnormal: count units of 2^-24, exact in float64.
      const units = Math.abs(values[i]!) * 16777216;
      half = Math.floor(units);
      const rest = units - half;
      if (rest > 0.5 || (rest === 0.5 && (half & 1) === 1)) half++;
    } else {
      // Rebias the exponent (127 → 15) and keep the top 10 mantissa bits; a carry out of the
      // mantissa correctly bumps the exponent.
      half = (magnitude - 0x38000000) >>> 13;
      const dropped = magnitude & 0x1fff;
      if (dropped > 0x1000 || (dropped === 0x1000 && (half & 1) === 1)) half++;
    }
    out[i] = sign | half;
  }
  return out;
}

/** Decodes bfloat16 bit patterns into float32 values (exact). */
export function bfloat16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i]! << 16;
  return out;
}

/** Encodes float32 values as bfloat16 bit patterns, rounding to nearest even. */
export function float32ToBfloat16Bits(values: Float32Array): Uint16Array<ArrayBuffer> {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const word = words[i]!;
    if ((word & 0x7fffffff) > 0x7f800000) {
      out[i] = (word >>> 16) | 0x0040; // quiet NaN, sign kept
    } else {
      out[i] = (word + 0x7fff + ((word >>> 16) & 1)) >>> 16;
    }
  }
  return out;
}
