/**
 * The cores of a mapped TrueNorth network, down to every axon, crossbar bit and neuron (what the
 * emit stage writes). Follows the counts of core-mapping.ts exactly.
 *
 * Axons. Input i of a layer arrives on `a` axons: for each line L (+1, and −1 when the input is
 * a signed host stream) a "plus" and a "minus" copy. Axon type = 0 for (L = +1, plus) and
 * (L = −1, minus), else 1. Crossbar bit (axon, neuron of output j) = 1 on the plus copy when
 * t_ij = +1 and on the minus copy when t_ij = −1.
 * Neurons. Weights per axon type [s·m, −s·m, 0, 0] (s = +1, or −1 for the negative neuron of a
 * signed output), threshold 2^shift, leak s·ℓ, so a spike of line L adds L·s·m·t_ij: exactly the
 * legalized layer. Every copy of an output has the same crossbar column and one destination.
 * Neuron trees: partial-sum neurons (s = ±1 per output and group, threshold 2^shift, the leak on
 * group 0) send to a merge core whose neurons weigh the positive partial's axon (type 0) by +s
 * and the negative's (type 1) by −s, with threshold 1.
 */
import type { LayerMapping } from "./core-mapping.js";

/** Where a neuron's spikes go: an axon of a core, or the host (tensor element, sign). */
export type Destination = { core: number; axon: number } | { host: string; index: number; sign: number };

export interface AxonSpec {
  /** Source: a layer's output (or an encoder's stream from the host), element, line, and copy. */
  from: string;
  index: number;
  line: 1 | -1;
  type: 0 | 1;
}

export interface NeuronSpec {
  /** The output element and its role. */
  output: number;
  role: "neuron" | "partial" | "merge";
  sign: 1 | -1;
  /** Weight per axon type (4 types). */
  weights: [number, number, number, number];
  threshold: number;
  leak: number;
  initial: number;
  reset: "linear" | "zero";
  destination: Destination;
}

export interface CoreSpec {
  id: number;
  layer: string;
  role: "neurons" | "partial" | "merge";
  axons: AxonSpec[];
  neurons: NeuronSpec[];
  /** Row-major [axon][neuron] bits, 256 × 256 packed 8 to a byte, low bit first. */
  crossbar: Uint8Array;
}

/** One legalized layer's integer registers, as legalize wrote them. */
export interface LayerRegisters {
  name: string;
  /** Its output tensor (what the host reads, or what consumers name as `from`). */
  output: string;
  input: string;
  /** Ternary t[i·N + j]. */
  signs: Int8Array;
  weight: Int32Array;
  shift: Int32Array;
  leak: Int32Array;
  initialPotential: number;
  reset: "subtract" | "zero";
  consumers: string[];
  toHost: boolean;
  /** A signed readout: a positive and a negative neuron per output. */
  signedOutput: boolean;
}

/** Lays out every core; `mappings` and `layers` are in the same order. */
export function layoutCores(layers: readonly LayerRegisters[], mappings: readonly LayerMapping[], geometry: { axonsPerCore: number; neuronsPerCore: number }): CoreSpec[] {
  const { axonsPerCore: A, neuronsPerCore: C } = geometry;
  const firstCore = new Map<string, number>();
  let next = 0;
  for (const m of mappings) {
    firstCore.set(m.name, next);
    next += m.cores;
  }
  const mappingOf = new Map(mappings.map((m) => [m.name, m]));
  /** The axons (core, axon) that read input `j` of layer `name`. */
  const readers = (name: string, j: number): { core: number; axon: number }[] => {
    const m = mappingOf.get(name)!;
    const base = firstCore.get(name)!;
    const out: { core: number; axon: number }[] = [];
    if (m.partialGroups === 1) {
      for (let c = 0; c < m.cores; c++) for (let k = 0; k < m.axonsPerInput; k++) out.push({ core: base + c, axon: j * m.axonsPerInput + k });
    } else {
      const p = Math.floor(j / m.inputsPerCore);
      const blocks = m.partialCores / m.partialGroups;
      for (let b = 0; b < blocks; b++) {
        for (let k = 0; k < m.axonsPerInput; k++) out.push({ core: base + p * blocks + b, axon: (j - p * m.inputsPerCore) * m.axonsPerInput + k });
      }
    }
    return out;
  };
  const cores: CoreSpec[] = [];
  for (const [index, layer] of layers.entries()) {
    const m = mappings[index]!;
    const N = m.outFeatures;
    const signs: (1 | -1)[] = layer.signedOutput ? [1, -1] : [1];
    const reset = layer.reset === "zero" ? "zero" : "linear";
    /** Neurons of output j with the given role: one per destination and sign. */
    const outputNeurons = (j: number, role: NeuronSpec["role"], threshold: number, weights: (s: number) => NeuronSpec["weights"], leak: number): NeuronSpec[] => {
      const list: NeuronSpec[] = [];
      for (const s of signs) {
        for (const destination of destinationsOf(layer, readers, j, s)) {
          list.push({ output: j, role, sign: s, weights: weights(s), threshold, leak: s * leak + 0, initial: role === "merge" ? 0 : Math.round(layer.initialPotential * threshold), reset, destination });
        }
      }
      return list;
    };
    const axonsFor = (from: number, to: number): AxonSpec[] => {
      const list: AxonSpec[] = [];
      for (let i = from; i < to; i++) {
        for (let k = 0; k < m.axonsPerInput; k++) {
          const line = k < 2 ? 1 : -1;
          const plus = k % 2 === 0;
          list.push({ from: layer.input, index: i, line, type: (line === 1) === plus ? 0 : 1 });
        }
      }
      return list;
    };
    /** Crossbar of a core reading inputs [from, to) for the given neurons (their output's ternary column). */
    const crossbar = (from: number, to: number, neurons: readonly NeuronSpec[], useSigns: boolean): Uint8Array => {
      const bits = new Uint8Array((A * C) / 8);
      for (const [n, neuron] of neurons.entries()) {
        for (let i = from; i < to; i++) {
          const t = useSigns ? layer.signs[i * N + neuron.output]! : 0;
          if (t === 0) continue;
          for (let k = 0; k < m.axonsPerInput; k++) {
            if ((k % 2 === 0) !== (t === 1)) continue;
            const bit = ((i - from) * m.axonsPerInput + k) * C + n;
            bits[bit >> 3]! |= 1 << (bit & 7);
          }
        }
      }
      return bits;
    };
    const weightsOf = (j: number) => (s: number): NeuronSpec["weights"] => [s * layer.weight[j]! + 0, -s * layer.weight[j]! + 0, 0, 0];
    if (m.partialGroups === 1) {
      for (let c = 0; c < m.cores; c++) {
        const neurons: NeuronSpec[] = [];
        for (let j = c * m.outputsPerCore; j < Math.min(N, (c + 1) * m.outputsPerCore); j++) {
          neurons.push(...outputNeurons(j, "neuron", 2 ** layer.shift[j]!, weightsOf(j), layer.leak[j]!));
        }
        cores.push({ id: cores.length, layer: layer.name, role: "neurons", axons: axonsFor(0, m.inFeatures), neurons, crossbar: crossbar(0, m.inFeatures, neurons, true) });
      }
      continue;
    }
    const blocks = m.partialCores / m.partialGroups;
    const perBlock = Math.floor(C / 2);
    const mergeBase = firstCore.get(layer.name)! + m.partialCores;
    for (let p = 0; p < m.partialGroups; p++) {
      const from = p * m.inputsPerCore;
      const to = Math.min(m.inFeatures, from + m.inputsPerCore);
      for (let b = 0; b < blocks; b++) {
        const neurons: NeuronSpec[] = [];
        for (let j = b * perBlock; j < Math.min(N, (b + 1) * perBlock); j++) {
          const mergeCore = mergeBase + Math.floor(j / m.outputsPerCore);
          for (const s of [1, -1] as const) {
            neurons.push({
              output: j, role: "partial", sign: s, weights: weightsOf(j)(s), threshold: 2 ** layer.shift[j]!, leak: p === 0 ? s * layer.leak[j]! + 0 : 0,
              initial: Math.round(layer.initialPotential * 2 ** layer.shift[j]!), reset: "linear",
              destination: { core: mergeCore, axon: (j % m.outputsPerCore) * 2 * m.partialGroups + 2 * p + (s === 1 ? 0 : 1) },
            });
          }
        }
        cores.push({ id: cores.length, layer: layer.name, role: "partial", axons: axonsFor(from, to), neurons, crossbar: crossbar(from, to, neurons, true) });
      }
    }
    for (let c = 0; c < m.neuronCores; c++) {
      const neurons: NeuronSpec[] = [];
      const axons: AxonSpec[] = [];
      const first = c * m.outputsPerCore;
      const last = Math.min(N, first + m.outputsPerCore);
      for (let j = first; j < last; j++) {
        for (let p = 0; p < m.partialGroups; p++) {
          axons.push({ from: `${layer.name}/partial${p}+`, index: j, line: 1, type: 0 }, { from: `${layer.name}/partial${p}-`, index: j, line: 1, type: 1 });
        }
        neurons.push(...outputNeurons(j, "merge", 1, (s) => [s, -s, 0, 0], 0));
      }
      const bits = new Uint8Array((A * C) / 8);
      for (const [n, neuron] of neurons.entries()) {
        const row = (neuron.output - first) * 2 * m.partialGroups;
        for (let k = 0; k < 2 * m.partialGroups; k++) {
          const bit = (row + k) * C + n;
          bits[bit >> 3]! |= 1 << (bit & 7);
        }
      }
      cores.push({ id: cores.length, layer: layer.name, role: "merge", axons, neurons, crossbar: bits });
    }
  }
  return cores;
}

/** The destinations of output j's neurons of sign s: every consumer axon reading it, and the host. */
function destinationsOf(layer: LayerRegisters, readers: (name: string, j: number) => { core: number; axon: number }[], j: number, s: number): Destination[] {
  const list: Destination[] = [];
  for (const consumer of layer.consumers) list.push(...readers(consumer, j));
  if (layer.toHost || list.length === 0) list.push({ host: layer.output, index: j, sign: s });
  return list;
}
