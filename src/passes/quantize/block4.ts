/**
 * 4-bit block-wise weight quantization with MLAS's math (onnxruntime's MlasQuantizeBlockwise,
 * which matmul_nbits_quantizer.py calls): blocks of `blockSize` consecutive weights along K of
 * one output column share a float32 scale.
 * - symmetric: scale = m / −8, where m is the block's value of largest magnitude *with its
 *   sign* (so the extreme maps exactly onto code 0 = −8·scale), zero point 8;
 * - asymmetric: scale = (max − min) / 15 over the range widened to include 0, zero point =
 *   roundf(−min / scale) clamped to [0, 15];
 * - code = clamp(roundf(w · float32(1 / scale) + zp), 0, 15), roundf rounding half away
 *   from zero (MLAS, unlike the 8-bit path's half to even).
 * The codes are unsigned (0..15); the QDQ form stores code − 8 as INT4 when symmetric.
 */

/** A [K, N] weight quantized in blocks along K. */
export interface Blockwise4 {
  rows: number;
  cols: number;
  blockSize: number;
  /** ceil(rows / blockSize). */
  blocks: number;
  symmetric: boolean;
  /** Unsigned codes 0..15, [K, N] row-major like the float weight. */
  codes: Uint8Array;
  /** [N, blocks]: scales[n · blocks + b]. */
  scales: Float32Array;
  /** [N, blocks], unpacked; all 8 when symmetric. */
  zeroPoints: Uint8Array;
  /** max |w − dequantized(w)|. */
  maxAbsError: number;
}

/** roundf: half away from zero. */
function roundHalfAway(value: number): number {
  return value < 0 ? -Math.round(-value) : Math.round(value);
}

/** Quantizes a row-major float32 [rows, cols] matrix (MatMul B [K, N]) to 4-bit blocks along K. */
export function quantizeBlockwise4(values: Float32Array, rows: number, cols: number, blockSize: number, symmetric: boolean): Blockwise4 {
  const blocks = Math.ceil(rows / blockSize);
  const codes = new Uint8Array(rows * cols);
  const scales = new Float32Array(cols * blocks);
  const zeroPoints = new Uint8Array(cols * blocks).fill(8);
  const mins = new Float64Array(cols);
  const maxs = new Float64Array(cols);
  // This block row's per-column scale, float32 reciprocal and zero point, for the inner loop.
  const blockScales = new Float64Array(cols);
  const reciprocals = new Float64Array(cols);
  const zps = new Float64Array(cols);
  let maxAbsError = 0;
  for (let b = 0; b < blocks; b++) {
    const first = b * blockSize;
    const end = Math.min(first + blockSize, rows);
    blockRanges(values, first, end, cols, mins, maxs);
    for (let c = 0; c < cols; c++) {
      const { scale, zeroPoint } = symmetric ? symmetricScale(mins[c]!, maxs[c]!) : asymmetricScale(mins[c]!, maxs[c]!);
      scales[c * blocks + b] = scale;
      zeroPoints[c * blocks + b] = zeroPoint;
      blockScales[c] = scale;
      reciprocals[c] = scale !== 0 ? Math.fround(1 / scale) : 0;
      zps[c] = zeroPoint;
    }
    const error = quantizeBlockRows(values, codes, first, end, cols, blockScales, reciprocals, zps);
    if (error > maxAbsError) maxAbsError = error;
  }
  return { rows, cols, blockSize, blocks, symmetric, codes, scales, zeroPoints, maxAbsError };
}

/** Per-column min and max over rows [first, end) (small hot functions keep V8's code tight). */
function blockRanges(values: Float32Array, first: number, end: number, cols: number, mins: Float64Array, maxs: Float64Array): void {
  mins.fill(Number.MAX_VALUE);
  maxs.fill(-Number.MAX_VALUE);
  for (let r = first; r < end; r++) {
    for (let c = 0, at = r * cols; c < cols; c++, at++) {
      const v = values[at]!;
      if (v < mins[c]!) mins[c] = v;
      if (v > maxs[c]!) maxs[c] = v;
    }
  }
}

/** Codes of rows [first, end): roundf(w · float32(1/scale) + zp) clamped to [0, 15]; returns the largest error. */
function quantizeBlockRows(
  values: Float32Array,
  codes: Uint8Array,
  first: number,
  end: number,
  cols: number,
  scales: Float64Array,
  reciprocals: Float64Array,
  zeroPoints: Float64Array,
): number {
  let worst = 0;
  for (let r = first; r < end; r++) {
    for (let c = 0, at = r * cols; c < cols; c++, at++) {
      const v = values[at]!;
      const t = Math.fround(Math.fround(v * reciprocals[c]!) + zeroPoints[c]!);
      // roundf (half away from zero), then the clamp; a negative t can only become 0.
      const rounded = Math.floor(t + 0.5);
      const code = t < 0 ? 0 : rounded > 15 ? 15 : rounded;
      codes[at] = code;
      const error = Math.abs(v - Math.fround((code - zeroPoints[c]!) * scales[c]!));
      if (error > worst) worst = error;
    }
  }
  return worst;
}

function symmetricScale(min: number, max: number): { scale: number; zeroPoint: number } {
  const extreme = Math.abs(max) > Math.abs(min) ? max : min;
  return { scale: Math.fround(extreme / -8), zeroPoint: 8 };
}

function asymmetricScale(rawMin: number, rawMax: number): { scale: number; zeroPoint: number } {
  const min = Math.min(rawMin, 0);
  const max = Math.max(rawMax, 0);
  const scale = Math.fround(Math.fround(max - min) / 15);
  const zeroPointFloat = scale !== 0 ? Math.fround(0 - Math.fround(min / scale)) : min;
  const zeroPoint = zeroPointFloat < 0 ? 0 : zeroPointFloat > 15 ? 15 : roundHalfAway(zeroPointFloat);
  return { scale, zeroPoint };
}

/** float32((code − zp) · scale) for every weight: the matrix MatMulNBits multiplies by. */
export function dequantizeBlockwise4(q: Blockwise4): Float32Array {
  const out = new Float32Array(q.rows * q.cols);
  for (let r = 0, at = 0; r < q.rows; r++) {
    const b = Math.floor(r / q.blockSize);
    for (let c = 0; c < q.cols; c++, at++) {
      const meta = c * q.blocks + b;
      out[at] = Math.fround((q.codes[at]! - q.zeroPoints[meta]!) * q.scales[meta]!);
    }
  }
  return out;
}

/**
 * MatMulNBits's tensors (matmul_nbits_quantizer.py layout): B uint8 [N, blocks, blockSize/2],
 * two codes per byte along K, the first in the low nibble, bytes past K zero; zero points (only
 * when asymmetric) uint8 [N · ceil(blocks/2)], two per byte, low nibble first, each column's
 * row of bytes padded.
 */
export function packMatMulNBits(q: Blockwise4): { weight: Uint8Array; zeroPoints?: Uint8Array } {
  const blobSize = q.blockSize / 2;
  const columnBytes = q.blocks * blobSize;
  const weight = new Uint8Array(q.cols * columnBytes);
  for (let r = 0; r < q.rows; r++) {
    const shift = (r & 1) * 4;
    const byteInColumn = r >> 1; // blocks are contiguous along K, so the byte index is r/2
    for (let c = 0, at = r * q.cols; c < q.cols; c++, at++) {
      weight[c * columnBytes + byteInColumn]! |= q.codes[at]! << shift;
    }
  }
  if (q.rows % 2 === 1) {
    // MLAS fills the unused high nibble of a trailing odd row with the block's zero point.
    const lastBlock = Math.floor((q.rows - 1) / q.blockSize);
    for (let c = 0; c < q.cols; c++) weight[c * columnBytes + (q.rows >> 1)]! |= q.zeroPoints[c * q.blocks + lastBlock]! << 4;
  }
  if (q.symmetric) return { weight };
  const zpColumnBytes = Math.ceil(q.blocks / 2);
  const zeroPoints = new Uint8Array(q.cols * zpColumnBytes);
  for (let c = 0; c < q.cols; c++) {
    for (let b = 0; b < q.blocks; b++) zeroPoints[c * zpColumnBytes + (b >> 1)]! |= q.zeroPoints[c * q.blocks + b]! << ((b & 1) * 4);
  }
  return { weight, zeroPoints };
}

/**
 * The block-wise DequantizeLinear form (opset 21, axis 0, block_size): data [K, N] as INT4
 * (code − 8, symmetric) or UINT4 (asymmetric, with zero points), scale and zero point [blocks, N].
 */
export function qdqInt4Tensors(q: Blockwise4): { data: Int8Array | Uint8Array; scale: Float32Array; zeroPoint: Int8Array | Uint8Array } {
  const transpose = <T extends Float32Array | Uint8Array>(source: T, target: T): T => {
    for (let c = 0; c < q.cols; c++) for (let b = 0; b < q.blocks; b++) target[b * q.cols + c] = source[c * q.blocks + b]!;
    return target;
  };
  const scale = transpose(q.scales, new Float32Array(q.scales.length));
  if (q.symmetric) {
    return { data: Int8Array.from(q.codes, (code) => code - 8), scale, zeroPoint: new Int8Array(scale.length) };
  }
  return { data: q.codes.slice(), scale, zeroPoint: transpose(q.zeroPoints, new Uint8Array(q.zeroPoints.length)) };
}
