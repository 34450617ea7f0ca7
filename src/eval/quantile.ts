/**
 * Quantiles by selection (O(n) expected) rather than by sorting, as DESIGN.md asks of numeric
 * kernels.
 */

/**
 * The q-quantile (0 ≤ q ≤ 1) of `values` with linear interpolation between the two closest order
 * statistics (numpy's default, "type 7"). `values` is reordered in place; NaN is not allowed.
 */
export function quantile(values: Float64Array, q: number): number {
  if (values.length === 0) throw new Error("quantile of no values");
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile q must be in [0, 1], got ${q}`);
  const position = q * (values.length - 1);
  const below = Math.floor(position);
  const low = select(values, below);
  if (below === position) return low;
  // After selecting `below`, everything to its right is ≥ it; the next order statistic is their minimum.
  let high = Infinity;
  for (let i = below + 1; i < values.length; i++) high = Math.min(high, values[i]!);
  return low + (high - low) * (position - below);
}

/** Rearranges `values` so that index k holds the k-th smallest, smaller ones before it, larger after (quickselect with Hoare partitioning). */
function select(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (left < right) {
    // Median of three keeps sorted and reversed inputs from degrading to O(n²).
    const middle = (left + right) >>> 1;
    const pivot = medianOfThree(values[left]!, values[middle]!, values[right]!);
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k]!;
}

function medianOfThree(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}
