/**
 * How closely the spiking network's outputs follow the ANN's, row by row (a sample, or a scored
 * token position): top-1 agreement and KL(ANN ‖ SNN) of their softmax distributions, in nats.
 */

/** Running sums over rows. */
export class Agreement {
  private rows = 0;
  private agreeing = 0;
  private klSum = 0;

  /** Adds rows `[first, first + count)` of two row-major [rows, classes] logit arrays. */
  add(ann: Float32Array, snn: Float32Array, classes: number, first = 0, count = ann.length / classes - first): void {
    for (let r = first; r < first + count; r++) {
      const at = r * classes;
      if (argmax(ann, at, classes) === argmax(snn, at, classes)) this.agreeing++;
      this.klSum += klDivergence(ann, snn, at, classes);
      this.rows++;
    }
  }

  /** Top-1 agreement and mean KL over the rows added (zeros when none were). */
  result(): { top1: number; kl: number; rows: number } {
    return this.rows === 0 ? { top1: 0, kl: 0, rows: 0 } : { top1: this.agreeing / this.rows, kl: this.klSum / this.rows, rows: this.rows };
  }
}

/** Index of the largest value of `values[at, at + n)` (the first on ties). */
export function argmax(values: Float32Array, at: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (values[at + c]! > values[at + best]!) best = c;
  return best;
}

/** KL(softmax(p) ‖ softmax(q)) over `n` logits at `at`, in float64 with max-shifted log-sum-exp. */
export function klDivergence(p: Float32Array, q: Float32Array, at: number, n: number): number {
  const lseP = logSumExp(p, at, n);
  const lseQ = logSumExp(q, at, n);
  let kl = 0;
  for (let c = 0; c < n; c++) {
    const logP = p[at + c]! - lseP;
    const logQ = q[at + c]! - lseQ;
    kl += Math.exp(logP) * (logP - logQ);
  }
  return Math.max(0, kl);
}

function logSumExp(values: Float32Array, at: number, n: number): number {
  let max = -Infinity;
  for (let c = 0; c < n; c++) if (values[at + c]! > max) max = values[at + c]!;
  let sum = 0;
  for (let c = 0; c < n; c++) sum += Math.exp(values[at + c]! - max);
  return max + Math.log(sum);
}
