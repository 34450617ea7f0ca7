/**
 * What a TrueNorth neuron can weigh: every input reaches it through a binary crossbar bit on an
 * axon, and the neuron has one signed integer weight per axon type (4 types). slm uses two types
 * per input — a positive copy of the axon (the neuron's weight +m) and a negative copy (−m) — so
 * a neuron's synapses are ternary {−1, 0, +1} × its own integer weight m. Thresholds are integers
 * too, and the per-tick leak (a signed integer added every tick) carries the bias.
 *
 * Pure functions: the legalize stage applies them to every on-chip layer of the SNN IR.
 */

/** Ternary synapses of one neuron: t_i ∈ {−1, 0, +1} and the magnitude α that minimizes Σ (c_i − α·t_i)². */
export interface Ternary {
  signs: Int8Array;
  alpha: number;
}

/**
 * The least-squares ternary approximation of `weights` (one neuron's real input weights):
 * keep the k largest |c| (sign kept), weight α = their mean |c|, with k maximizing
 * (Σ top-k |c|)² / k — the exact optimum (Li et al., "Ternary weight networks", 2016, derive the
 * same objective; they approximate k with a threshold, slm searches it exactly). Ties keep the
 * lower input index, so the result is deterministic.
 */
export function ternarize(weights: ArrayLike<number>): Ternary {
  const n = weights.length;
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (weights[i] !== 0) order.push(i);
  order.sort((a, b) => Math.abs(weights[b]!) - Math.abs(weights[a]!) || a - b);
  let sum = 0;
  let best = 0;
  let bestK = 0;
  let bestSum = 0;
  for (let k = 1; k <= order.length; k++) {
    sum += Math.abs(weights[order[k - 1]!]!);
    const gain = (sum * sum) / k;
    if (gain > best) {
      best = gain;
      bestK = k;
      bestSum = sum;
    }
  }
  const signs = new Int8Array(n);
  for (let k = 0; k < bestK; k++) signs[order[k]!] = weights[order[k]!]! > 0 ? 1 : -1;
  return { signs, alpha: bestK > 0 ? bestSum / bestK : 0 };
}

/** The integer registers of one neuron: weight magnitude m, threshold 2^shift, leak (bias per tick). */
export interface NeuronRegisters {
  /** Integer weight magnitude of the neuron's positive axon type (the negative type holds −m). */
  weight: number;
  /** The threshold is 2^shift integer units. */
  shift: number;
  /** Signed integer added every tick. */
  leak: number;
  /** The weight wanted more than `maxWeight` units even at threshold 1 and was clipped. */
  saturated: boolean;
  /** The leak was clipped to ±maxLeak. */
  leakClipped: boolean;
}

/** Register widths the profile gives. */
export interface RegisterLimits {
  /** Largest |weight| a neuron's axon-type weight holds (e.g. 255 for 9-bit signed). */
  maxWeight: number;
  /** Largest |leak|. */
  maxLeak: number;
  /** Largest threshold exponent: thresholds are 2^0 … 2^maxShift units. */
  maxShift: number;
}

/**
 * Integer registers for a neuron whose ternary synapses are worth `weight` and whose bias is
 * `bias`, both in units of its threshold. The threshold is a power of two, 2^s, with s as large
 * as the weight and leak registers allow (finest resolution): m = round(weight·2^s) ≤ maxWeight
 * and |round(bias·2^s)| ≤ maxLeak. A power-of-two threshold costs at most one bit of weight
 * resolution (m stays within [maxWeight/2, maxWeight] when the weight limits s) and makes the
 * fixed-point simulation with 2^maxShift threshold units exact (m·2^(maxShift−s) is an integer).
 */
export function neuronRegisters(weight: number, bias: number, limits: RegisterLimits): NeuronRegisters {
  const fits = (s: number): boolean => Math.round(weight * 2 ** s) <= limits.maxWeight && Math.abs(Math.round(bias * 2 ** s)) <= limits.maxLeak;
  let shift = limits.maxShift;
  while (shift > 0 && !fits(shift)) shift--;
  const rawWeight = Math.round(weight * 2 ** shift);
  const rawLeak = Math.round(bias * 2 ** shift);
  return {
    weight: Math.min(rawWeight, limits.maxWeight),
    shift,
    // + 0 turns −0 into 0, so a zero leak is stored as +0.0.
    leak: Math.max(-limits.maxLeak, Math.min(limits.maxLeak, rawLeak)) + 0,
    saturated: rawWeight > limits.maxWeight,
    leakClipped: Math.abs(rawLeak) > limits.maxLeak,
  };
}
