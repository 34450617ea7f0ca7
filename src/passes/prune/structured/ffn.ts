/**
 * Feed-forward blocks found from the graph: a linear layer, an element-wise activation, and a
 * second linear layer that reads only it (MatMul → [Add] → Relu → MatMul, or Gemm → Relu →
 * Gemm). Hidden unit j is column j of the first weight (and its bias) and row j of the second,
 * so removing it removes both and leaves a smaller dense block computing the same function of
 * the units that stay.
 */
import type { NodeProto } from "../../../onnx/index.js";
import type { GraphIndex } from "./graph-index.js";
import { linearAt, type Linear } from "./linear.js";

/** Element-wise, one-input activations: unit j's output depends on unit j's input alone. */
const ELEMENTWISE = new Set([
  "Relu",
  "LeakyRelu",
  "PRelu",
  "Gelu",
  "Sigmoid",
  "HardSigmoid",
  "HardSwish",
  "Tanh",
  "Elu",
  "Selu",
  "Celu",
  "Softplus",
  "Softsign",
  "Mish",
  "ThresholdedRelu",
]);

export interface FfnBlock {
  up: Linear;
  activation: NodeProto;
  down: Linear;
  /** Hidden units (up's N = down's K). */
  hidden: number;
}

/** Every FFN block of the graph, in node order. */
export function findFfnBlocks(index: GraphIndex): FfnBlock[] {
  const blocks: FfnBlock[] = [];
  for (const node of index.graph.node) {
    const up = linearAt(index, node);
    if (!up) continue;
    const activation = index.soleConsumer(up.output);
    if (!activation || !ELEMENTWISE.has(activation.opType) || activation.input[0] !== up.output) continue;
    // PRelu's slope may be per unit; only a single shared slope keeps units independent of it.
    if (activation.opType === "PRelu" && (index.constantValues(activation.input[1] ?? "")?.values.length ?? 0) !== 1) continue;
    const next = index.soleConsumer(activation.output[0]!);
    const down = next && linearAt(index, next);
    if (!down || down.input !== activation.output[0] || down.layout.k !== up.layout.n) continue;
    blocks.push({ up, activation, down, hidden: up.layout.n });
  }
  return blocks;
}
