/**
 * How a Loihi 2 layer fills cores. A core holds up to `neuronsPerCore` neurons and the fan-in
 * synapses of those neurons in `memoryBytes` of synaptic memory, at `bits` per stored synapse
 * (zeros are not stored); a core's bytes are its synapses × bits / 8, rounded up. Neurons are
 * packed in order, a new core starting when either limit would be passed.
 */
import { SlmError } from "../../src/errors.js";
import { fmt } from "../../src/neuro/energy.js";

export interface CoreLimits {
  neuronsPerCore: number;
  memoryBytes: number;
  bits: number;
}

/** A layer's packing: cores and the numbers behind them. */
export interface CorePacking {
  cores: number;
  synapses: number;
  /** Synaptic bytes over all cores (each rounded up). */
  bytes: number;
  /** Largest fan-in of one neuron (stored synapses). */
  maxFanIn: number;
  reason: string;
}

/** Packs a layer whose neuron j has `fanIn[j]` stored synapses. */
export function packLayer(layer: string, fanIn: ArrayLike<number>, limits: CoreLimits): CorePacking {
  const capacityBits = limits.memoryBytes * 8;
  let cores = fanIn.length > 0 ? 1 : 0;
  let neurons = 0;
  let bits = 0;
  let bytes = 0;
  let synapses = 0;
  let maxFanIn = 0;
  for (let j = 0; j < fanIn.length; j++) {
    const need = fanIn[j]! * limits.bits;
    if (need > capacityBits) {
      throw new SlmError(
        `layer ${layer} neuron ${j} has ${fmt(fanIn[j]!)} synapses × ${limits.bits} bits = ${fmt(Math.ceil(need / 8))} B, ` +
          `more than a core's ${fmt(limits.memoryBytes)} B of synaptic memory`,
      );
    }
    if (neurons === limits.neuronsPerCore || bits + need > capacityBits) {
      bytes += Math.ceil(bits / 8);
      cores++;
      neurons = 0;
      bits = 0;
    }
    neurons++;
    bits += need;
    synapses += fanIn[j]!;
    maxFanIn = Math.max(maxFanIn, fanIn[j]!);
  }
  bytes += Math.ceil(bits / 8);
  const byNeurons = Math.ceil(fanIn.length / limits.neuronsPerCore);
  const byMemory = Math.ceil((synapses * limits.bits) / 8 / limits.memoryBytes);
  const reason =
    `${fmt(fanIn.length)} neurons / ${fmt(limits.neuronsPerCore)} per core ≥ ${byNeurons} cores; ` +
    `${fmt(synapses)} synapses × ${limits.bits} bits = ${fmt(Math.ceil((synapses * limits.bits) / 8))} B / ${fmt(limits.memoryBytes)} B per core ≥ ${byMemory} cores`;
  return { cores, synapses, bytes, maxFanIn, reason };
}
