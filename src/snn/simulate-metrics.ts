/**
 * The simulate stage's figures from the simulator's tallies: per layer where it ran, its firing
 * rate, spikes, synaptic ops, neuron updates, MACs and bytes; and totals, including the share of
 * the network's MACs that ran as spikes on chip and the share computed on the host.
 */
import type { Json } from "../util/canonical-json.js";
import type { LayerTally } from "./simulate.js";

/**
 * metrics.json's `layers` and `spiking` (network totals), given the tallies and how many
 * evaluation units (samples or windows: one inference each) ran. Counts are totals over the
 * evaluation; the `…PerInference` figures divide them by the units.
 */
export function costFigures(tallies: readonly LayerTally[], timesteps: number, units: number): { layers: Json[]; spiking: Record<string, Json> } {
  const perInference = (count: number): number => round(count / units);
  const layers = tallies.map((t): Json => {
    const onChip = t.type !== "host";
    const figures: Record<string, Json> = { name: t.name, type: t.type, where: onChip ? "chip" : "host" };
    if (onChip) {
      const slots = t.neurons * t.rows * timesteps;
      figures.neurons = t.neurons;
      figures.rows = t.rows;
      if (t.emits) {
        figures.spikes = t.spikes;
        figures.spikesPerInference = perInference(t.spikes);
        figures.firingRate = slots > 0 ? round(t.spikes / slots) : 0;
        // Neurons that never fired over the whole evaluation (dead or silenced by thresholds).
        figures.silentNeurons = t.neuronSpikes.reduce((n, s) => n + (s === 0 ? 1 : 0), 0);
      }
      figures.synapticOps = t.synapticOps;
      figures.synapticOpsPerInference = perInference(t.synapticOps);
      figures.neuronUpdates = { active: t.activeUpdates, idle: t.idleUpdates };
    } else {
      figures.runs = t.rows;
    }
    figures.macs = t.macs;
    figures.bytesIn = t.bytesIn;
    figures.bytesOut = t.bytesOut;
    return figures;
  });
  const sum = (pick: (t: LayerTally) => number, filter: (t: LayerTally) => boolean = () => true): number =>
    tallies.filter(filter).reduce((total, t) => total + pick(t), 0);
  const chip = (t: LayerTally): boolean => t.type !== "host";
  const chipMacs = sum((t) => t.macs, chip);
  const hostMacs = sum((t) => t.macs, (t) => !chip(t));
  const synapticOps = sum((t) => t.synapticOps);
  const spikes = sum((t) => t.spikes);
  const active = sum((t) => t.activeUpdates);
  const idle = sum((t) => t.idleUpdates);
  const spiking: Record<string, Json> = {
    timesteps,
    spikes,
    spikesPerInference: perInference(spikes),
    synapticOps,
    synapticOpsPerInference: perInference(synapticOps),
    neuronUpdates: { active, idle },
    neuronUpdatesPerInference: { active: perInference(active), idle: perInference(idle) },
    chipMacs,
    hostMacs,
    chipMacShare: chipMacs + hostMacs > 0 ? round(chipMacs / (chipMacs + hostMacs)) : 0,
    hostMacShare: chipMacs + hostMacs > 0 ? round(hostMacs / (chipMacs + hostMacs)) : 0,
    bytesToChip: sum((t) => t.bytesIn, chip),
    bytesFromChip: sum((t) => t.bytesOut, chip),
  };
  return { layers, spiking };
}

/** 6 significant digits: the artifact stays byte-identical where float kernels differ in the last bits. */
export function round(value: number): number {
  return Number(value.toPrecision(6));
}
