/**
 * Akida's weights: signed integers of 1, 2, 4 (Akida 1.0) or 4, 8 bits (Akida 2.0), one scale
 * per output neuron (as MetaTF's quantizer keeps per-axis scales). Pure functions: the legalize
 * stage applies them to every dense layer.
 *
 * Grid: b ≥ 2 bits is symmetric, q ∈ [−(2^(b−1) − 1), 2^(b−1) − 1] with scale max|w| / qmax
 * (2 bits: ternary; 4 bits: ±7; 8 bits: ±127). 1 bit is binary, q ∈ {−1, +1} with scale
 * mean|w| (the least-squares binary approximation, as in BinaryConnect/XNOR-Net).
 */

/** Integer weights [in, out] (fan-out order) and one scale per output neuron. */
export interface QuantizedWeights {
  values: Int8Array;
  scales: Float32Array;
}

/** Largest |q| of a b-bit signed weight grid. */
export function weightMax(bits: number): number {
  return bits === 1 ? 1 : 2 ** (bits - 1) - 1;
}

/**
 * Quantizes real weights `real` ([inFeatures, outFeatures], row-major fan-out order) to `bits`
 * per output column. A column of zeros keeps scale 1 and zero weights (1 bit: +1 × scale 0 is
 * not a synapse either, so such a column stays zero).
 */
export function quantizeWeights(real: ArrayLike<number>, inFeatures: number, outFeatures: number, bits: number): QuantizedWeights {
  const qmax = weightMax(bits);
  const values = new Int8Array(inFeatures * outFeatures);
  const scales = new Float32Array(outFeatures).fill(1);
  for (let j = 0; j < outFeatures; j++) {
    let largest = 0;
    let sumAbs = 0;
    for (let i = 0; i < inFeatures; i++) {
      const w = Math.abs(real[i * outFeatures + j]!);
      largest = Math.max(largest, w);
      sumAbs += w;
    }
    if (largest === 0) continue;
    // The scale is stored as float32; quantize against the stored value so the grid is exact.
    const scale = Math.fround(bits === 1 ? sumAbs / inFeatures : largest / qmax);
    scales[j] = scale;
    for (let i = 0; i < inFeatures; i++) {
      const w = real[i * outFeatures + j]!;
      values[i * outFeatures + j] = bits === 1 ? (w >= 0 ? 1 : -1) : Math.max(-qmax, Math.min(qmax, Math.round(w / scale))) + 0;
    }
  }
  return { values, scales };
}

/**
 * Packs signed `bits`-bit integers into bytes, two's complement, little-endian within each byte
 * (element k occupies bits (k·b mod 8) upward of byte ⌊k·b/8⌋); 1 bit stores +1 as 1 and −1 as 0.
 * 8 bits per byte when bits = 8. The bundle's weight files use this layout.
 */
export function packSigned(values: ArrayLike<number>, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  const mask = (1 << bits) - 1;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    const code = bits === 1 ? (v > 0 ? 1 : 0) : v & mask;
    const bit = k * bits;
    out[bit >> 3]! |= code << (bit & 7);
  }
  return out;
}
