/**
 * Multi-head attention blocks found from the graph, in the form torch.onnx writes a fused-qkv
 * GPT block:
 *
 *   qkv linear [d, 3C] → Split(C, C, C) → per part: Reshape [..., H, dh] → Transpose (heads to
 *   a batch axis) → attention (MatMul, scale, mask, Softmax, MatMul) → Transpose (heads back
 *   next to dh) → Reshape [..., C] → proj linear [C, d_out]
 *
 * Every head is an independent batch slice between the two Transposes, so removing head h
 * removes columns h·dh … h·dh+dh−1 of each of q, k and v (weight and bias), rows of the same
 * range of proj, and changes the head count and widths the Split sizes and Reshape shapes
 * encode. Anything inside that region that could mix heads (an op slm does not know, a per-head
 * constant) makes the block unrecognized, and removal then fails naming the node.
 */
import type { NodeProto } from "../../../onnx/index.js";
import { intAttribute } from "../weights.js";
import type { GraphIndex } from "./graph-index.js";
import { linearAt, type Linear } from "./linear.js";
import { readShapeVector, type ShapeVector } from "./shape-vector.js";

export interface AttentionBlock {
  qkv: Linear;
  proj: Linear;
  heads: number;
  headDim: number;
  /** Every node between the head split and the head merge (Softmax included). */
  region: Set<NodeProto>;
  /** Writes a new head count into the Split sizes and the Reshape shapes. */
  setHeads(kept: number): void;
}

/** Ops that act on each head's slice alone (given head-free side inputs). */
const HEAD_WISE = new Set(["MatMul", "Mul", "Div", "Add", "Sub", "Where", "Softmax", "Cast", "Identity", "Neg"]);

/**
 * The attention blocks of the graph, and for each Split that starts like one (it splits a linear
 * layer's output) but is not, why. `opset` decides Softmax's default axis.
 */
export function findAttentionBlocks(index: GraphIndex, opset: number): { blocks: AttentionBlock[]; failures: string[] } {
  const blocks: AttentionBlock[] = [];
  const failures: string[] = [];
  for (const split of index.graph.node) {
    if (split.opType !== "Split") continue;
    const qkv = producingLinear(index, split.input[0] ?? "");
    if (!qkv) continue;
    const found = recognize(index, split, qkv, opset);
    if (typeof found === "string") failures.push(`Split '${index.label(split)}': ${found}`);
    else blocks.push(found);
  }
  return { blocks, failures };
}

function producingLinear(index: GraphIndex, value: string): Linear | undefined {
  const producer = index.producedBy.get(value);
  const candidates = producer?.opType === "Add" ? producer.input.map((v) => index.producedBy.get(v)) : [producer];
  for (const node of candidates) {
    const linear = node && linearAt(index, node);
    if (linear?.output === value) return linear;
  }
  return undefined;
}

function recognize(index: GraphIndex, split: NodeProto, qkv: Linear, opset: number): AttentionBlock | string {
  if (split.output.length !== 3) return `it splits into ${split.output.length} parts, not q, k and v`;
  const sizes = splitSizes(index, split);
  if (typeof sizes === "string") return sizes;
  const width = qkv.layout.n / 3;
  if (sizes && !sizes.every((s) => s === width)) return `its sizes [${sizes.join(", ")}] are not three equal parts of ${qkv.layout.n}`;

  const parts: { reshape: NodeProto; shape: ShapeVector; headPos: number }[] = [];
  let rank = 0;
  let heads = 0;
  let headDim = 0;
  for (const part of split.output) {
    const reshape = index.soleConsumer(part);
    if (reshape?.opType !== "Reshape" || intAttribute(reshape, "allowzero", 0) !== 0) return `part '${part}' is not read by exactly one Reshape`;
    const shape = readShapeVector(index, reshape);
    if (typeof shape === "string") return shape;
    const r = shape.entries.length;
    const [h, dh] = headsAndDim(shape.entries[r - 2], shape.entries[r - 1], width);
    if (r < 3 || h === undefined || dh === undefined) return `Reshape '${index.label(reshape)}' does not split ${width} features into [heads, head_dim] on its last two axes`;
    if (parts.length > 0 && (r !== rank || h !== heads || dh !== headDim)) return `Reshape '${index.label(reshape)}' splits heads differently from the other parts`;
    [rank, heads, headDim] = [r, h, dh];
    const transpose = index.soleConsumer(reshape.output[0]!);
    const perm = transpose?.opType === "Transpose" ? permutation(transpose) : undefined;
    // Heads must become a batch axis (not one of the two matrix axes) and head_dim a matrix axis.
    const headPos = perm?.indexOf(r - 2) ?? -1;
    if (!perm || perm.length !== r || headPos < 0 || headPos >= r - 2 || perm.indexOf(r - 1) < r - 2) {
      return `Reshape '${index.label(reshape)}' is not followed by a Transpose that moves the heads to a batch axis`;
    }
    if (parts.length > 0 && headPos !== parts[0]!.headPos) return `the parts put their heads on different axes`;
    parts.push({ reshape, shape, headPos });
  }
  const splitAxis = intAttribute(split, "axis", 0);
  if (splitAxis !== -1 && splitAxis !== rank - 2) return `it splits axis ${splitAxis}, not the features axis`;
  const headPos = parts[0]!.headPos;

  const starts = parts.map((p) => index.soleConsumer(p.reshape.output[0]!)!);
  const walked = walkRegion(index, starts, rank, headPos, opset);
  if (typeof walked === "string") return walked;
  const { region, merge } = walked;
  const mergeReshape = index.soleConsumer(merge.output[0]!);
  if (mergeReshape?.opType !== "Reshape" || intAttribute(mergeReshape, "allowzero", 0) !== 0) return `Transpose '${index.label(merge)}' is not read by exactly one Reshape`;
  const merged = readShapeVector(index, mergeReshape);
  if (typeof merged === "string") return merged;
  const last = merged.entries.length - 1;
  if (merged.entries.length !== rank - 1 || ![width, -1, "dynamic"].includes(merged.entries[last]!)) {
    return `Reshape '${index.label(mergeReshape)}' does not merge [heads, head_dim] back into ${width} features`;
  }
  const projNode = index.soleConsumer(mergeReshape.output[0]!);
  const proj = projNode && linearAt(index, projNode);
  if (!proj || proj.input !== mergeReshape.output[0] || proj.layout.k !== width) {
    return `Reshape '${index.label(mergeReshape)}' does not feed a linear layer with ${width} inputs`;
  }
  const sideProblem = headMixingInput(index, region, new Set(starts), rank, headPos);
  if (sideProblem) return sideProblem;

  return {
    qkv,
    proj,
    heads,
    headDim,
    region,
    setHeads(kept) {
      const keptWidth = kept * headDim;
      for (const { shape } of parts) if (shape.entries[rank - 2] !== -1) shape.set(rank - 2, kept);
      if (merged.entries[last] !== -1) merged.set(last, keptWidth);
      if (!sizes) return;
      const attribute = split.attribute.find((a) => a.name === "split");
      if (attribute) attribute.ints = [BigInt(keptWidth), BigInt(keptWidth), BigInt(keptWidth)];
      else split.input[1] = index.addInt64(`${split.input[1]}_pruned`, [keptWidth, keptWidth, keptWidth], split);
    },
  };
}

/** The Split's sizes (from its `split` input or attribute), undefined when it splits evenly, or why they are unusable. */
function splitSizes(index: GraphIndex, split: NodeProto): number[] | undefined | string {
  const attribute = split.attribute.find((a) => a.name === "split");
  if (attribute) return attribute.ints.map(Number);
  const input = split.input[1] ?? "";
  if (input === "") return undefined;
  if (index.readers(input).length !== 1) return `its sizes '${input}' are shared with other nodes`;
  return index.constantValues(input)?.values ?? `its sizes '${input}' are not a constant`;
}

/** [heads, head_dim] from the last two Reshape entries (one may be −1), when they multiply to `width`. */
function headsAndDim(h: number | "dynamic" | undefined, dh: number | "dynamic" | undefined, width: number): [number?, number?] {
  if (typeof h !== "number" || typeof dh !== "number") return [];
  const heads = h === -1 ? width / dh : h;
  const dim = dh === -1 ? width / h : dh;
  return Number.isInteger(heads) && Number.isInteger(dim) && heads > 0 && dim > 0 && heads * dim === width ? [heads, dim] : [];
}

function permutation(node: NodeProto): number[] | undefined {
  const perm = node.attribute.find((a) => a.name === "perm");
  return perm ? perm.ints.map(Number) : undefined;
}

/**
 * The nodes from the three head-split Transposes to the one Transpose that moves the heads back
 * next to head_dim (`merge`), or why the region is not one this pass understands.
 */
function walkRegion(index: GraphIndex, starts: NodeProto[], rank: number, headPos: number, opset: number): { region: Set<NodeProto>; merge: NodeProto } | string {
  const region = new Set<NodeProto>(starts);
  const merges = new Set<NodeProto>();
  const queue = starts.flatMap((node) => node.output);
  while (queue.length > 0) {
    const value = queue.pop()!;
    if (index.outputs.has(value)) return `the per-head value '${value}' is a graph output`;
    for (const reader of index.readers(value)) {
      if (region.has(reader) || merges.has(reader)) continue;
      const perm = reader.opType === "Transpose" ? permutation(reader) : undefined;
      if (perm && perm.length === rank && perm[rank - 2] === headPos && perm[rank - 1] === rank - 1) {
        merges.add(reader);
        continue;
      }
      if (!HEAD_WISE.has(reader.opType)) return `${reader.opType} '${index.label(reader)}' reads the per-head values, and slm does not know whether it keeps heads apart`;
      if (reader.opType === "Softmax") {
        const axis = intAttribute(reader, "axis", opset >= 13 ? -1 : 1);
        if (axis !== -1 && axis !== rank - 1) return `Softmax '${index.label(reader)}' normalizes axis ${axis}, not the last one`;
      }
      region.add(reader);
      queue.push(...reader.output);
    }
  }
  if (merges.size !== 1) return `the heads are merged back by ${merges.size} Transposes, not one`;
  return { region, merge: [...merges][0]! };
}

/**
 * Ops through which a value entering the region is traced back to its sources, and which of
 * their inputs carry data (Slice's and Expand's other inputs are index and shape vectors).
 */
const TRACED: ReadonlyMap<string, number[] | "all"> = new Map<string, number[] | "all">([
  ...["Cast", "Not", "Neg", "Identity", "Where", "Mul", "Add", "Sub", "Div", "And", "Or", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"].map(
    (op): [string, "all"] => [op, "all"],
  ),
  ["Slice", [0]],
  ["Expand", [0]],
]);

/**
 * Why a value entering the region from outside could differ per head (a constant or graph input
 * with a non-1 extent on the head axis, once broadcast to `rank`, or a source slm cannot trace),
 * or undefined when none can. Shape-derived values are computed at run time from the pruned
 * tensors, so they stay consistent.
 */
function headMixingInput(index: GraphIndex, region: Set<NodeProto>, starts: Set<NodeProto>, rank: number, headPos: number): string | undefined {
  const inside = new Set([...region].flatMap((node) => node.output));
  const seen = new Set<string>();
  const check = (value: string, reader: NodeProto): string | undefined => {
    if (value === "" || inside.has(value) || seen.has(value)) return undefined;
    seen.add(value);
    const dims = index.constantValues(value)?.dims ?? declaredDims(index, value, rank);
    if (dims) {
      const axis = headPos - (rank - dims.length);
      const extent = axis >= 0 ? dims[axis] : 1;
      return extent === 1 ? undefined : `'${value}', read by ${reader.opType} '${index.label(reader)}', may differ per head (extent ${extent ?? "unknown"} on the head axis)`;
    }
    const producer = index.producedBy.get(value);
    if (!producer || producer.opType === "Shape") return undefined;
    const traced = TRACED.get(producer.opType);
    if (!traced) return `'${value}', read by ${reader.opType} '${index.label(reader)}', comes from ${producer.opType} '${index.label(producer)}', which slm cannot trace to tell whether it differs per head`;
    const inputs = traced === "all" ? producer.input : traced.map((i) => producer.input[i] ?? "");
    for (const input of inputs) {
      const problem = check(input, producer);
      if (problem) return problem;
    }
    return undefined;
  };
  for (const node of region) {
    if (starts.has(node)) continue;
    for (const input of node.input) {
      const problem = check(input, node);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * A graph input's declared dims (unknown extents as undefined; all unknown, at `rank`, when it
 * declares no shape), or undefined for values that are not graph inputs.
 */
function declaredDims(index: GraphIndex, value: string, rank: number): (number | undefined)[] | undefined {
  const input = index.graph.input.find((i) => i.name === value);
  if (!input) return undefined;
  const type = input.type?.value;
  const shape = type?.case === "tensorType" ? type.value.shape : undefined;
  if (!shape) return new Array<undefined>(rank).fill(undefined);
  return shape.dim.map((d) => (d.value.case === "dimValue" ? Number(d.value.value) : undefined));
}
