/**
 * Which initializers are prunable weights, how their elements are laid out, and which of them a
 * step selects. A weight is a 2-D FLOAT initializer read as the B operand of MatMul or Gemm
 * (directly, or through a 2-D Transpose), or the table of a Gather (an embedding). Biases and
 * other 1-D tensors are never weights. By default an embedding table, and a matrix tied to one
 * (the same values, or their transpose, as a Gather table: a tied LM head, which an exporter may
 * write as its own transposed copy), are left alone; `include` can name them.
 */
import { InputError } from "../../errors.js";
import { DataType, nodeDisplayName, tensorLabel, tensorToArray, type GraphProto, type NodeProto, type TensorProto } from "../../onnx/index.js";
import { globMatcher } from "./name-glob.js";

/**
 * Element (k, n) of a weight sits at `k * strideK + n * strideN`: k runs over the reduction axis
 * (the input features the weight multiplies), n over the outputs. For MatMul's B [K, N] that is
 * strideK = N, strideN = 1; for Gemm with transB (or B through Transpose) [N, K], 1 and K.
 */
export interface Layout {
  k: number;
  n: number;
  strideK: number;
  strideN: number;
}

export interface Weight {
  name: string;
  tensor: TensorProto;
  dims: [number, number];
  /** Display names of the nodes that read it (MatMul, Gemm, Transpose, Gather), sorted. */
  nodes: string[];
  /** Its layout as a MatMul/Gemm operand; undefined when it has none (see `noLayout`). */
  layout?: Layout;
  /** Why it has no single layout: only a Gather reads it, or nodes read it both ways round. */
  noLayout?: string;
  /** The activations its K axis multiplies (the A operands), sorted; for Wanda's ‖x‖. */
  activations: string[];
  /** Why the default selection leaves it out: an embedding table, or tied to one. */
  reserved?: string;
}

const isFloatMatrix = (t: TensorProto | undefined): t is TensorProto => t !== undefined && t.dataType === DataType.FLOAT && t.dims.length === 2;

/** Every prunable weight of the graph, sorted by name. */
export function findWeights(graph: GraphProto): Weight[] {
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const uses = new Map<string, { nodes: Set<string>; layouts: Layout[]; activations: Set<string>; gather: boolean; other: boolean }>();
  const use = (name: string) => {
    let entry = uses.get(name);
    if (!entry) uses.set(name, (entry = { nodes: new Set(), layouts: [], activations: new Set(), gather: false, other: false }));
    return entry;
  };
  const transposed = new Map<string, { source: string; node: string }>();
  graph.node.forEach((node, index) => {
    const label = nodeDisplayName(node, index);
    if (node.opType === "Transpose" && isFloatMatrix(inits.get(node.input[0] ?? "")) && isSwap(node)) {
      transposed.set(node.output[0]!, { source: node.input[0]!, node: label });
    }
  });
  graph.node.forEach((node, index) => {
    const label = nodeDisplayName(node, index);
    const weightSlot = node.opType === "MatMul" || node.opType === "Gemm" ? 1 : -1;
    node.input.forEach((input, slot) => {
      const through = transposed.get(input);
      const name = through?.source ?? input;
      const tensor = inits.get(name);
      if (!isFloatMatrix(tensor)) return;
      if (node.opType === "Transpose" && transposed.has(node.output[0] ?? "")) return; // counted at its reader
      const entry = use(name);
      entry.nodes.add(label);
      if (through) entry.nodes.add(through.node);
      if (node.opType === "Gather" && slot === 0 && !through && intAttribute(node, "axis", 0) === 0) {
        entry.gather = true;
      } else if (slot === weightSlot) {
        const [rows, cols] = tensor.dims.map(Number) as [number, number];
        const flipped = (through !== undefined) !== (node.opType === "Gemm" && intAttribute(node, "transB", 0) === 1);
        entry.layouts.push(flipped ? { k: cols, n: rows, strideK: 1, strideN: cols } : { k: rows, n: cols, strideK: cols, strideN: 1 });
        if (!(node.opType === "Gemm" && intAttribute(node, "transA", 0) === 1)) entry.activations.add(node.input[0]!);
      } else {
        entry.other = true;
      }
    });
  });

  const tables = [...uses].filter(([, u]) => u.gather && !u.other).map(([name]) => inits.get(name)!);
  const weights: Weight[] = [];
  for (const [name, u] of [...uses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // A tensor also read as something other than a weight (an Add operand, MatMul's A) is not one.
    if (u.other || (u.layouts.length === 0 && !u.gather)) continue;
    const tensor = inits.get(name)!;
    const twoWays = u.layouts.some((l) => l.strideK !== u.layouts[0]!.strideK);
    const layout = twoWays ? undefined : u.layouts[0];
    const noLayout = twoWays ? "is read as a weight both as it is and transposed" : layout ? undefined : "is an embedding table (only Gather reads it)";
    const reserved = u.gather ? "embedding table (read by Gather)" : tiedTable(tensor, tables);
    weights.push({
      name,
      tensor,
      dims: tensor.dims.map(Number) as [number, number],
      nodes: [...u.nodes].sort(),
      ...(layout ? { layout } : {}),
      ...(noLayout ? { noLayout } : {}),
      activations: [...u.activations].sort(),
      ...(reserved ? { reserved } : {}),
    });
  }
  return weights;
}

/**
 * The weight's layout, for a mode that works per output or along K (per-output scope, N:M,
 * Wanda); InputError saying why when it has none.
 */
export function layoutFor(weight: Weight, purpose: string): Layout {
  if (weight.layout) return weight.layout;
  throw new InputError(`prune: '${weight.name}' ${weight.noLayout ?? "has no layout"}, so it has no single input axis for ${purpose}; exclude it, or use magnitude with scope global or per-layer`);
}

/** The weights a step prunes: include (or the default set), minus exclude. */
export function selectWeights(weights: readonly Weight[], include: readonly string[], exclude: readonly string[], warn: (message: string) => void): Weight[] {
  const included = globMatcher(include);
  const excluded = globMatcher(exclude);
  const named = (w: Weight, test: (name: string) => boolean) => test(w.name) || w.nodes.some(test);
  for (const glob of include) {
    const test = globMatcher([glob]);
    if (!weights.some((w) => named(w, test))) warn(`prune: include pattern '${glob}' matches no prunable weight (MatMul/Gemm B operands and Gather tables)`);
  }
  return weights.filter((w) => (include.length > 0 ? named(w, included) : w.reserved === undefined) && !named(w, excluded));
}

/** The weight's values, copied (the model's bytes stay as read); InputError on NaN or Inf. */
export function weightValues(weight: Pick<Weight, "tensor">): Float32Array {
  const values = tensorToArray(weight.tensor, { copy: true }) as Float32Array;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new InputError(`${tensorLabel(weight.tensor)} has a non-finite value (${values[i]}) at element ${i}; slm cannot prune a weight that is NaN or Inf`);
    }
  }
  return values;
}

/** "tied to embedding 'wte.weight'" when `tensor` holds a Gather table's values or their transpose. */
function tiedTable(tensor: TensorProto, tables: readonly TensorProto[]): string | undefined {
  const [rows, cols] = tensor.dims.map(Number) as [number, number];
  for (const table of tables) {
    const [tr, tc] = table.dims.map(Number) as [number, number];
    const same = tr === rows && tc === cols;
    const flipped = tr === cols && tc === rows;
    if (!same && !flipped) continue;
    const a = tensorToArray(tensor) as Float32Array;
    const b = tensorToArray(table) as Float32Array;
    if (same && equalArrays(a, b)) return `tied to embedding '${table.name}'`;
    if (flipped && equalTransposed(a, b, rows, cols)) return `tied to embedding '${table.name}' (transposed)`;
  }
  return undefined;
}

function equalArrays(a: Float32Array, b: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** a [rows, cols] equals bᵀ, b [cols, rows]. */
function equalTransposed(a: Float32Array, b: Float32Array, rows: number, cols: number): boolean {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (a[r * cols + c] !== b[c * rows + r]) return false;
  return true;
}

/** A Transpose that swaps the two axes of a matrix (perm [1, 0], the default for rank 2). */
function isSwap(node: NodeProto): boolean {
  const perm = node.attribute.find((a) => a.name === "perm");
  return perm === undefined || (perm.ints.length === 2 && perm.ints[0] === 1n && perm.ints[1] === 0n);
}

/** An integer attribute's value, or `fallback` when the node does not set it. */
export function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const attribute = node.attribute.find((a) => a.name === name);
  return attribute === undefined ? fallback : Number(attribute.i);
}
