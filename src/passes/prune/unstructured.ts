/**
 * Unstructured and N:M pruning: zero the lowest-scoring weight elements, chosen across all
 * selected weights (global, torch's `global_unstructured`), in each weight (per-layer, torch's
 * `l1_unstructured`), in each output of each weight (per-output, Wanda's comparison group), or
 * in each group of M consecutive inputs of each output (N:M: keep the N best of every M).
 */
import { InputError } from "../../errors.js";
import type { PrunePattern, PruneScope } from "./params.js";
import { countToPrune, positionDecidedTies, smallestCut, zeroPruned } from "./select-smallest.js";
import { layoutFor, type Weight } from "./weights.js";

/**
 * A weight's values (pruned in place) and the scores that rank them, element for element, by
 * absolute value: for magnitude pruning `scores` is `values` itself.
 */
export interface ScoredWeight {
  weight: Weight;
  values: Float32Array;
  scores: Float32Array;
}

/**
 * Prunes `sparsity` of the elements of `items` within each `scope` group. Returns how many
 * scores sat at a threshold where position decided among equal scores (0 in the usual case).
 */
export function pruneUnstructured(items: readonly ScoredWeight[], sparsity: number, scope: PruneScope): number {
  switch (scope) {
    case "global":
      return pruneGlobal(items, sparsity);
    case "per-layer": {
      let ties = 0;
      for (const { scores, values } of items) {
        const cut = smallestCut(scores, countToPrune(sparsity, scores.length));
        zeroPruned(scores, cut, values);
        ties += positionDecidedTies(cut);
      }
      return ties;
    }
    case "per-output":
      return items.reduce((ties, item) => ties + prunePerOutput(item, sparsity), 0);
  }
}

function pruneGlobal(items: readonly ScoredWeight[], sparsity: number): number {
  const total = items.reduce((sum, item) => sum + item.scores.length, 0);
  const cut = smallestCut(items.map((item) => item.scores), countToPrune(sparsity, total));
  // One cut over all weights in order (as torch concatenates them): ties are taken in that order.
  let taken = 0;
  for (const { scores, values } of items) taken = zeroPruned(scores, cut, values, 0, 1, taken);
  return positionDecidedTies(cut);
}

function prunePerOutput({ weight, scores, values }: ScoredWeight, sparsity: number): number {
  const { k, n, strideK, strideN } = layoutFor(weight, "per-output scope");
  const column = new Float32Array(k);
  const count = countToPrune(sparsity, k);
  let ties = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < k; i++) column[i] = scores[i * strideK + j * strideN]!;
    const cut = smallestCut(column, count);
    zeroPruned(column, cut, values, j * strideN, strideK);
    ties += positionDecidedTies(cut);
  }
  return ties;
}

/**
 * N:M: in each output, every group of M consecutive inputs (along K) keeps its N highest scores
 * and loses the other M − N; among equal scores the earlier input is pruned first. InputError
 * when K is not a multiple of M (a partial group could not satisfy the pattern).
 */
export function pruneNM({ weight, scores, values }: ScoredWeight, pattern: Exclude<PrunePattern, "unstructured">): void {
  const [keep, group] = pattern.split(":").map(Number) as [number, number];
  const { k, n, strideK, strideN } = layoutFor(weight, `the ${pattern} pattern`);
  if (k % group !== 0) {
    throw new InputError(`prune: weight '${weight.name}' has ${k} input features, not a multiple of ${group}, so it cannot follow the ${pattern} pattern (exclude it)`);
  }
  const drop = group - keep;
  const chosen = new Uint8Array(group);
  for (let j = 0; j < n; j++) {
    for (let start = 0; start < k; start += group) {
      chosen.fill(0);
      for (let round = 0; round < drop; round++) {
        // The smallest score not yet chosen; strict < keeps the earliest of equal scores.
        let best = -1;
        let bestScore = Infinity;
        for (let t = 0; t < group; t++) {
          const s = Math.abs(scores[(start + t) * strideK + j * strideN]!);
          if (chosen[t] === 0 && (best < 0 || s < bestScore)) {
            best = t;
            bestScore = s;
          }
        }
        chosen[best] = 1;
        values[(start + best) * strideK + j * strideN] = 0;
      }
    }
  }
}
