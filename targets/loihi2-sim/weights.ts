/**
 * Loihi 2 weights: a signed integer mantissa of `bits` bits with a per-layer exponent (Lava's
 * Dense: weight × 2^weight_exp). Integer weights that already fit, with one scale for the layer,
 * stay as they are (the scale folds into the exponent and the threshold); anything else —
 * wider integers, per-channel scales, float weights — is requantized: e = ⌈log2(max|W| / (2^(b−1) − 1))⌉,
 * mantissa = round(W / 2^e), so the real weight becomes mantissa × 2^e.
 */
import type { IrArray } from "../../src/snn/binary.js";

/** A layer's weights on the chip. */
export interface ChipWeights {
  /** int8 mantissas, `[in, out]` as the IR stores them. */
  mantissa: Int8Array;
  /** Real weight = mantissa × scale (a power of two when requantized). */
  scale: number;
  requantized: boolean;
  /** The exponent e when requantized (scale = 2^e). */
  exponent?: number;
  /** Largest |real weight − legalized weight|, relative to max |real weight| (0 when kept). */
  maxRelativeError: number;
}

/**
 * Legalizes one layer's weights. `stored` is `[in, out]`; `scale` one number or one per output
 * neuron (`out` values). `bits` ≤ 8 (the mantissa is stored as int8).
 */
export function legalizeWeights(stored: IrArray, scale: number | ArrayLike<number>, outFeatures: number, bits: number): ChipWeights {
  const limit = 2 ** (bits - 1) - 1;
  const integer = !(stored instanceof Float32Array);
  if (integer && typeof scale === "number") {
    let fits = true;
    for (let k = 0; k < stored.length && fits; k++) fits = stored[k]! >= -limit - 1 && stored[k]! <= limit;
    if (fits) return { mantissa: Int8Array.from(stored), scale, requantized: false, maxRelativeError: 0 };
  }
  const real = new Float64Array(stored.length);
  let maxAbs = 0;
  for (let k = 0; k < stored.length; k++) {
    real[k] = stored[k]! * (typeof scale === "number" ? scale : scale[k % outFeatures]!);
    maxAbs = Math.max(maxAbs, Math.abs(real[k]!));
  }
  if (maxAbs === 0) return { mantissa: new Int8Array(stored.length), scale: 1, requantized: true, exponent: 0, maxRelativeError: 0 };
  const exponent = Math.ceil(Math.log2(maxAbs / limit));
  const step = 2 ** exponent;
  const mantissa = new Int8Array(stored.length);
  let maxError = 0;
  for (let k = 0; k < real.length; k++) {
    const m = Math.max(-limit - 1, Math.min(limit, Math.round(real[k]! / step)));
    mantissa[k] = m;
    maxError = Math.max(maxError, Math.abs(real[k]! - m * step));
  }
  return { mantissa, scale: step, requantized: true, exponent, maxRelativeError: maxError / maxAbs };
}
