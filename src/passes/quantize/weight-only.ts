/**
 * Weight-only quantization: activations stay float.
 * - 8 bits: int8 (uint8 when asymmetric) weight + DequantizeLinear feeding the original op, a
 *   QDQ model whose weights are 8-bit on disk;
 * - 4 bits, matmulnbits: the node becomes com.microsoft MatMulNBits (a Gemm's C becomes an Add);
 * - 4 bits, qdq: INT4/UINT4 weight + block-wise DequantizeLinear (the caller raised the opset to 21).
 */
import { makeNode } from "./graph-edit.js";
import type { WeightCandidate } from "./select.js";
import { dequantizedWeight4, dequantizedWeight8, nBitsWeight, type QuantizeState } from "./weights.js";

/** Rewrites every weight candidate for weight-only quantization. */
export function quantizeWeightOnly(state: QuantizeState, candidates: readonly WeightCandidate[]): void {
  for (const candidate of candidates) {
    if (state.params.bits === 8) candidate.node.input[1] = dequantizedWeight8(state, candidate).value;
    else if (state.params.format === "qdq") candidate.node.input[1] = dequantizedWeight4(state, candidate).value;
    else toMatMulNBits(state, candidate);
    state.report.quantizedNode(candidate.name);
  }
}

function toMatMulNBits(state: QuantizeState, candidate: WeightCandidate): void {
  const { rewrite } = state;
  const weight = nBitsWeight(state, candidate);
  const output = candidate.node.output[0]!;
  const bias = candidate.op === "Gemm" && candidate.node.input[2] ? candidate.node.input[2] : undefined;
  const product = bias === undefined ? output : rewrite.names.fresh(`${output}_MatMulNBits`);
  const inputs = [candidate.activation, weight.value, weight.scale, ...(weight.zeroPoint ? [weight.zeroPoint] : [])];
  const nodes = [
    makeNode(
      "MatMulNBits",
      inputs,
      [product],
      rewrite.names.fresh(`${candidate.node.name || candidate.weight.name}_Q4`),
      { K: { int: weight.rows }, N: { int: weight.cols }, bits: { int: 4 }, block_size: { int: state.params.block_size ?? 32 } },
      "com.microsoft",
    ),
  ];
  if (bias !== undefined) nodes.push(makeNode("Add", [product, bias], [output], rewrite.names.fresh(`${candidate.node.name || output}_bias_add`)));
  rewrite.replace(candidate.node, nodes);
}

