/**
 * How many TrueNorth cores a chain of fully connected layers needs (pure arithmetic; the map
 * stage applies it, the emit stage lays the cores out with the same numbers).
 *
 * A core is a binary crossbar of A axons (inputs) × C neurons (outputs); every neuron sends its
 * spikes to exactly one (core, axon). For a layer with fan-in F and fan-out N:
 *
 * - **Axons per input** a: 2 when its input is a binary spike stream (a positive and a negative
 *   axon-type copy: ternary weights), 4 when the input is a signed stream coming from the host
 *   (an encoder's ±1 spikes travel as two binary lines, each with both copies).
 * - **Inputs per core** g = ⌊A / a⌋; **partial-sum groups** P = ⌈F / g⌉.
 * - **Copies per output** c = d·K: d = 2 for a signed readout (a positive and a negative
 *   neuron), else 1; K = destinations the output must reach, one neuron each: for every consumer
 *   layer, the cores of it that read this input times that layer's a; plus 1 when the host also
 *   reads it; an output read only by the host has K = 1.
 * - **P = 1**: outputs per core n = ⌊C / c⌋, cores = ⌈N / n⌉, each reading all F inputs.
 * - **P > 1** (a neuron tree): partial-sum cores hold, per group, 2 neurons per output (the
 *   positive and negative part of the partial sum, each sending to one merge axon), ⌊C/2⌋ outputs
 *   per core: P·⌈N / ⌊C/2⌋⌉ cores; merge cores read 2P axons per output and hold its c copies:
 *   ⌊min(A / 2P, C / c)⌋ outputs per core. The merge costs one extra tick of latency. A second
 *   merge level (2P > A, F > A²/(2a)) is not mapped: an error says so.
 * - The cores that read one input of the layer (what the producer's K counts): all of its
 *   cores when P = 1, one group's partial cores (⌈N / ⌊C/2⌋⌉) when P > 1.
 */
import { SlmError } from "../../src/errors.js";

/** The core geometry (profile constraints). */
export interface CoreGeometry {
  axonsPerCore: number;
  neuronsPerCore: number;
}

/** An on-chip layer as the mapping sees it. */
export interface LayerShape {
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** Its input is a signed spike stream from the host (an encoder). */
  signedInput: boolean;
  /** A signed readout: two neurons per output. */
  signedOutput: boolean;
  /** The host reads its output (readouts, decoded spiking layers). */
  toHost: boolean;
  /** On-chip layers that read its output spikes. */
  consumers: string[];
}

/** Where a layer's cores go and what they hold. */
export interface LayerMapping {
  name: string;
  inFeatures: number;
  outFeatures: number;
  axonsPerInput: number;
  inputsPerCore: number;
  partialGroups: number;
  /** Neurons per output: signed pair × destinations. */
  copies: number;
  outputsPerCore: number;
  /** Cores of the layer itself (P = 1) or of its merge level (P > 1). */
  neuronCores: number;
  partialCores: number;
  cores: number;
  /** Neurons in use: copies of every output, plus the partial-sum neurons. */
  neurons: number;
  /** Axons in use over all of the layer's cores. */
  axons: number;
  /** Ticks of latency beyond the layer's own hop (1 for a neuron tree). */
  extraTicks: number;
  /** Cores that read one given input (what the producer must send copies to). */
  readersPerInput: number;
}

/**
 * Maps `layers` (on-chip layers in IR order; consumers come later in the list) onto cores.
 * Throws a stage error naming the layer and the numbers when one output's copies do not fit a
 * core or a second merge level would be needed.
 */
export function mapLayers(layers: readonly LayerShape[], geometry: CoreGeometry): LayerMapping[] {
  const { axonsPerCore: A, neuronsPerCore: C } = geometry;
  const byName = new Map<string, LayerMapping>();
  const result: LayerMapping[] = new Array(layers.length);
  // Consumers come after producers, so walk backwards: a layer's K needs its consumers' cores.
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index]!;
    const a = layer.signedInput ? 4 : 2;
    const g = Math.floor(A / a);
    if (g < 1) throw new SlmError(`truenorth-sim: layer ${layer.name}: a core of ${A} axons cannot take one input (${a} axons each)`);
    const P = Math.ceil(layer.inFeatures / g);
    let destinations = layer.toHost ? 1 : 0;
    for (const name of layer.consumers) {
      const consumer = byName.get(name);
      if (!consumer) throw new SlmError(`truenorth-sim: layer ${layer.name} feeds ${name}, which is not mapped after it`);
      destinations += consumer.readersPerInput * consumer.axonsPerInput;
    }
    const K = Math.max(destinations, 1);
    const copies = (layer.signedOutput ? 2 : 1) * K;
    if (copies > C) {
      throw new SlmError(
        `truenorth-sim: layer ${layer.name}: each output needs ${copies} neurons (one per destination: ${K} destination axons${layer.signedOutput ? " × 2 for its sign" : ""}) but a core holds ${C}`,
      );
    }
    const N = layer.outFeatures;
    let mapping: LayerMapping;
    if (P === 1) {
      const n = Math.floor(C / copies);
      const cores = Math.ceil(N / n);
      mapping = {
        ...common(layer, a, g, P, copies, n),
        neuronCores: cores,
        partialCores: 0,
        cores,
        neurons: N * copies,
        axons: cores * layer.inFeatures * a,
        extraTicks: 0,
        readersPerInput: cores,
      };
    } else {
      if (2 * P > A) {
        throw new SlmError(
          `truenorth-sim: layer ${layer.name} has fan-in ${layer.inFeatures}: ${P} partial sums per output need ${2 * P} merge axons > ${A}; a second merge level is not mapped`,
        );
      }
      const partialPerCore = Math.floor(C / 2);
      const blocks = Math.ceil(N / partialPerCore);
      const n = Math.floor(Math.min(A / (2 * P), C / copies));
      const mergeCores = Math.ceil(N / n);
      mapping = {
        ...common(layer, a, g, P, copies, n),
        neuronCores: mergeCores,
        partialCores: P * blocks,
        cores: P * blocks + mergeCores,
        neurons: 2 * N * P + N * copies,
        axons: blocks * layer.inFeatures * a + N * 2 * P,
        extraTicks: 1,
        readersPerInput: blocks,
      };
    }
    byName.set(layer.name, mapping);
    result[index] = mapping;
  }
  return result;
}

function common(layer: LayerShape, a: number, g: number, P: number, copies: number, n: number) {
  return {
    name: layer.name,
    inFeatures: layer.inFeatures,
    outFeatures: layer.outFeatures,
    axonsPerInput: a,
    inputsPerCore: g,
    partialGroups: P,
    copies,
    outputsPerCore: n,
  };
}
