/**
 * Linear (affine) 8-bit quantization with onnxruntime's math (quant_utils.py: compute_scale_zp,
 * quantize_data, quantize_nparray), so a weight slm quantizes holds the same bytes onnxruntime's
 * quantizer would write:
 * - the range always includes 0; symmetric ranges are ±max|x|;
 * - scale = (rmax − rmin) / (qmax − qmin) in float64, stored as float32; a scale below the
 *   smallest normal float32 becomes 1 with zero point 0;
 * - zero point = round_half_even(qmin − rmin / scale) (float64);
 * - q = clip(round_half_even(float32(x / scale)) + zp): the division is float32, as numpy's;
 * - symmetric int8 weights use [−127, 127], never −128; asymmetric weights are uint8.
 */

/** The 8-bit element types slm writes. */
export type Int8Type = "int8" | "uint8";

/**
 * The integer range of a type (get_qmin_qmax_for_qType): symmetric int8 is [−127, 127], not
 * [−128, 127]; `reduceRange` gives onnxruntime's 7-bit ranges, int8 [−64, 64] and uint8 [0, 127].
 */
export function qRange(type: Int8Type, symmetric: boolean, reduceRange = false): { qmin: number; qmax: number } {
  if (reduceRange) return type === "uint8" ? { qmin: 0, qmax: 127 } : { qmin: -64, qmax: 64 };
  if (type === "uint8") return { qmin: 0, qmax: 255 };
  return symmetric ? { qmin: -127, qmax: 127 } : { qmin: -128, qmax: 127 };
}

/** Scale and zero point of one range. */
export interface ScaleZeroPoint {
  /** A float32 value. */
  scale: number;
  zeroPoint: number;
}

/** The smallest normal float32 (numpy.finfo(float32).tiny). */
const FLOAT32_TINY = 2 ** -126;

/** Rounds half to even, as numpy.round and onnxruntime's QuantizeLinear. */
export function roundHalfEven(value: number): number {
  const rounded = Math.round(value); // half up (towards +∞)
  return rounded - value === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

/**
 * onnxruntime's compute_scale_zp for a float32 range [rmin, rmax]: widened to include 0,
 * symmetrized to ±max(|rmin|, |rmax|) when `symmetric`.
 */
export function computeScaleZeroPoint(rmin: number, rmax: number, qmin: number, qmax: number, symmetric: boolean): ScaleZeroPoint {
  let low = Math.min(Math.fround(rmin), 0);
  let high = Math.max(Math.fround(rmax), 0);
  if (symmetric) {
    const absmax = Math.max(Math.abs(low), Math.abs(high));
    low = -absmax;
    high = absmax;
  }
  // rmax − rmin is a float32 subtraction in numpy (both are float32 arrays), then widened.
  const scale = Math.fround(high - low) / (qmax - qmin);
  if (scale < FLOAT32_TINY) return { scale: 1, zeroPoint: 0 };
  return { scale: Math.fround(scale), zeroPoint: roundHalfEven(qmin - low / scale) };
}

/** The clip range quantize_nparray applies (it always clips int8 to [−127, 127]). */
function clipRange(type: Int8Type): { qmin: number; qmax: number } {
  return qRange(type, true);
}

/** A quantized weight matrix with per-tensor or per-axis parameters. */
export interface QuantizedWeight {
  type: Int8Type;
  /** Same shape and order as the float weight. */
  data: Int8Array | Uint8Array;
  /** One entry (per-tensor) or one per channel along `axis`. */
  scales: Float32Array;
  zeroPoints: Int8Array | Uint8Array;
  /** The channel axis of a per-channel weight; undefined for per-tensor. */
  axis?: number;
  /** max |w − dequantized(w)| over the tensor. */
  maxAbsError: number;
}

/** 1.5 · 2^52: adding and subtracting it rounds a double of magnitude < 2^51 to an integer, half to even. */
const ROUND_MAGIC = 6755399441055744;

/** How a weight matrix is quantized. */
export interface MatrixQuantization {
  /** int8 with zero point 0, or uint8 with a zero point (onnxruntime's QInt8 / QUInt8 weights). */
  symmetric: boolean;
  /** 1: one scale per column (MatMul B [K, N]); 0: one per row (Gemm B with transB=1); undefined: per tensor. */
  axis: 0 | 1 | undefined;
  /** onnxruntime's reduce_range: 7-bit weights. */
  reduceRange?: boolean;
}

/**
 * Quantizes a 2-D row-major float32 matrix [rows, cols] to 8 bits, per tensor or per channel.
 * Two sequential passes over the data: the ranges, then the values (with the dequantization
 * error measured on the way).
 */
export function quantizeMatrix(values: Float32Array, rows: number, cols: number, { symmetric, axis, reduceRange = false }: MatrixQuantization): QuantizedWeight {
  const type: Int8Type = symmetric ? "int8" : "uint8";
  const { qmin, qmax } = qRange(type, symmetric, reduceRange);
  const { mins, maxs } = channelRanges(values, rows, cols, axis);
  const params = Array.from(mins, (min, c) => computeScaleZeroPoint(min, maxs[c]!, qmin, qmax, symmetric));
  const scales = Float32Array.from(params, (p) => p.scale);
  const zeroPoints = type === "int8" ? Int8Array.from(params, (p) => p.zeroPoint) : Uint8Array.from(params, (p) => p.zeroPoint);
  const data = type === "int8" ? new Int8Array(values.length) : new Uint8Array(values.length);
  // Per-column parameter rows for the inner loop: constant for per-tensor, refilled per row for axis 0.
  const columnScales = new Float64Array(cols);
  const columnZeroPoints = new Float64Array(cols);
  if (axis === 1) {
    columnScales.set(scales);
    columnZeroPoints.set(zeroPoints);
  } else {
    columnScales.fill(scales[0] ?? 1);
    columnZeroPoints.fill(zeroPoints[0] ?? 0);
  }
  const clip = clipRange(type);
  let maxAbsError = 0;
  for (let r = 0; r < rows; r++) {
    if (axis === 0) {
      columnScales.fill(scales[r]!);
      columnZeroPoints.fill(zeroPoints[r]!);
    }
    const error = quantizeRow(values, data, r * cols, cols, columnScales, columnZeroPoints, clip.qmin, clip.qmax);
    if (error > maxAbsError) maxAbsError = error;
  }
  return { type, data, scales, zeroPoints, ...(axis === undefined ? {} : { axis }), maxAbsError };
}

/**
 * One row: q = clip(round_half_even(float32(x / scale)) + zp); returns the row's largest
 * |x − float32((q − zp) · scale)|.
 */
function quantizeRow(
  values: Float32Array,
  data: Int8Array | Uint8Array,
  offset: number,
  cols: number,
  scales: Float64Array,
  zeroPoints: Float64Array,
  qmin: number,
  qmax: number,
): number {
  let worst = 0;
  for (let c = 0, at = offset; c < cols; c++, at++) {
    const x = values[at]!;
    const scale = scales[c]!;
    const zeroPoint = zeroPoints[c]!;
    let q = Math.fround(x / scale) + ROUND_MAGIC - ROUND_MAGIC + zeroPoint;
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    data[at] = q;
    const error = Math.abs(x - Math.fround((q - zeroPoint) * scale));
    if (error > worst) worst = error;
  }
  return worst;
}

/** Min and max per channel (one entry for per-tensor), in one sequential pass. */
function channelRanges(values: Float32Array, rows: number, cols: number, axis: 0 | 1 | undefined): { mins: Float64Array; maxs: Float64Array } {
  const channels = axis === undefined ? 1 : axis === 0 ? rows : cols;
  const mins = new Float64Array(channels).fill(Infinity);
  const maxs = new Float64Array(channels).fill(-Infinity);
  if (axis === 1) {
    for (let r = 0, at = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++, at++) {
        const v = values[at]!;
        if (v < mins[c]!) mins[c] = v;
        if (v > maxs[c]!) maxs[c] = v;
      }
    }
  } else {
    for (let r = 0, at = 0; r < rows; r++) {
      let min = Infinity;
      let max = -Infinity;
      for (let c = 0; c < cols; c++, at++) {
        const v = values[at]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const channel = axis === 0 ? r : 0;
      if (min < mins[channel]!) mins[channel] = min;
      if (max > maxs[channel]!) maxs[channel] = max;
    }
  }
  // An empty tensor has no range: onnxruntime uses 0.
  for (let c = 0; c < channels; c++) {
    if (mins[c] === Infinity) mins[c] = 0;
    if (maxs[c] === -Infinity) maxs[c] = 0;
  }
  return { mins, maxs };
}
