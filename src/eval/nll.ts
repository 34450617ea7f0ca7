/**
 * The causal-LM scoring kernel: negative log-likelihood of each window's next tokens from its
 * logits, with log-softmax computed in float64 by a max-shifted (numerically stable) log-sum-exp.
 */

/**
 * For a batch of windows laid out back to back, returns each window's NLL sum in nats: the
 * logits at positions 0…w-2 scored against the tokens at positions 1…w-1 (a window's first
 * token is never predicted).
 *
 * @param logits `[windows, window, vocab]` float32, row-major
 * @param ids `[windows, window]` the windows' token ids
 *
 * This function is also sent to scoring workers as source text (nll-scorer.ts), so it must
 * stay self-contained: no imports, no helpers, only globals such as Math.
 */
export function windowNllSums(logits: Float32Array, ids: Int32Array, window: number, vocab: number): Float64Array {
  const windows = ids.length / window;
  const sums = new Float64Array(windows);
  for (let w = 0; w < windows; w++) {
    let sum = 0;
    for (let position = 0; position < window - 1; position++) {
      const row = (w * window + position) * vocab;
      const end = row + vocab;
      let max = -Infinity;
      for (let i = row; i < end; i++) if (logits[i]! > max) max = logits[i]!;
      let expSum = 0;
      for (let i = row; i < end; i++) expSum += Math.exp(logits[i]! - max);
      const target = ids[w * window + position + 1]!;
      sum += Math.log(expSum) + max - logits[row + target]!;
    }
    sums[w] = sum;
  }
  return sums;
}
