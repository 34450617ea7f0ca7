/**
 * TrueNorth's chip-specific estimates from the mapping and the simulated counts (pure).
 *
 * Energy: 26 pJ per synaptic event, all-in (Merolla et al. 2014: total power ÷ events; routing,
 * leakage and neuron updates are inside it, so nothing is added). Synaptic events per inference,
 * per layer, from the simulated (unsplit) layer's synaptic ops S and output spikes Z:
 * - P = 1: S × c (every one of an output's c copies has the same crossbar column, so each input
 *   event reaches all of them);
 * - P > 1: S × 2 (each input reaches the positive and the negative partial-sum neuron) plus the
 *   merge level's Z × c — one relay event per output spike and copy, a lower bound (the tree's
 *   partial neurons are not simulated one by one).
 * Latency: ticks × tick length, ticks = per island T plus one tick per layer hop and per merge.
 */
import type { LayerMapping } from "./core-mapping.js";

/** A simulated layer's figures per inference (simulate metrics' `layers`). */
export interface SimulatedLayer {
  name: string;
  synapticOpsPerInference?: number;
  spikesPerInference?: number;
}

/** Synaptic events per inference of one mapped layer. */
export function layerEvents(mapping: LayerMapping, simulated: SimulatedLayer): number {
  const ops = simulated.synapticOpsPerInference ?? 0;
  if (mapping.partialGroups === 1) return ops * mapping.copies;
  return ops * 2 + (simulated.spikesPerInference ?? 0) * mapping.copies;
}

/** Energy per inference in µJ: events × pJ per event. */
export function energyMicrojoules(events: number, picojoulesPerEvent: number): number {
  return (events * picojoulesPerEvent) / 1e6;
}

/** Chip latency per inference in ms. */
export function latencyMs(ticks: number, tickMs: number): number {
  return ticks * tickMs;
}
