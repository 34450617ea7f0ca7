/**
 * estimate:truenorth-sim — TrueNorth's own energy and latency per inference (the framework adds
 * host time, host energy, the generic 45 nm figure and the row; src/neuro/estimate.ts).
 *
 * Energy: 26 pJ per synaptic event, all-in (Merolla et al. 2014: total power ÷ events, so routing,
 * leakage and neuron updates are inside it and nothing is added). Synaptic events per inference,
 * per layer, from the simulated (unsplit) layer's synaptic ops S and output spikes Z per inference:
 * - one partial-sum group (P = 1): S × c — every one of an output's c copies has the same
 *   crossbar column, so each input event reaches all of them;
 * - a neuron tree (P > 1): S × 2 (each input event reaches the output's positive and negative
 *   partial-sum neuron) + Z × c at the merge, one relay event per output spike and copy — a lower
 *   bound: the partial neurons are not simulated one by one.
 * Latency: ticks × tick; ticks per inference = rows per inference × (T per island + one tick per
 * layer hop and per neuron-tree merge).
 */
import { SlmError } from "../../src/errors.js";
import { estimateKind as chipEstimateKind, fmt, type ChipModel, type EstimateInput, type EstimateParams, type FactParam } from "../../src/neuro/index.js";
import { trueNorthLayer, type TrueNorthLayer, type TrueNorthMapping } from "./map.js";

/** Profile facts estimate reads (bound whole, so each figure carries their evidence). */
export interface TrueNorthEstimateParams extends EstimateParams {
  synaptic_event: FactParam;
  tick: FactParam;
}

/** Synaptic events per inference of one mapped layer, given its simulated synaptic ops and spikes per inference. */
export function layerEvents(layer: Pick<TrueNorthLayer, "partialGroups" | "copies">, synapticOps: number, spikes: number): number {
  if (layer.partialGroups === 1) return synapticOps * layer.copies;
  return synapticOps * 2 + spikes * layer.copies;
}

/** Synaptic events per inference of the whole network, per layer. */
export function networkEvents(input: EstimateInput): { events: number; perLayer: Record<string, number> } {
  const units = Math.max(1, input.simulation.units);
  const simulated = new Map(input.simulation.layers.map((l) => [l.name, l]));
  const perLayer: Record<string, number> = {};
  let events = 0;
  for (const placed of input.mapping.layers) {
    const layer = simulated.get(placed.name);
    const count = layerEvents(trueNorthLayer(placed), (layer?.synapticOps ?? 0) / units, (layer?.spikes ?? 0) / units);
    perLayer[placed.name] = count;
    events += count;
  }
  return { events, perLayer };
}

/** Ticks per inference: rows per inference × ticks per row. */
export function ticksPerInference(input: EstimateInput): number {
  const T = Math.max(1, input.simulation.encoding.timesteps);
  return (input.perInference.timesteps / T) * (input.mapping as TrueNorthMapping).ticksPerRow;
}

/** TrueNorth's chip model: 26 pJ per synaptic event all-in, 1 ms ticks. */
export const trueNorthModel: ChipModel<TrueNorthEstimateParams> = {
  energyModel: "TrueNorth 26 pJ per synaptic event, all-in (Merolla et al., Science 2014), × simulated synaptic events",
  latencyModel: "TrueNorth 1 ms tick (Merolla et al., Science 2014) × ticks per inference",
  chipSeconds(input, params) {
    const mapping = input.mapping as TrueNorthMapping;
    const ticks = ticksPerInference(input);
    const tickSeconds = valueIn(params.tick, "ms", "timing.tick") / 1e3;
    const rows = input.perInference.timesteps / Math.max(1, input.simulation.encoding.timesteps);
    return {
      value: ticks * tickSeconds,
      formula:
        `ticks × tick = rows ${fmt(rows)} × (${mapping.islands} island(s) × T ${input.simulation.encoding.timesteps} + ${mapping.hops} hops and merges) × ` +
        `${params.tick.value} ${params.tick.unit} = ${fmt(ticks)} ticks`,
      evidence: params.tick.evidence,
    };
  },
  chipJoules(input, params) {
    const { events, perLayer } = networkEvents(input);
    const pj = valueIn(params.synaptic_event, "pJ", "energy.synaptic_event");
    const parts = Object.fromEntries(Object.entries(perLayer).map(([name, count]) => [name, (count * pj) / 1e6]));
    return {
      value: events * pj * 1e-12,
      formula: `E_event × SynapticEvents = ${params.synaptic_event.value} ${params.synaptic_event.unit} × ${fmt(events)} (per layer: S × copies, or S × 2 + spikes × copies for a neuron tree)`,
      evidence: params.synaptic_event.evidence,
      parts,
    };
  },
};

/** Stage kind `estimate:truenorth-sim`. */
export const estimateKind = chipEstimateKind("truenorth-sim", "1", trueNorthModel);

/** A fact's value in the unit the formula computes in; a stage error when the profile uses another. */
function valueIn(fact: FactParam, unit: string, path: string): number {
  if (fact.unit !== unit) throw new SlmError(`truenorth-sim profile: ${path} must be given in ${unit} (got ${fact.unit})`);
  return Number(fact.value);
}
