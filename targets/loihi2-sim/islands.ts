/**
 * The on-chip parts of a legalized IR as the emitters see them: islands (maximal runs of
 * encoder/spiking/readout layers between host layers, as the simulator cuts them), with each
 * dense layer's real weights and what one input event stands for.
 */
import { perChannel } from "../../src/snn/compile.js";
import type { LoadedSnnIr } from "../../src/snn/ir-read.js";
import type { DenseLayer, EncoderLayer, NeuronModel } from "../../src/snn/ir.js";

export type ChipLayer = EncoderLayer | DenseLayer;

/** Maximal runs of on-chip layers, in IR order. */
export function islands(loaded: LoadedSnnIr): ChipLayer[][] {
  const out: ChipLayer[][] = [];
  let current: ChipLayer[] = [];
  for (const layer of loaded.ir.layers) {
    if (layer.type === "host") {
      if (current.length > 0) out.push(current);
      current = [];
    } else current.push(layer);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A neuron's threshold (rate) or activation scale (sigma-delta), one per neuron. */
export function neuronScale(loaded: LoadedSnnIr, neuron: NeuronModel, n: number): Float64Array {
  return perChannel(neuron.model === "sigma-delta" ? neuron.scale : neuron.threshold, n, loaded.arrays);
}

/** The layer that writes `tensor` (its neuron defines what an event on it stands for). */
export function producer(loaded: LoadedSnnIr, tensor: string): ChipLayer | undefined {
  return loaded.ir.layers.find((l): l is ChipLayer => l.type !== "host" && l.output === tensor);
}

/**
 * What one event of input i stands for in real units: θ_i of the sending neuron for binary
 * spikes; 1 for graded sigma-delta events (the payload is the value).
 */
export function eventValue(loaded: LoadedSnnIr, layer: DenseLayer): Float64Array {
  const from = producer(loaded, layer.input);
  if (loaded.ir.encoding.type === "sigma-delta" || !from?.neuron) return new Float64Array(layer.inFeatures).fill(1);
  return neuronScale(loaded, from.neuron, layer.inFeatures);
}

/** Legalized weights as `[out, in]` mantissas and the layer's scale (a number after legalize). */
export function mantissaOutIn(loaded: LoadedSnnIr, layer: DenseLayer): { mantissa: Int32Array; scale: number } {
  const stored = loaded.arrays.get(layer.weight.file)!;
  const { inFeatures: n, outFeatures: m } = layer;
  const mantissa = new Int32Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) mantissa[j * n + i] = stored[i * m + j]!;
  if (typeof layer.weight.scale !== "number") throw new Error(`loihi2-sim: layer ${layer.name} has per-channel weight scales after legalize`);
  return { mantissa, scale: layer.weight.scale };
}

/** HDF5 group names cannot hold "/": ONNX names often do. */
export function nodeName(name: string): string {
  return name.replace(/\//g, "_").replace(/^_+/, "") || "_";
}
