/**
 * The calibration artifact: per-tensor activation statistics of one model over the configured
 * calibration data, written by the `calibrate` stage and read by passes that need activations
 * (static quantization ranges, Wanda pruning, spiking threshold balancing). Changing how a pass
 * *uses* the statistics (a percentile, a method) never reruns calibration.
 *
 * File: `stats.json`, JSON, deterministic: tensors sorted by name (code-unit order), one tensor
 * per line, numbers as JavaScript prints them.
 *
 * Tensors covered: every float32 value that is an input or output of a MatMul, Gemm, Conv or
 * Relu node, and every float32 graph input and output; never initializers or Constant outputs.
 */
import { readFile } from "node:fs/promises";
import { InputError } from "../../errors.js";

export interface CalibrationStats {
  version: 1;
  /** Inference runs (windows or samples) the statistics cover. */
  samples: number;
  tensors: Record<string, TensorStats>;
}

export interface TensorStats {
  /** Elements observed (all samples). */
  count: number;
  /** Smallest and largest value observed; both 0 when `count` is 0. */
  min: number;
  max: number;
  /** Fraction of elements that were exactly 0 (dead units, ReLU sparsity); 0 when `count` is 0. */
  zeroFraction: number;
  /**
   * Signed histogram over [-range, range] with `counts.length` equal-width bins (bin i covers
   * [-range + i·w, -range + (i+1)·w), w = 2·range / counts.length; the last bin is closed).
   * Percentile calibration folds it to |x|; entropy calibration uses it as is.
   *
   * `range` is the smallest power of two ≥ max|x| (so ≥ counts.length / 4 bins cover
   * [0, max|x|]), which makes merging batches exact: growing the range by 2^k joins 2^k bins
   * into one. A tensor whose observed values are all 0 (a dead layer) has range 0 and all its
   * counts in bin counts.length / 2; consumers must treat range 0 as "no range" (warn, never
   * divide by it). The counts always sum to `count`.
   */
  histogram: { range: number; counts: number[] };
  /**
   * Sum over all observed rows of x², per index of the last axis (the features a MatMul/Gemm
   * reads): ‖x_j‖² for Wanda's |W|·‖x‖ score. Present for tensors whose last axis is the
   * contracted axis of a MatMul or Gemm that reads them: MatMul input A, Gemm input A without
   * transA, Gemm input B with transB.
   */
  channelSquareSums?: number[];
}

/** stats.json's text: the same statistics always give the same bytes. */
export function formatCalibrationStats(stats: CalibrationStats): string {
  const names = Object.keys(stats.tensors).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = names.map((name) => {
    const tensor = stats.tensors[name]!;
    // Fields in a fixed order, whatever order the object was built in.
    const ordered: TensorStats = {
      count: tensor.count,
      min: tensor.min,
      max: tensor.max,
      zeroFraction: tensor.zeroFraction,
      histogram: { range: tensor.histogram.range, counts: tensor.histogram.counts },
      ...(tensor.channelSquareSums ? { channelSquareSums: tensor.channelSquareSums } : {}),
    };
    return `${JSON.stringify(name)}:${JSON.stringify(ordered)}`;
  });
  return `{"version":${stats.version},"samples":${stats.samples},"tensors":{\n${lines.join(",\n")}\n}}\n`;
}

/** Reads a stats.json; InputError naming the file when it cannot be read or is not version 1. */
export async function readCalibrationStats(path: string): Promise<CalibrationStats> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new InputError(`calibration statistics cannot be read: ${(error as Error).message}`, { location: { file: path }, cause: error });
  }
  const stats = value as Partial<CalibrationStats> | null;
  if (stats === null || typeof stats !== "object" || stats.version !== 1 || typeof stats.tensors !== "object" || stats.tensors === null) {
    throw new InputError("calibration statistics are not a version 1 stats.json (src/passes/calibrate/stats.ts)", { location: { file: path } });
  }
  return stats as CalibrationStats;
}
