/**
 * Tiny SNN IR folders for tests, written with the real writer: an encoder, dense layers with
 * given weights, biases and thresholds, and helpers to run them through the kernel.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { compileProgram, type CompiledIsland, type StateOptions } from "../../src/snn/compile.js";
import { readSnnIr, type LoadedSnnIr } from "../../src/snn/ir-read.js";
import { IrFolderWriter } from "../../src/snn/ir-write.js";
import { SNN_IR_FORMAT, SNN_IR_VERSION, type Decoding, type DenseLayer, type Encoding, type Layer, type NeuronModel, type PerChannel } from "../../src/snn/ir.js";
import { simulateIsland } from "../../src/snn/kernel.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
export function tempDir(label = "snn"): string {
  const dir = mkdtempSync(join(tmpdir(), `slm-${label}-`));
  dirs.push(dir);
  return dir;
}

/** Neurons of every rate layer: the same model, reset and initial potential. */
export interface RateSpec {
  model: "if" | "lif";
  leak?: number;
  reset: "subtract" | "zero";
  initialPotential: number;
}

export interface TinyLayer {
  type: "spiking" | "readout";
  /** [in][out] real weights. */
  weight: number[][];
  bias?: number[];
  /** rate: the threshold; sigma-delta: the scale λ. Readouts: only with spike decoding. */
  threshold?: number | number[];
  /** Store the weights as int8 with this scale (they must be integer multiples of it). */
  int8Scale?: number;
}

export interface TinySpec {
  encoding: Encoding;
  decoding?: Decoding;
  /** Rate neurons (rate coding only). */
  rate?: RateSpec;
  /** rate: the encoder's threshold; sigma-delta: its scale. */
  encoderThreshold: number | number[];
  inputs: number;
  layers: TinyLayer[];
}

/** Writes the IR folder for `spec` and reads it back. */
export async function tinyIr(spec: TinySpec): Promise<LoadedSnnIr> {
  const dir = tempDir("tiny-ir");
  const writer = new IrFolderWriter(dir);
  const perChannel = async (name: string, value: number | number[]): Promise<PerChannel> =>
    typeof value === "number" ? value : writer.array(`${name}.bin`, Float32Array.from(value), [value.length]);
  const neuron = async (name: string, value: number | number[], initial = spec.rate?.initialPotential ?? 0): Promise<NeuronModel> => {
    if (spec.encoding.type === "sigma-delta") return { model: "sigma-delta", scale: await perChannel(name, value), theta: spec.encoding.theta };
    const rate = spec.rate!;
    const threshold = await perChannel(name, value);
    return rate.model === "lif"
      ? { model: "lif", leak: rate.leak ?? 0, reset: rate.reset, threshold, initialPotential: initial }
      : { model: "if", reset: rate.reset, threshold, initialPotential: initial };
  };
  const layers: Layer[] = [{ type: "encoder", name: "encoder", input: "x", output: "spikes:x", features: spec.inputs, neuron: await neuron("encoder.threshold", spec.encoderThreshold) }];
  let stream = "spikes:x";
  let width = spec.inputs;
  for (const [index, layer] of spec.layers.entries()) {
    const name = `layer${index}`;
    const out = layer.weight[0]!.length;
    const flat = layer.weight.flat();
    const weight = layer.int8Scale
      ? { ...(await writer.array(`${name}.weight.bin`, Int8Array.from(flat, (w) => Math.round(w / layer.int8Scale!)), [width, out])), scale: layer.int8Scale }
      : { ...(await writer.array(`${name}.weight.bin`, Float32Array.from(flat), [width, out])), scale: 1 };
    const bias = layer.bias ? await writer.array(`${name}.bias.bin`, Float32Array.from(layer.bias), [out]) : undefined;
    const output = layer.type === "spiking" ? `${name}:out` : `y${index}`;
    // A network that ends in a spiking layer gives back its decoded rates.
    const decoded = layer.type === "spiking" && index === spec.layers.length - 1;
    layers.push({
      type: layer.type,
      name,
      input: stream,
      output,
      inFeatures: width,
      outFeatures: out,
      weight,
      ...(bias ? { bias } : {}),
      ...(layer.threshold === undefined ? {} : { neuron: await neuron(`${name}.threshold`, layer.threshold, layer.type === "readout" ? 0 : undefined) }),
      ...(decoded ? { decoded } : {}),
      source: { nodes: [] },
    });
    stream = output;
    width = out;
  }
  const last = layers[layers.length - 1] as DenseLayer;
  await writer.finish({
    format: SNN_IR_FORMAT,
    version: SNN_IR_VERSION,
    sourceModel: "0".repeat(64),
    encoding: spec.encoding,
    decoding: spec.decoding ?? "membrane",
    inputs: [{ name: "x", dtype: "FLOAT", shape: ["batch", spec.inputs] }],
    outputs: [{ name: last.output, dtype: "FLOAT", shape: ["batch", width] }],
    layers,
  });
  return readSnnIr(dir);
}

/** The IR's single island, compiled. */
export function island(loaded: LoadedSnnIr, state: StateOptions = { state: "float", fractionBits: 0 }): CompiledIsland {
  const step = compileProgram(loaded, state)[0]!;
  if (step.kind !== "island") throw new Error("expected an island");
  return step;
}

/**
 * Spike trains of every layer for one input row over `timesteps`: trains[layer][neuron] lists
 * the timesteps (0-based) it spiked at. The simulation is causal and deterministic, so the spikes
 * of step t are the count after t + 1 steps minus the count after t.
 */
export function spikeTrains(compiled: CompiledIsland, input: number[], timesteps: number): number[][][] {
  const layers = compiled.island.layers;
  const trains = layers.map((layer) => Array.from({ length: layer.neurons }, () => [] as number[]));
  let before: readonly Float64Array[] = layers.map((layer) => new Float64Array(layer.neurons));
  for (let t = 1; t <= timesteps; t++) {
    const result = simulateIsland({ ...compiled.island, timesteps: t }, [Float32Array.from(input)], 1);
    result.counts.neuronSpikes.forEach((counts, l) => counts.forEach((count, j) => {
      for (let k = before[l]![j]!; k < count; k++) trains[l]![j]!.push(t - 1);
    }));
    before = result.counts.neuronSpikes;
  }
  return trains;
}
