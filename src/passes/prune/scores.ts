/**
 * Wanda's importance scores of weight elements, |w_kn| · ‖x_k‖, where ‖x_k‖ is the L2 norm of
 * input feature k over the calibration tokens (Sun et al. 2023, "A Simple and Effective Pruning
 * Approach for Large Language Models"). Float32, as Wanda's reference code computes them.
 * Magnitude pruning needs no scores: the weights are compared by absolute value directly.
 */
import { SlmError } from "../../errors.js";
import type { CalibrationStats } from "../calibrate/stats.js";
import type { Layout, Weight } from "./weights.js";

/** |w_kn| · norms[k] for every element of a weight laid out as `layout`. */
export function wandaScores(values: Float32Array, layout: Layout, norms: Float64Array): Float32Array {
  const { k: rows, n: cols, strideK, strideN } = layout;
  const scores = new Float32Array(values.length);
  for (let k = 0; k < rows; k++) {
    const norm = norms[k]!;
    for (let n = 0; n < cols; n++) {
      const at = k * strideK + n * strideN;
      scores[at] = Math.abs(values[at]!) * norm;
    }
  }
  return scores;
}


/**
 * ‖x_k‖ over the calibration data for each input feature k of `weight`: the square root of the
 * channel square sums of every activation the weight multiplies (summed when it is shared).
 * SlmError when the statistics lack them: the calibrate stage records them for every MatMul and
 * Gemm input, so a gap means the statistics belong to another model.
 */
export function activationNorms(weight: Weight, stats: CalibrationStats, features: number): Float64Array {
  if (weight.activations.length === 0) {
    throw new SlmError(`prune: weight '${weight.name}' has no activation input whose last axis it multiplies (nodes ${weight.nodes.join(", ")}); activation-aware pruning cannot score it`);
  }
  const sums = new Float64Array(features);
  for (const activation of weight.activations) {
    const channel = stats.tensors[activation]?.channelSquareSums;
    if (!channel) {
      throw new SlmError(`prune: the calibration statistics have no channelSquareSums for '${activation}', the input of weight '${weight.name}'`);
    }
    if (channel.length !== features) {
      throw new SlmError(`prune: channelSquareSums of '${activation}' has ${channel.length} entries, but weight '${weight.name}' has ${features} input features`);
    }
    for (let k = 0; k < features; k++) sums[k] = sums[k]! + channel[k]!;
  }
  return sums.map(Math.sqrt);
}
