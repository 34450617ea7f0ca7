/**
 * Structured pruning: removes the least important hidden units of every FFN block and heads of
 * every attention block, as graph surgery that leaves smaller dense tensors and consistent
 * shapes. Importance, per unit (or head):
 * - magnitude: the L2 norm of all its weights: incoming columns (with their bias) and outgoing
 *   rows (for a head: its q, k and v columns and its proj rows);
 * - activation: its activation norm over the calibration data (‖x_j‖ from the channel square
 *   sums of the second layer's input; for a head, over its head_dim features) times the L2 norm
 *   of its outgoing rows: how much it actually contributes to the next layer's input.
 * The lowest round(fraction × units) go (at least one unit always stays); equal importance
 * removes the earlier unit first. Importances are computed on the input model, before any cut.
 */
import { InputError } from "../../../errors.js";
import type { GraphProto, TensorProto } from "../../../onnx/index.js";
import type { CalibrationStats } from "../../calibrate/stats.js";
import type { StructuredParams } from "../params.js";
import { countToPrune, smallestCut, zeroPruned } from "../select-smallest.js";
import { weightValues, type Layout } from "../weights.js";
import { findAttentionBlocks, type AttentionBlock } from "./attention.js";
import { findFfnBlocks, type FfnBlock } from "./ffn.js";
import { GraphIndex, readValues, removeOrphans } from "./graph-index.js";
import type { Linear } from "./linear.js";
import { range, SlicePlan } from "./slice.js";

/** One block's removal, for the report. */
export interface StructureRemoval {
  kind: "ffn" | "attention";
  /** The block's two linear nodes (FFN: up, down; attention: qkv, proj). */
  nodes: [string, string];
  /** Units (FFN hidden units or heads) before and after. */
  before: number;
  after: number;
  /** Indices of the removed units, ascending. */
  removed: number[];
}

export interface StructuredOutcome {
  removals: StructureRemoval[];
  /** Initializer name → [dims before, dims after] for every sliced tensor. */
  shapes: Map<string, [number[], number[]]>;
}

/**
 * Edits `graph` in place. `selected(name)` says whether a weight may be pruned (include /
 * exclude); a block is pruned only when both of its weights are. Split nodes that look like
 * the start of attention but are not recognized are reported through `warn`. InputError when the params ask
 * for something the model does not have, or heads on attention this pass does not recognize.
 */
export function removeStructures(
  graph: GraphProto,
  params: StructuredParams,
  selected: (weight: string) => boolean,
  opset: number,
  stats: CalibrationStats | undefined,
  warn: (message: string) => void,
): StructuredOutcome {
  const index = new GraphIndex(graph);
  const readBefore = readValues(graph);
  const importance = new Importance(index.inits, stats);
  const plan = new SlicePlan();
  const removals: StructureRemoval[] = [];

  if (params.ffn > 0) {
    const blocks = findFfnBlocks(index);
    if (blocks.length === 0) throw new InputError(`prune: ffn is ${params.ffn}, but the model has no FFN block (a linear layer, an element-wise activation, a linear layer)`);
    for (const block of blocks.filter((b) => selected(b.up.weight) && selected(b.down.weight))) {
      const removed = lowest(importance.ffn(block, params.importance), countRemoved(params.ffn, block.hidden));
      const keep = complement(block.hidden, removed);
      plan.keep(block.up.weight, block.up.layout, "keepN", keep);
      if (block.up.bias) plan.keep(block.up.bias, undefined, "keepN", keep);
      plan.keep(block.down.weight, block.down.layout, "keepK", keep);
      removals.push({ kind: "ffn", nodes: [block.up.label, block.down.label], before: block.hidden, after: keep.length, removed });
    }
  }

  if (params.heads > 0) {
    const { blocks, failures } = findAttentionBlocks(index, opset);
    const softmaxes = graph.node.filter((n) => n.opType === "Softmax");
    if (softmaxes.length === 0) throw new InputError(`prune: heads is ${params.heads}, but the model has no attention (no Softmax node)`);
    const unrecognized = softmaxes.find((s) => !blocks.some((b) => b.region.has(s)));
    if (unrecognized) {
      const why = failures.length > 0 ? ` (${failures.join("; ")})` : "";
      throw new InputError(
        `prune: cannot remove heads safely: Softmax '${index.label(unrecognized)}' is not inside an attention pattern slm recognizes ` +
          `(fused qkv linear → Split → Reshape [..., heads, head_dim] → Transpose → attention → Transpose → Reshape → linear)${why}`,
      );
    }
    // A split linear output that is not attention (a gated FFN, say) keeps its heads, if any; say why.
    for (const failure of failures) warn(`prune: heads kept in a block slm does not recognize as attention: ${failure}`);
    for (const block of blocks.filter((b) => selected(b.qkv.weight) && selected(b.proj.weight))) {
      const removed = lowest(importance.heads(block, params.importance), countRemoved(params.heads, block.heads));
      const keptHeads = complement(block.heads, removed);
      const width = block.heads * block.headDim;
      const columns = [0, 1, 2].flatMap((part) => keptHeads.flatMap((h) => range(block.headDim).map((j) => part * width + h * block.headDim + j)));
      plan.keep(block.qkv.weight, block.qkv.layout, "keepN", columns);
      if (block.qkv.bias) plan.keep(block.qkv.bias, undefined, "keepN", columns);
      plan.keep(block.proj.weight, block.proj.layout, "keepK", keptHeads.flatMap((h) => range(block.headDim).map((j) => h * block.headDim + j)));
      block.setHeads(keptHeads.length);
      removals.push({ kind: "attention", nodes: [block.qkv.label, block.proj.label], before: block.heads, after: keptHeads.length, removed });
    }
  }

  const shapes = plan.apply(graph);
  removeOrphans(graph, readBefore);
  // Shapes recorded for intermediate values may now be stale; onnxruntime infers them again.
  graph.valueInfo = [];
  return { removals, shapes };
}

/** Units a fraction removes: round(fraction × units), leaving at least one. */
function countRemoved(fraction: number, units: number): number {
  return Math.min(units - 1, countToPrune(fraction, units));
}

/** Indices of the `count` lowest scores (ties: earlier first), ascending. */
function lowest(scores: Float32Array, count: number): number[] {
  const mask = new Float32Array(scores.length).fill(1);
  zeroPruned(scores, smallestCut(scores, count), mask);
  return range(scores.length).filter((i) => mask[i] === 0);
}

function complement(n: number, removed: readonly number[]): number[] {
  const gone = new Set(removed);
  return range(n).filter((i) => !gone.has(i));
}

/** Unit importances, reading each tensor once (checked for NaN / Inf). */
class Importance {
  private readonly cache = new Map<string, Float32Array>();
  constructor(
    private readonly inits: ReadonlyMap<string, TensorProto>,
    private readonly stats: CalibrationStats | undefined,
  ) {}

  ffn(block: FfnBlock, kind: StructuredParams["importance"]): Float32Array {
    const units = range(block.hidden).map((j) => [j]);
    const outgoing = this.squares(block.down, "k", units);
    if (kind === "activation") return combine(this.activationSquares(block.down.input, block.hidden, units, block.down.label), outgoing, (a, o) => Math.sqrt(a * o));
    const incoming = this.squares(block.up, "n", units);
    return combine(incoming, outgoing, (i, o) => Math.sqrt(i + o));
  }

  heads(block: AttentionBlock, kind: StructuredParams["importance"]): Float32Array {
    const { heads, headDim } = block;
    const width = heads * headDim;
    const features = range(heads).map((h) => range(headDim).map((j) => h * headDim + j));
    const outgoing = this.squares(block.proj, "k", features);
    if (kind === "activation") return combine(this.activationSquares(block.proj.input, width, features, block.proj.label), outgoing, (a, o) => Math.sqrt(a * o));
    const columns = features.map((f) => [0, 1, 2].flatMap((part) => f.map((c) => part * width + c)));
    return combine(this.squares(block.qkv, "n", columns), outgoing, (i, o) => Math.sqrt(i + o));
  }

  /** Per unit: the sum of squares of the weight's slices along `axis` at the unit's indices (+ bias along N). */
  private squares(linear: Linear, axis: "k" | "n", units: number[][]): Float64Array {
    const weight = this.values(linear.weight);
    const { k, n, strideK, strideN }: Layout = linear.layout;
    const bias = axis === "n" && linear.bias ? this.values(linear.bias) : undefined;
    return Float64Array.from(units, (indices) => {
      let sum = 0;
      for (const index of indices) {
        const other = axis === "k" ? n : k;
        for (let t = 0; t < other; t++) {
          const w = axis === "k" ? weight[index * strideK + t * strideN]! : weight[t * strideK + index * strideN]!;
          sum += w * w;
        }
        if (bias) sum += bias[index]! * bias[index]!;
      }
      return sum;
    });
  }

  /** Per unit: Σ ‖x_j‖² over its features j of `activation` (the channel square sums). */
  private activationSquares(activation: string, features: number, units: number[][], reader: string): Float64Array {
    const sums = this.stats?.tensors[activation]?.channelSquareSums;
    if (!sums || sums.length !== features) {
      throw new InputError(`prune: importance activation needs channelSquareSums of '${activation}' (the input of '${reader}', ${features} features) in the calibration statistics`);
    }
    return Float64Array.from(units, (indices) => indices.reduce((total, j) => total + sums[j]!, 0));
  }

  private values(name: string): Float32Array {
    let values = this.cache.get(name);
    if (!values) {
      values = weightValues({ tensor: this.inits.get(name)! });
      this.cache.set(name, values);
    }
    return values;
  }
}

function combine(a: Float64Array, b: Float64Array, f: (x: number, y: number) => number): Float32Array {
  return Float32Array.from(a, (x, i) => f(x, b[i]!));
}
