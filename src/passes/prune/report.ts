/**
 * The prune step's `report.json`: what it did to each tensor (shape, elements, zeros, bytes,
 * before and after), what it removed (structured), and what it left alone and why. JSON with
 * tensors sorted by name, so the same run writes the same bytes.
 */
import type { StructureRemoval } from "./structured/remove.js";
import type { PruneParams } from "./params.js";

export interface TensorChange {
  name: string;
  /** The nodes that read it. */
  nodes: string[];
  shapeBefore: number[];
  shape: number[];
  elementsBefore: number;
  elements: number;
  zerosBefore: number;
  zeros: number;
  sparsityBefore: number;
  sparsity: number;
  bytesBefore: number;
  bytes: number;
}

export interface PruneReport {
  pass: "prune";
  params: PruneParams;
  /** How to read the figures (dense storage of zeros, tie handling). */
  notes: string[];
  summary: {
    tensors: number;
    elementsBefore: number;
    elements: number;
    zeros: number;
    /** zeros / elements over the pruned tensors. */
    sparsity: number;
    parametersBefore: number;
    parameters: number;
    modelBytesBefore: number;
    modelBytes: number;
    /** Scores equal to a threshold where position, not score, chose which were pruned. */
    tiesDecidedByPosition: number;
  };
  tensors: TensorChange[];
  removed: StructureRemoval[];
  /** Weights this step did not prune, and why (embedding, tied head, excluded, not in a block). */
  untouched: { name: string; reason: string }[];
}

/** Zero elements of a float array (−0 included). */
export function countZeros(values: Float32Array): number {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let zeros = 0;
  // Branch-free (pruned tensors are half zeros at random places): ±0 alone has magnitude bits 0.
  for (let i = 0; i < bits.length; i++) zeros += ((bits[i]! & 0x7fffffff) - 1) >>> 31;
  return zeros;
}

/** A tensor's change, with sparsities to 6 decimals. */
export function tensorChange(
  name: string,
  nodes: string[],
  before: { shape: number[]; zeros: number },
  after: { shape: number[]; zeros: number },
): TensorChange {
  const elementsBefore = product(before.shape);
  const elements = product(after.shape);
  return {
    name,
    nodes,
    shapeBefore: before.shape,
    shape: after.shape,
    elementsBefore,
    elements,
    zerosBefore: before.zeros,
    zeros: after.zeros,
    sparsityBefore: ratio(before.zeros, elementsBefore),
    sparsity: ratio(after.zeros, elements),
    bytesBefore: elementsBefore * 4,
    bytes: elements * 4,
  };
}

/** a / b to 6 decimals (0 when b is 0). */
export function ratio(a: number, b: number): number {
  return b === 0 ? 0 : Math.round((a / b) * 1e6) / 1e6;
}

function product(dims: readonly number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}
