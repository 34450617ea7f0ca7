/**
 * A linear layer as the graph writes it: MatMul(x, W) with an initializer W [K, N], optionally
 * followed by Add(bias [N]), or Gemm(x, W, bias) with transA = 0 (transB decides W's layout).
 * Structured pruning slices its weight along K (inputs) or N (outputs) and its bias along N.
 */
import { DataType, type NodeProto } from "../../../onnx/index.js";
import { intAttribute, type Layout } from "../weights.js";
import type { GraphIndex } from "./graph-index.js";

export interface Linear {
  node: NodeProto;
  /** The node's display name. */
  label: string;
  weight: string;
  layout: Layout;
  /** A bias initializer with N elements (Gemm's C, or the following Add's operand), if any. */
  bias?: string;
  /** The layer's activation input (the A operand). */
  input: string;
  /** The layer's result: the Add's output when the bias is a separate Add. */
  output: string;
}

/** `node` as a linear layer, or undefined when it is not one (or its tensors are shared). */
export function linearAt(index: GraphIndex, node: NodeProto): Linear | undefined {
  if (node.opType !== "MatMul" && node.opType !== "Gemm") return undefined;
  if (node.opType === "Gemm" && intAttribute(node, "transA", 0) !== 0) return undefined;
  const weightName = node.input[1] ?? "";
  const weight = index.inits.get(weightName);
  if (!weight || weight.dataType !== DataType.FLOAT || weight.dims.length !== 2) return undefined;
  // A weight another node also reads cannot be sliced for this layer alone.
  if (index.readers(weightName).length !== 1) return undefined;
  const [rows, cols] = weight.dims.map(Number) as [number, number];
  const transposed = node.opType === "Gemm" && intAttribute(node, "transB", 0) === 1;
  const layout: Layout = transposed ? { k: cols, n: rows, strideK: 1, strideN: cols } : { k: rows, n: cols, strideK: cols, strideN: 1 };
  const base = { node, label: index.label(node), weight: weightName, layout, input: node.input[0]!, output: node.output[0]! };
  if (node.opType === "Gemm") {
    const c = node.input[2] ?? "";
    if (c === "") return base;
    return isBias(index, c, layout.n) ? { ...base, bias: c } : undefined;
  }
  const add = index.soleConsumer(base.output);
  if (add?.opType !== "Add") return base;
  const other = add.input[0] === base.output ? add.input[1] : add.input[0];
  return other !== undefined && isBias(index, other, layout.n) ? { ...base, bias: other, output: add.output[0]! } : base;
}

/** A FLOAT initializer of N elements ([N] or [1, N]) that only one node reads. */
function isBias(index: GraphIndex, name: string, n: number): boolean {
  const tensor = index.inits.get(name);
  if (!tensor || tensor.dataType !== DataType.FLOAT || index.readers(name).length !== 1) return false;
  const dims = tensor.dims.map(Number);
  return dims[dims.length - 1] === n && dims.every((d, i) => i === dims.length - 1 || d === 1);
}
