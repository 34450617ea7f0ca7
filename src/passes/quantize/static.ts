/**
 * Static W8A8 in QDQ form, as onnxruntime's QDQ quantizer writes MatMul and Gemm
 * (operators/matmul.py QDQMatMul, gemm.py QDQGemm): the activation input gets a
 * QuantizeLinear → DequantizeLinear pair with a fixed scale and zero point from calibration
 * (asymmetric, uint8 by default), the weight an 8-bit initializer + DequantizeLinear
 * (per-channel along onnxruntime's axis), and a Gemm's constant 1-D bias becomes int32 with
 * scale s_in · s_w · beta and zero point 0. Node outputs stay float (onnxruntime with
 * OpTypesToExcludeOutputQuantization = [MatMul, Gemm]): the consumers here are float ops, and
 * onnxruntime fuses DQ → MatMul without an output Q into MatMulIntegerToFloat.
 */
import { arrayToTensor, DataType } from "../../onnx/index.js";
import type { CalibrationStats } from "../calibrate/stats.js";
import { floatAttribute, makeNode } from "./graph-edit.js";
import { computeScaleZeroPoint, qRange, roundHalfEven } from "./linear.js";
import { activationRange } from "./ranges.js";
import { isBiasRow, type Candidate, type FloatNode, type WeightCandidate } from "./select.js";
import { dequantizedWeight8, finiteValues, type EncodedWeight, type QuantizeState } from "./weights.js";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Rewrites the candidates into QDQ form; returns the nodes left in float for want of statistics. */
export function quantizeStatic(state: QuantizeState, candidates: readonly Candidate[], stats: CalibrationStats): FloatNode[] {
  const pairs = new Map<string, { output: string; scale: number }>();
  const missing: FloatNode[] = [];
  for (const candidate of candidates) {
    const inputs = candidate.kind === "weight" ? [candidate.activation] : candidate.inputs;
    const absent = inputs.filter((name) => !hasStatistics(stats, name));
    if (absent.length > 0) {
      const reason = `no calibration statistics for ${absent.map((n) => `'${n}'`).join(", ")}`;
      missing.push({ node: candidate.name, index: candidate.index, opType: candidate.node.opType, reason, unsupported: true });
      continue;
    }
    const quantized = inputs.map((name) => {
      const known = pairs.get(name);
      if (known) {
        state.report.activations.find((a) => a.tensor === name)!.nodes.push(candidate.name);
        return known;
      }
      const pair = quantizeDequantize(state, name, candidate, stats);
      pairs.set(name, pair);
      return pair;
    });
    quantized.forEach((pair, i) => (candidate.node.input[i] = pair.output));
    if (candidate.kind === "weight") {
      const weight = dequantizedWeight8(state, candidate);
      candidate.node.input[1] = weight.value;
      if (candidate.bias) quantizeBias(state, candidate, quantized[0]!.scale, weight);
    }
    state.report.quantizedNode(candidate.name);
  }
  return missing;
}

function hasStatistics(stats: CalibrationStats, name: string): boolean {
  const entry = stats.tensors[name];
  return entry !== undefined && entry.count > 0;
}

/** A Q → DQ pair on activation `tensor`, inserted before its first quantized reader. */
function quantizeDequantize(state: QuantizeState, tensor: string, reader: Candidate, stats: CalibrationStats): { output: string; scale: number } {
  const { rewrite, params } = state;
  const choice = params.calibration ?? { method: "percentile" };
  const { rmin, rmax } = activationRange(stats.tensors[tensor]!, choice);
  const type = params.activation_type ?? "uint8";
  const { qmin, qmax } = qRange(type, false);
  const { scale, zeroPoint } = computeScaleZeroPoint(rmin, rmax, qmin, qmax, false);
  const elementType = type === "uint8" ? DataType.UINT8 : DataType.INT8;
  const names = {
    scale: rewrite.names.fresh(`${tensor}_scale`),
    zeroPoint: rewrite.names.fresh(`${tensor}_zero_point`),
    quantized: rewrite.names.fresh(`${tensor}_QuantizeLinear_Output`),
    output: rewrite.names.fresh(`${tensor}_DequantizeLinear_Output`),
  };
  rewrite.addInitializer(arrayToTensor(names.scale, [], Float32Array.of(scale), DataType.FLOAT));
  rewrite.addInitializer(arrayToTensor(names.zeroPoint, [], type === "uint8" ? Uint8Array.of(zeroPoint) : Int8Array.of(zeroPoint), elementType));
  rewrite.insertBefore(
    reader.node,
    makeNode("QuantizeLinear", [tensor, names.scale, names.zeroPoint], [names.quantized], rewrite.names.fresh(`${tensor}_QuantizeLinear`)),
    makeNode("DequantizeLinear", [names.quantized, names.scale, names.zeroPoint], [names.output], rewrite.names.fresh(`${tensor}_DequantizeLinear`)),
  );
  const method = choice.method === "percentile" ? `percentile ${choice.percentile ?? 99.999}` : choice.method;
  state.report.activations.push({ tensor, nodes: [reader.name], method, rmin, rmax, type, scale, zeroPoint });
  return { output: names.output, scale };
}

/**
 * onnxruntime's quantize_bias_static: int32 = round_half_even(float32(b / (s_in · s_w · beta))),
 * zero point 0, per output channel when the weight is per-channel. Only a 1-D bias with one value
 * per output channel is quantized; any other C stays float.
 */
function quantizeBias(state: QuantizeState, candidate: WeightCandidate, inputScale: number, weight: EncodedWeight): void {
  const bias = candidate.bias!;
  const outputs = Number(candidate.weight.dims[candidate.transB ? 0 : 1]);
  // A row of N values, [N] or [1, N] as some exporters write it; the int32 bias is written [N], which broadcasts alike.
  if (!isBiasRow(bias.dims, outputs)) return;
  const values = finiteValues(bias);
  const perChannel = weight.scaleValues.length > 1;
  const beta = floatAttribute(candidate.node, "beta", 1);
  // float32 arithmetic, as numpy: input_scale · weight_scale · beta.
  const scales = weight.scaleValues.map((s) => Math.fround(Math.fround(inputScale * s) * beta));
  const quantized = new Int32Array(values.length);
  let maxAbsError = 0;
  values.forEach((b, i) => {
    const scale = scales[perChannel ? i : 0]!;
    const q = roundHalfEven(Math.fround(b / scale));
    quantized[i] = q < INT32_MIN ? INT32_MIN : q > INT32_MAX ? INT32_MAX : q;
    maxAbsError = Math.max(maxAbsError, Math.abs(b - Math.fround(quantized[i]! * scale)));
  });
  const { rewrite } = state;
  const names = { data: rewrite.names.fresh(`${bias.name}_quantized`), scale: rewrite.names.fresh(`${bias.name}_quantized_scale`) };
  rewrite.addInitializer(arrayToTensor(names.data, [values.length], quantized, DataType.INT32));
  rewrite.addInitializer(arrayToTensor(names.scale, perChannel ? [scales.length] : [], scales, DataType.FLOAT));
  const output = rewrite.names.fresh(`${bias.name}_DequantizeLinear_Output`);
  rewrite.insertBefore(
    candidate.node,
    makeNode("DequantizeLinear", [names.data, names.scale], [output], rewrite.names.fresh(`${bias.name}_DequantizeLinear`), perChannel ? { axis: { int: 0 } } : {}),
  );
  candidate.node.input[2] = output;
  rewrite.supersede(bias.name);
  state.report.tensors.push({
    name: bias.name,
    nodes: [candidate.name],
    bits: 32,
    type: "int32",
    granularity: perChannel ? "per-channel (axis 0)" : "per-tensor",
    shape: [values.length],
    bytesBefore: values.length * 4,
    bytesAfter: values.length * 4 + scales.length * 4,
    maxAbsError,
  });
}
