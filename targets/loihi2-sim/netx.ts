/**
 * lava-dl netx networks (`.net`, HDF5, read by lava.lib.dl.netx.hdf5.Network): group `layer`
 * with `0` … `n−1` from input to output. `0` is the island's encoder: `type` "input", `shape`
 * [features, 1, 1] (netx reverses it to W, H, C), `neuron`. Each dense layer: `type` "dense",
 * `shape` [out], `inFeatures`, `outFeatures`, `weight` [out, in] and `bias` [out] as integers,
 * `neuron` (`type` CUBA with `iDecay`, `vDecay` (of 4096), `vThMant`, `refDelay`, `gradedSpike`;
 * or SDNN with `vThMant`, `activation`). Integer weight, bias and vThMant share one unit per
 * layer: 2^−6 of what one weight step times one input event stands for (lava-dl's own exports
 * scale by 2^6 the same way), so weight = mantissa × 64, vThMant = round(64 θ / unit).
 * netx is a chain: an island that is not one (one encoder, then each dense layer reading the
 * previous), or whose thresholds differ per neuron (vThMant is one number), is not written.
 */
import type { LoadedSnnIr } from "../../src/snn/ir-read.js";
import type { DenseLayer } from "../../src/snn/ir.js";
import { h5, type H5Tree } from "./hdf5.js";
import { eventValue, mantissaOutIn, neuronScale, type ChipLayer } from "./islands.js";

const FIXED = 64;
/** Loihi's 12-bit decay registers: 4096 = decay everything in one step. */
const DECAY_ONE = 4096;
/** vThMant of a membrane readout: the largest 24-bit value, so it integrates without firing. */
const NEVER_FIRES = 2 ** 23 - 1;

/** The netx tree of one island, or why it cannot be one. */
export function netxTree(loaded: LoadedSnnIr, island: readonly ChipLayer[]): { tree: H5Tree } | { skipped: string } {
  const [encoder, ...dense] = island;
  if (encoder?.type !== "encoder" || dense.some((l) => l.type === "encoder")) return { skipped: "netx is a chain from one input layer; this island has several encoders" };
  const sigmaDelta = loaded.ir.encoding.type === "sigma-delta";
  const layers: H5Tree = { "0": { type: "input", shape: h5.i32([encoder.features, 1, 1]), neuron: inputNeuron(loaded, encoder, sigmaDelta) } };
  let previous: ChipLayer = encoder;
  for (const [k, layer] of (dense as DenseLayer[]).entries()) {
    if (layer.input !== previous.output) return { skipped: `netx is a chain, but ${layer.name} does not read ${previous.name}` };
    const event = eventValue(loaded, layer);
    if (!uniform(event)) return { skipped: `netx's vThMant is one number per layer, but ${previous.name}'s thresholds differ per neuron` };
    const { mantissa, scale } = mantissaOutIn(loaded, layer);
    const unit = (scale * event[0]!) / FIXED;
    const bias = layer.bias ? loaded.arrays.get(layer.bias.file)! : new Float32Array(layer.outFeatures);
    const neuron = denseNeuron(loaded, layer, unit, sigmaDelta);
    if ("skipped" in neuron) return neuron;
    layers[String(k + 1)] = {
      type: "dense",
      shape: h5.i32([layer.outFeatures]),
      inFeatures: h5.scalarI32(layer.inFeatures),
      outFeatures: h5.scalarI32(layer.outFeatures),
      weight: h5.i32(mantissa.map((m) => m * FIXED), [layer.outFeatures, layer.inFeatures]),
      bias: h5.i32(Array.from(bias, (b) => Math.round(b / unit))),
      neuron: neuron.tree,
    };
    previous = layer;
  }
  return { tree: { layer: layers } };
}

function inputNeuron(loaded: LoadedSnnIr, encoder: ChipLayer, sigmaDelta: boolean): H5Tree {
  if (sigmaDelta) return { type: "SDNN", vThMant: h5.scalarI32(Math.round(FIXED * (encoder.neuron?.model === "sigma-delta" ? encoder.neuron.theta : 0))), activation: "relu" };
  return cuba(FIXED, 0);
}

function denseNeuron(loaded: LoadedSnnIr, layer: DenseLayer, unit: number, sigmaDelta: boolean): { tree: H5Tree } | { skipped: string } {
  if (!layer.neuron) return { tree: cuba(NEVER_FIRES, 0) };
  const scale = neuronScale(loaded, layer.neuron, layer.outFeatures);
  if (!uniform(scale)) return { skipped: `netx's vThMant is one number per layer, but ${layer.name}'s thresholds differ per neuron` };
  if (sigmaDelta && layer.neuron.model === "sigma-delta") {
    return { tree: { type: "SDNN", vThMant: h5.scalarI32(Math.round((layer.neuron.theta * scale[0]!) / unit)), activation: "relu" } };
  }
  const leak = layer.neuron.model === "lif" ? layer.neuron.leak ?? 0 : 0;
  return { tree: cuba(Math.round(scale[0]! / unit), Math.round(leak * DECAY_ONE)) };
}

/** CUBA neurons without synaptic filtering (iDecay 4096: the current is the step's input). */
function cuba(vThMant: number, vDecay: number): H5Tree {
  return {
    type: "CUBA",
    iDecay: h5.scalarI32(DECAY_ONE),
    vDecay: h5.scalarI32(vDecay),
    vThMant: h5.scalarI32(vThMant),
    refDelay: h5.scalarI32(1),
    gradedSpike: h5.scalarI32(0),
  };
}

function uniform(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return false;
  return true;
}
