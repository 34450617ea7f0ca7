/**
 * The activation scale λ of every on-chip layer that needs one, from the calibration statistics
 * of the tensor it stands for: an encoder's analog input, a spiking layer's ReLU output, a
 * spike-decoded readout's output. A tensor whose statistics are all zero is a dead layer: a
 * warning, and λ = 1 so nothing divides by zero.
 */
import { InputError } from "../../errors.js";
import type { CalibrationStats, TensorStats } from "../calibrate/stats.js";
import { activationScale, type BalanceOptions, type Scale } from "./balance.js";
import type { PlannedLayer } from "./partition.js";

/**
 * Which readouts get a λ: all ("required": spike decoding needs it, missing statistics are an
 * error), those whose statistics exist ("optional": a membrane-decoded readout's spikeNeuron,
 * for chips that must decode it from spikes; no warnings), or none.
 */
export type ReadoutScales = "required" | "optional" | "none";

/** λ per layer: encoders, spiking layers, and readouts as `readouts` says. */
export function layerScales(
  layers: readonly PlannedLayer[],
  stats: CalibrationStats,
  options: BalanceOptions,
  readouts: ReadoutScales,
  warn: (message: string) => void,
  statsPath: string,
): Map<PlannedLayer, Scale> {
  const scales = new Map<PlannedLayer, Scale>();
  const lookup = (layer: PlannedLayer, names: (string | undefined)[]): TensorStats => {
    for (const name of names) if (name !== undefined && stats.tensors[name]) return stats.tensors[name]!;
    throw new InputError(
      `convert: the calibration statistics have no entry for '${names.find((n) => n !== undefined)}' (layer ${layer.name}); were they computed on this model?`,
      { location: { file: statsPath } },
    );
  };
  for (const layer of layers) {
    let tensorStats: TensorStats;
    let channels: number;
    if (layer.kind === "encoder") {
      const reader = layers.find((other) => other.synapse && other.input === layer.output)!.synapse!;
      tensorStats = lookup(layer, [layer.input, reader.directInput]);
      channels = reader.inFeatures;
    } else if (layer.kind === "spiking") {
      tensorStats = lookup(layer, [layer.output]);
      channels = layer.synapse!.outFeatures;
    } else if (readouts !== "none") {
      const synapse = layer.synapse!;
      const affine = stats.tensors[synapse.affine];
      if (readouts === "optional" && !affine && !stats.tensors[synapse.product]) continue;
      // Without statistics of the biased output, bound it by the product's and the largest bias.
      tensorStats = affine ?? widened(lookup(layer, [synapse.product]), synapse.bias);
      channels = synapse.outFeatures;
    } else {
      continue;
    }
    const scale = activationScale(tensorStats, channels, options);
    if (layer.kind === "readout" && readouts === "optional") {
      scales.set(layer, scale);
      continue;
    }
    if (scale.dead) {
      warn(`convert: layer ${layer.name} is dead: its calibration activations are all zero, so its threshold scale falls back to 1`);
    }
    if (scale.fallback) warn(`convert: layer ${layer.name} gets one threshold for all neurons: ${scale.fallback}`);
    scales.set(layer, scale);
  }
  return scales;
}

function widened(stats: TensorStats, bias: Float32Array | undefined): TensorStats {
  const largest = bias ? bias.reduce((max, b) => Math.max(max, Math.abs(b)), 0) : 0;
  const { channelSquareSums: _dropped, ...rest } = stats;
  return { ...rest, min: stats.min - largest, max: stats.max + largest };
}
