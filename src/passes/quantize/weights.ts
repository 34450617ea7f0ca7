/**
 * Weight encodings: a float MatMul/Gemm weight becomes quantized initializers (+ the node that
 * restores it, where the form has one), named as onnxruntime's quantizer names them
 * (`W_quantized`, `W_scale`, `W_zero_point`, `W_DequantizeLinear`). A weight read by several
 * nodes is encoded once and shared.
 */
import { InputError } from "../../errors.js";
import { arrayToTensor, DataType, tensorToArray, type TensorProto } from "../../onnx/index.js";
import { quantizeBlockwise4, packMatMulNBits, qdqInt4Tensors } from "./block4.js";
import { makeNode } from "./graph-edit.js";
import { quantizeMatrix, type QuantizedWeight } from "./linear.js";
import type { QuantizeParams } from "./params.js";
import type { ReportBuilder, TensorReport } from "./report.js";
import type { GraphRewrite } from "./rewrite.js";
import type { WeightCandidate } from "./select.js";

/** Shared state of one quantize run. */
export interface QuantizeState {
  readonly rewrite: GraphRewrite;
  readonly report: ReportBuilder;
  readonly params: QuantizeParams;
  /** Encoded weights by name, so a shared weight is encoded once. */
  readonly encoded: Map<string, EncodedWeight>;
}

/** Names of the tensors an encoded weight left in the graph. */
export interface EncodedWeight {
  /** The float weight restored by a DequantizeLinear (DQ forms), or the quantized data. */
  value: string;
  scale: string;
  /** The scale initializer's values. */
  scaleValues: Float32Array;
  zeroPoint?: string;
  report: TensorReport;
}

/** The weight's values; InputError naming the tensor when one is NaN or infinite. */
export function finiteValues(tensor: TensorProto): Float32Array {
  const values = tensorToArray(tensor) as Float32Array;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new InputError(`tensor '${tensor.name}' has ${values[i]} at index ${i}: cannot quantize a weight that is not finite`);
    }
  }
  return values;
}

const dims = (tensor: TensorProto): [number, number] => [Number(tensor.dims[0]), Number(tensor.dims[1])];

/** The weight as a [K, N] matrix: MatMul B as is, Gemm B with transB=1 transposed. */
export function weightAsKN(candidate: WeightCandidate): { values: Float32Array; rows: number; cols: number } {
  const values = finiteValues(candidate.weight);
  const [d0, d1] = dims(candidate.weight);
  if (!candidate.transB) return { values, rows: d0, cols: d1 };
  const transposed = new Float32Array(values.length);
  for (let r = 0; r < d0; r++) for (let c = 0; c < d1; c++) transposed[c * d0 + r] = values[r * d1 + c]!;
  return { values: transposed, rows: d1, cols: d0 };
}

/**
 * The cache key of a weight's encoding. Forms that restore the float weight (DequantizeLinear)
 * serve every reader; forms that replace it with a [K, N] matrix (MatMulInteger, MatMulNBits)
 * depend on whether the reader transposes it (Gemm transB=1).
 */
function cacheKey(candidate: WeightCandidate, layoutDependent: boolean): string {
  return layoutDependent && candidate.transB ? `${candidate.weight.name}\u0000transposed` : candidate.weight.name;
}

/** Returns the cached encoding of the candidate's weight, recording the extra reader. */
function cached(state: QuantizeState, key: string, candidate: WeightCandidate): EncodedWeight | undefined {
  const found = state.encoded.get(key);
  if (found) found.report.nodes.push(candidate.name);
  return found;
}

function quantizedInitializers(state: QuantizeState, base: string, shape: readonly number[], q: QuantizedWeight) {
  const { rewrite } = state;
  const type = q.type === "int8" ? DataType.INT8 : DataType.UINT8;
  const paramShape = q.axis === undefined ? [] : [q.scales.length];
  const names = { data: rewrite.names.fresh(`${base}_quantized`), scale: rewrite.names.fresh(`${base}_scale`), zeroPoint: rewrite.names.fresh(`${base}_zero_point`) };
  rewrite.addInitializer(arrayToTensor(names.data, shape, q.data, type));
  rewrite.addInitializer(arrayToTensor(names.scale, paramShape, q.scales, DataType.FLOAT));
  rewrite.addInitializer(arrayToTensor(names.zeroPoint, paramShape, q.zeroPoints, type));
  return names;
}

function describeGranularity(axis: number | undefined, params: QuantizeParams): string {
  return `${axis === undefined ? "per-tensor" : `per-channel (axis ${axis})`}${params.reduce_range ? ", 7-bit (reduce_range)" : ""}`;
}

function tensorReport(candidate: WeightCandidate, q: QuantizedWeight, shape: number[], granularity: string): TensorReport {
  return {
    name: candidate.weight.name,
    nodes: [candidate.name],
    bits: 8,
    type: q.type,
    granularity,
    shape,
    bytesBefore: q.data.length * 4,
    bytesAfter: q.data.length + q.scales.length * 5,
    maxAbsError: q.maxAbsError,
  };
}

/**
 * int8/uint8 weight + DequantizeLinear feeding the original op (weight-only and static QDQ):
 * per-channel along onnxruntime's axis (MatMul B [K, N]: 1; Gemm B with transB=1: 0);
 * `value` is the restored float weight the op reads.
 */
export function dequantizedWeight8(state: QuantizeState, candidate: WeightCandidate): EncodedWeight {
  const key = cacheKey(candidate, false);
  const known = cached(state, key, candidate);
  if (known) return known;
  const values = finiteValues(candidate.weight);
  const [rows, cols] = dims(candidate.weight);
  const axis = state.params.granularity === "per-tensor" ? undefined : candidate.transB ? 0 : 1;
  const q = quantizeMatrix(values, rows, cols, { symmetric: state.params.symmetric, axis, reduceRange: state.params.reduce_range ?? false });
  const base = candidate.weight.name;
  const names = quantizedInitializers(state, base, [rows, cols], q);
  const value = state.rewrite.names.fresh(`${base}_DequantizeLinear_Output`);
  const node = makeNode(
    "DequantizeLinear",
    [names.data, names.scale, names.zeroPoint],
    [value],
    state.rewrite.names.fresh(`${base}_DequantizeLinear`),
    axis === undefined ? {} : { axis: { int: axis } },
  );
  state.rewrite.insertBefore(candidate.node, node);
  state.rewrite.supersede(base);
  const granularity = describeGranularity(axis, state.params);
  const encoded = { value, scale: names.scale, scaleValues: q.scales, zeroPoint: names.zeroPoint, report: tensorReport(candidate, q, [rows, cols], granularity) };
  state.report.tensors.push(encoded.report);
  state.encoded.set(key, encoded);
  return encoded;
}

/**
 * The weight as MatMulInteger's B (dynamic mode): [K, N] (a Gemm's transB=1 weight is stored
 * transposed), per-tensor or per column (axis 1), with its scale and zero point initializers.
 */
export function integerWeight8(state: QuantizeState, candidate: WeightCandidate): EncodedWeight {
  const key = cacheKey(candidate, true);
  const known = cached(state, key, candidate);
  if (known) return known;
  const { values, rows, cols } = weightAsKN(candidate);
  const axis = state.params.granularity === "per-tensor" ? undefined : 1;
  const q = quantizeMatrix(values, rows, cols, { symmetric: state.params.symmetric, axis, reduceRange: state.params.reduce_range ?? false });
  const names = quantizedInitializers(state, candidate.weight.name, [rows, cols], q);
  state.rewrite.supersede(candidate.weight.name);
  const granularity = `${describeGranularity(axis, state.params)}${candidate.transB ? ", stored transposed [K, N]" : ""}`;
  const encoded = { value: names.data, scale: names.scale, scaleValues: q.scales, zeroPoint: names.zeroPoint, report: tensorReport(candidate, q, [rows, cols], granularity) };
  state.report.tensors.push(encoded.report);
  state.encoded.set(key, encoded);
  return encoded;
}

/** MatMulNBits's B, scales and (asymmetric) zero points for the weight, K and N. */
export function nBitsWeight(state: QuantizeState, candidate: WeightCandidate): EncodedWeight & { rows: number; cols: number } {
  const key = cacheKey(candidate, true);
  const [d0, d1] = dims(candidate.weight);
  const known = cached(state, key, candidate);
  if (known) return candidate.transB ? { ...known, rows: d1, cols: d0 } : { ...known, rows: d0, cols: d1 };
  const { values, rows, cols } = weightAsKN(candidate);
  const blockSize = state.params.block_size ?? 32;
  const q = quantizeBlockwise4(values, rows, cols, blockSize, state.params.symmetric);
  const packed = packMatMulNBits(q);
  const base = candidate.weight.name;
  const { rewrite } = state;
  const value = rewrite.names.fresh(`${base}_Q4`);
  const scale = rewrite.names.fresh(`${base}_scales`);
  rewrite.addInitializer(arrayToTensor(value, [cols, q.blocks, blockSize / 2], packed.weight, DataType.UINT8));
  rewrite.addInitializer(arrayToTensor(scale, [cols * q.blocks], q.scales, DataType.FLOAT));
  let zeroPoint: string | undefined;
  if (packed.zeroPoints) {
    zeroPoint = rewrite.names.fresh(`${base}_zero_points`);
    rewrite.addInitializer(arrayToTensor(zeroPoint, [packed.zeroPoints.length], packed.zeroPoints, DataType.UINT8));
  }
  rewrite.supersede(base);
  const report = block4Report(candidate, rows, cols, blockSize, q.maxAbsError, packed.weight.length + q.scales.length * 4 + (packed.zeroPoints?.length ?? 0));
  report.type = q.symmetric ? "int4" : "uint4";
  const encoded = { value, scale, scaleValues: q.scales, ...(zeroPoint ? { zeroPoint } : {}), report };
  state.report.tensors.push(report);
  state.encoded.set(key, encoded);
  return { ...encoded, rows, cols };
}

/**
 * INT4 (symmetric) or UINT4 weight + block-wise DequantizeLinear (opset 21) feeding the original
 * op: blocks along K, i.e. axis 0 of MatMul B [K, N] and axis 1 of a transB=1 Gemm B [N, K].
 */
export function dequantizedWeight4(state: QuantizeState, candidate: WeightCandidate): EncodedWeight {
  const key = cacheKey(candidate, false);
  const known = cached(state, key, candidate);
  if (known) return known;
  const { values, rows, cols } = weightAsKN(candidate);
  const blockSize = state.params.block_size ?? 32;
  const q = quantizeBlockwise4(values, rows, cols, blockSize, state.params.symmetric);
  const tensors = qdqInt4Tensors(q);
  const type = q.symmetric ? DataType.INT4 : DataType.UINT4;
  const base = candidate.weight.name;
  const { rewrite } = state;
  const names = { data: rewrite.names.fresh(`${base}_quantized`), scale: rewrite.names.fresh(`${base}_scale`), zeroPoint: rewrite.names.fresh(`${base}_zero_point`) };
  // qdqInt4Tensors gives [K, N] / [blocks, N]; a transB Gemm keeps its [N, K] layout, blocks on axis 1.
  const kn = !candidate.transB;
  const data = kn ? tensors.data : transposeInts(tensors.data, rows, cols);
  const scale = kn ? tensors.scale : q.scales;
  const zeroPoint = kn ? tensors.zeroPoint : transposeInts(tensors.zeroPoint, q.blocks, cols);
  rewrite.addInitializer(arrayToTensor(names.data, kn ? [rows, cols] : [cols, rows], data, type));
  rewrite.addInitializer(arrayToTensor(names.scale, kn ? [q.blocks, cols] : [cols, q.blocks], scale, DataType.FLOAT));
  rewrite.addInitializer(arrayToTensor(names.zeroPoint, kn ? [q.blocks, cols] : [cols, q.blocks], zeroPoint, type));
  const value = rewrite.names.fresh(`${base}_DequantizeLinear_Output`);
  const node = makeNode("DequantizeLinear", [names.data, names.scale, names.zeroPoint], [value], rewrite.names.fresh(`${base}_DequantizeLinear`), {
    axis: { int: kn ? 0 : 1 },
    block_size: { int: blockSize },
  });
  rewrite.insertBefore(candidate.node, node);
  rewrite.supersede(base);
  const bytesAfter = Math.ceil(values.length / 2) + q.scales.length * 4 + Math.ceil(q.scales.length / 2);
  const report = block4Report(candidate, rows, cols, blockSize, q.maxAbsError, bytesAfter);
  report.type = q.symmetric ? "int4" : "uint4";
  report.shape = kn ? [rows, cols] : [cols, rows];
  const encoded = { value, scale: names.scale, scaleValues: q.scales, zeroPoint: names.zeroPoint, report };
  state.report.tensors.push(report);
  state.encoded.set(key, encoded);
  return encoded;
}

function transposeInts<T extends Int8Array | Uint8Array>(source: T, rows: number, cols: number): T {
  const out = source.slice() as T;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = source[r * cols + c]!;
  return out;
}

function block4Report(candidate: WeightCandidate, rows: number, cols: number, blockSize: number, maxAbsError: number, bytesAfter: number): TensorReport {
  return {
    name: candidate.weight.name,
    nodes: [candidate.name],
    bits: 4,
    type: "int4",
    granularity: `block ${blockSize} along K`,
    shape: [rows, cols],
    bytesBefore: rows * cols * 4,
    bytesAfter,
    maxAbsError,
  };
}
