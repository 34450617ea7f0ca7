/**
 * Which MatMul/Gemm nodes the quantize pass rewrites, and why each other one stays in float.
 * Nodes left out by the user's choices (op_types, include/exclude, activation×activation
 * MatMuls outside static mode) are only reported; nodes the pass was asked to quantize but
 * cannot (a weight that is not a constant 2-D float matrix, a Gemm form a mode cannot express)
 * are also warned about, so nothing is skipped silently.
 */
import { DataType, inDefaultDomain, type GraphProto, type NodeProto, type TensorProto } from "../../onnx/index.js";
import { floatAttribute, globMatches, intAttribute } from "./graph-edit.js";
import type { QuantizeParams } from "./params.js";

/** A MatMul or Gemm whose B input is a constant float matrix. */
export interface WeightCandidate {
  kind: "weight";
  node: NodeProto;
  /** Position in the input graph's node list. */
  index: number;
  /** The node's name, or `<op>#<index>` when unnamed. */
  name: string;
  op: "MatMul" | "Gemm";
  /** Input A (an activation). */
  activation: string;
  weight: TensorProto;
  /** Gemm transB=1: B is [N, K]. */
  transB: boolean;
  /** Gemm C, when it is a constant float tensor. */
  bias?: TensorProto;
}

/** A MatMul of two activations (attention QKᵀ, softmax·V): static mode with activation_matmuls only. */
export interface ActivationCandidate {
  kind: "activations";
  node: NodeProto;
  index: number;
  name: string;
  inputs: [string, string];
}

export type Candidate = WeightCandidate | ActivationCandidate;

/** A MatMul/Gemm node left in float, and why. */
export interface FloatNode {
  node: string;
  /** Position in the input graph's node list (reports list float nodes in graph order). */
  index: number;
  opType: string;
  reason: string;
  /** True when the pass was asked to quantize the node but could not (warned). */
  unsupported: boolean;
}

export interface Selection {
  candidates: Candidate[];
  floatNodes: FloatNode[];
}

const QUANTIZABLE = new Set(["MatMul", "Gemm"]);

/** Sorts the graph's MatMul/Gemm nodes into candidates and float nodes, in graph order. */
export function selectNodes(graph: GraphProto, params: QuantizeParams): Selection {
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const overridable = new Set(graph.input.map((v) => v.name));
  const candidates: Candidate[] = [];
  const floatNodes: FloatNode[] = [];
  graph.node.forEach((node, index) => {
    if (!QUANTIZABLE.has(node.opType) || !inDefaultDomain(node)) return;
    const name = node.name !== "" ? node.name : `${node.opType}#${index}`;
    const skip = (reason: string, unsupported = false) => floatNodes.push({ node: name, index, opType: node.opType, reason, unsupported });
    if (!(params.op_types as readonly string[]).includes(node.opType)) return skip(`op type ${node.opType} is not in op_types`);
    const names = [name, ...node.input.slice(0, 2)];
    if (params.include.length > 0 && !params.include.some((glob) => names.some((n) => globMatches(glob, n)))) {
      return skip("not matched by include");
    }
    const excludedBy = params.exclude.find((glob) => names.some((n) => globMatches(glob, n)));
    if (excludedBy !== undefined) return skip(`matched by exclude "${excludedBy}"`);
    const [a = "", b = ""] = node.input;
    if (!initializers.has(a) && !initializers.has(b)) {
      if (node.opType === "MatMul" && params.mode === "static" && params.activation_matmuls) {
        candidates.push({ kind: "activations", node, index, name, inputs: [a, b] });
        return;
      }
      return skip(params.mode === "static" ? "both inputs are activations (activation_matmuls: false)" : "both inputs are activations: no weight to quantize");
    }
    // A graph input of the same name can override an initializer at run time (IR ≥ 4; import
    // drops such entries from older models, where they are constants): not a constant.
    const constant = (value: string) => initializers.has(value) && !overridable.has(value);
    const weight = initializers.get(b);
    if (weight === undefined || !constant(b)) return skip(`input B '${b}' is not a constant initializer`, true);
    if (initializers.has(a)) return skip(`input A '${a}' is a constant too (fold the node instead)`, true);
    if (weight.dataType !== DataType.FLOAT) return skip(`weight '${b}' is not float32`, true);
    if (weight.dims.length !== 2) return skip(`weight '${b}' has rank ${weight.dims.length}, not 2`, true);
    const transB = node.opType === "Gemm" && intAttribute(node, "transB", 0) === 1;
    const gemmProblem = node.opType === "Gemm" ? gemmLimitation(node, params) : undefined;
    if (gemmProblem !== undefined) return skip(gemmProblem, true);
    const c = node.opType === "Gemm" ? node.input[2] : undefined;
    const bias = c !== undefined && c !== "" && constant(c) && initializers.get(c)!.dataType === DataType.FLOAT ? initializers.get(c) : undefined;
    if (params.mode === "static" && c !== undefined && c !== "" && !(bias && isBiasRow(bias.dims, Number(weight.dims[transB ? 0 : 1])))) {
      return skip(`Gemm bias '${c}' is not a constant float row of one value per output: onnxruntime runs its QDQ form in float (no integer QGemm)`, true);
    }
    candidates.push({ kind: "weight", node, index, name, op: node.opType as "MatMul" | "Gemm", activation: a, weight, transB, ...(bias ? { bias } : {}) });
  });
  return { candidates, floatNodes };
}

/**
 * Gemm forms a mode cannot express: dynamic and 4-bit modes turn a Gemm into MatMulInteger or
 * MatMulNBits (+ Add), which have no transA, alpha or beta; onnxruntime fuses a static QDQ Gemm
 * into its integer QGemm only with alpha = 1 (measured: with alpha 0.5 it stays a float Gemm
 * between DequantizeLinear nodes, slower than the float model).
 */
function gemmLimitation(node: NodeProto, params: QuantizeParams): string | undefined {
  if (params.mode === "static") {
    return floatAttribute(node, "alpha", 1) !== 1 ? "Gemm with alpha ≠ 1: onnxruntime runs its QDQ form in float (no integer QGemm)" : undefined;
  }
  const lowered = params.mode === "dynamic" || (params.bits === 4 && params.format === "matmulnbits");
  if (!lowered) return undefined;
  const form = params.mode === "dynamic" ? "dynamic mode" : "MatMulNBits";
  if (intAttribute(node, "transA", 0) !== 0) return `Gemm with transA=1 cannot become ${form}`;
  if (floatAttribute(node, "alpha", 1) !== 1) return `Gemm with alpha ≠ 1 cannot become ${form}`;
  if (node.input.length > 2 && node.input[2] !== "" && floatAttribute(node, "beta", 1) !== 1) return `Gemm with beta ≠ 1 cannot become ${form}`;
  return undefined;
}

/** Whether a Gemm bias of shape `dims` is one value per output: [N], or [1, …, 1, N]. */
export function isBiasRow(dims: readonly bigint[], outputs: number): boolean {
  return dims.length >= 1 && Number(dims[dims.length - 1]) === outputs && dims.slice(0, -1).every((d) => d === 1n);
}
