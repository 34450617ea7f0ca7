/**
 * Loihi 2's time and energy per inference from per-event costs (Loihi 1's, extrapolated):
 *
 *   time   = steps × (max over layers of the per-core work in a timestep + barrier × chips)
 *            per-core work = (SynOps × t_syn + active × t_active + idle × t_idle) per step / the layer's cores
 *   energy = SynOps × E_syn + active × E_active + idle × E_idle
 *            + spike messages × E_spike  (one message per spike per destination core)
 *            + static power × chips × latency
 *
 * Cores run in parallel within a timestep and meet at a barrier; layers run within the same
 * timestep (no synaptic delay), so the slowest layer's core sets the step time.
 */
import { fmt, weakestEvidence, type ChipModel, type EstimateInput, type EstimateParams, type FactParam, type Term } from "../../src/neuro/index.js";

export interface LoihiEstimateParams extends EstimateParams {
  t_synaptic_op: FactParam;
  t_neuron_active: FactParam;
  t_neuron_idle: FactParam;
  t_barrier: FactParam;
  e_synaptic_op: FactParam;
  e_neuron_active: FactParam;
  e_neuron_idle: FactParam;
  e_spike: FactParam;
  static_power: FactParam;
}

const NS = 1e-9;
const PJ = 1e-12;
const num = (fact: FactParam): number => Number(fact.value);

/** Spike messages per inference: each layer's spikes × the cores of the layers that read them. */
export function spikeMessages(input: EstimateInput): number {
  const consumers = new Map<string, number>();
  for (const layer of input.mapping.layers) {
    const from = String(layer.detail?.input ?? "");
    consumers.set(from, (consumers.get(from) ?? 0) + layer.units);
  }
  let messages = 0;
  for (const load of input.layers) {
    const placed = input.mapping.layers.find((l) => l.name === load.name);
    messages += load.spikesPerStep * input.perInference.timesteps * (consumers.get(String(placed?.detail?.output ?? "")) ?? 0);
  }
  return messages;
}

export const loihiChipModel: ChipModel<LoihiEstimateParams> = {
  energyModel: "Loihi 1 per-event costs (Davies et al. 2018), extrapolated; static power measured on Loihi 2 (lava-dl PilotNet)",
  latencyModel: "Loihi 1 per-event times and barrier (Davies et al. 2018), extrapolated",
  chipSeconds(input, p): Term {
    let slowest = 0;
    let slowestLayer = "none";
    for (const layer of input.layers) {
      const cores = Math.max(1, layer.units);
      const work = (layer.synapticOpsPerStep * num(p.t_synaptic_op) + layer.activeUpdatesPerStep * num(p.t_neuron_active) + layer.idleUpdatesPerStep * num(p.t_neuron_idle)) / cores;
      if (work > slowest) [slowest, slowestLayer] = [work, layer.name];
    }
    const chips = input.mapping.chips;
    const stepNs = slowest + num(p.t_barrier) * chips;
    const steps = input.perInference.timesteps;
    return {
      value: steps * stepNs * NS,
      evidence: weakestEvidence([p.t_synaptic_op, p.t_neuron_active, p.t_neuron_idle, p.t_barrier]),
      formula:
        `steps × (slowest core's work per step + barrier × chips) = ${fmt(steps)} × (${fmt(slowest)} ns [${slowestLayer}] + ${num(p.t_barrier)} ns × ${chips}); ` +
        `work per core = (SynOps × ${num(p.t_synaptic_op)} ns + active × ${num(p.t_neuron_active)} ns + idle × ${num(p.t_neuron_idle)} ns) / cores`,
    };
  },
  chipJoules(input, p, latencySeconds) {
    const n = input.perInference;
    const messages = spikeMessages(input);
    const parts = {
      synaptic: n.synapticOps * num(p.e_synaptic_op) * PJ * 1e6,
      neuronActive: n.activeUpdates * num(p.e_neuron_active) * PJ * 1e6,
      neuronIdle: n.idleUpdates * num(p.e_neuron_idle) * PJ * 1e6,
      spikes: messages * num(p.e_spike) * PJ * 1e6,
      static: num(p.static_power) * input.mapping.chips * latencySeconds * 1e6,
    };
    return {
      value: Object.values(parts).reduce((a, b) => a + b, 0) * 1e-6,
      parts,
      evidence: weakestEvidence([p.e_synaptic_op, p.e_neuron_active, p.e_neuron_idle, p.e_spike, p.static_power]),
      formula:
        `SynOps × ${num(p.e_synaptic_op)} pJ + active × ${num(p.e_neuron_active)} pJ + idle × ${num(p.e_neuron_idle)} pJ + spike messages × ${num(p.e_spike)} pJ + static ${num(p.static_power)} W × chips × latency = ` +
        `${fmt(n.synapticOps)} × ${num(p.e_synaptic_op)} + ${fmt(n.activeUpdates)} × ${num(p.e_neuron_active)} + ${fmt(n.idleUpdates)} × ${num(p.e_neuron_idle)} + ${fmt(messages)} × ${num(p.e_spike)} pJ + ` +
        `${num(p.static_power)} W × ${input.mapping.chips} × ${fmt(latencySeconds * 1e3)} ms`,
    };
  },
};
