/**
 * Dynamic W8A8, the graph onnxruntime's quantize_dynamic emits for MatMul (operators/matmul.py,
 * MatMulInteger): the activation goes through DynamicQuantizeLinear (uint8, range computed per
 * run), the weight is stored int8 (uint8 when asymmetric), and
 *
 *   MatMulInteger(A_q, W_q, A_zp, W_zp) → Cast(float) → Mul(·, Mul(A_scale, W_scale))
 *
 * restores the float product; onnxruntime's optimizer fuses this shape into
 * MatMulIntegerToFloat / DynamicQuantizeMatMul. One DynamicQuantizeLinear serves every
 * quantized reader of an activation.
 *
 * onnxruntime's dynamic quantizer leaves Gemm in float (Gemm is not in its IntegerOps
 * registry); slm lowers a Gemm with transA=0 and alpha=beta=1 to the same MatMulInteger
 * shape, its B stored transposed as [K, N], plus an Add of C — what PyTorch's quantize_dynamic
 * does for nn.Linear. `op_types: [MatMul]` keeps Gemm in float as onnxruntime would.
 */
import { DataType } from "../../onnx/index.js";
import { makeNode } from "./graph-edit.js";
import type { WeightCandidate } from "./select.js";
import { integerWeight8, type QuantizeState } from "./weights.js";

interface DynamicActivation {
  quantized: string;
  scale: string;
  zeroPoint: string;
}

/** Rewrites every weight candidate to the dynamic-quantization pattern. */
export function quantizeDynamic(state: QuantizeState, candidates: readonly WeightCandidate[]): void {
  const activations = new Map<string, DynamicActivation>();
  for (const candidate of candidates) {
    const activation = activations.get(candidate.activation) ?? dynamicQuantizeLinear(state, candidate);
    activations.set(candidate.activation, activation);
    const weight = integerWeight8(state, candidate);
    const { rewrite } = state;
    const base = candidate.node.name || candidate.weight.name;
    const output = candidate.node.output[0]!;
    const integer = rewrite.names.fresh(`${output}_output_quantized`);
    const cast = rewrite.names.fresh(`${integer}_cast_output`);
    const scales = rewrite.names.fresh(`${base}_quant_scales_mul:0`);
    const bias = candidate.op === "Gemm" && candidate.node.input[2] ? candidate.node.input[2] : undefined;
    const product = bias === undefined ? output : rewrite.names.fresh(`${output}_MatMul`);
    const nodes = [
      makeNode("MatMulInteger", [activation.quantized, weight.value, activation.zeroPoint, weight.zeroPoint!], [integer], rewrite.names.fresh(`${base}_quant`)),
      makeNode("Cast", [integer], [cast], rewrite.names.fresh(`${integer}_cast`), { to: { int: DataType.FLOAT } }),
      makeNode("Mul", [activation.scale, weight.scale], [scales], rewrite.names.fresh(`${base}_quant_scales_mul`)),
      makeNode("Mul", [cast, scales], [product], rewrite.names.fresh(`${base}_quant_output_scale_mul`)),
    ];
    if (bias !== undefined) nodes.push(makeNode("Add", [product, bias], [output], rewrite.names.fresh(`${base}_bias_add`)));
    rewrite.replace(candidate.node, nodes);
    state.report.quantizedNode(candidate.name);
  }
}

function dynamicQuantizeLinear(state: QuantizeState, candidate: WeightCandidate): DynamicActivation {
  const { names } = state.rewrite;
  const input = candidate.activation;
  const activation = { quantized: names.fresh(`${input}_quantized`), scale: names.fresh(`${input}_scale`), zeroPoint: names.fresh(`${input}_zero_point`) };
  const node = makeNode("DynamicQuantizeLinear", [input], [activation.quantized, activation.scale, activation.zeroPoint], names.fresh(`${input}_QuantizeLinear`));
  state.rewrite.insertBefore(candidate.node, node);
  return activation;
}
