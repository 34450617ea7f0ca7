/**
 * Converting brown-genre-mlp (Gemm+ReLU ×2, Gemm) with statistics from the real calibrate stage:
 * the IR's layers, weights and thresholds, and how each knob changes them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.js";
import { readModel, tensorToArray } from "../../../src/onnx/index.js";
import type { CalibrationStats, TensorStats } from "../../../src/passes/calibrate/stats.js";
import type { DenseLayer, EncoderLayer, RateNeuron } from "../../../src/snn/ir.js";
import { classifierStats, convert, MLP, tempDir } from "./rig.js";

const RELU1 = "/relu1/Relu_output_0";
const RELU2 = "/relu2/Relu_output_0";

async function stats(): Promise<CalibrationStats> {
  return JSON.parse(readFileSync(await classifierStats(), "utf8")) as CalibrationStats;
}

/** Fraction of the nonzero |x| above `value`, from the signed histogram (bin resolution). */
function fractionAbove(tensor: TensorStats, value: number): number {
  const { range, counts } = tensor.histogram;
  const width = (2 * range) / counts.length;
  let above = 0;
  counts.forEach((count, i) => {
    const low = -range + i * width;
    if (Math.min(Math.abs(low), Math.abs(low + width)) >= value) above += count;
  });
  return above / (tensor.count * (1 - tensor.zeroFraction));
}

const threshold = (layer: unknown): number => (((layer as DenseLayer | EncoderLayer).neuron as RateNeuron).threshold as number);

describe("converting brown-genre-mlp", () => {
  it("makes an encoder, two spiking layers and a readout, with the model's weights in fan-out order", async () => {
    const { loaded, metrics } = await convert(MLP, await classifierStats());
    const { ir, arrays } = loaded;
    expect(ir.layers.map((layer) => [layer.type, layer.name])).toEqual([
      ["encoder", "encoder:features"],
      ["spiking", "fc1"],
      ["spiking", "fc2"],
      ["readout", "fc3"],
    ]);
    expect(ir.inputs).toEqual([{ name: "features", dtype: "FLOAT", shape: ["batch", 1024] }]);
    expect(ir.outputs).toEqual([{ name: "logits", dtype: "FLOAT", shape: ["batch", 15] }]);
    expect(ir.encoding).toEqual({ type: "rate", timesteps: 32 });
    const fc1 = ir.layers[1] as DenseLayer;
    expect(fc1).toMatchObject({ input: "spikes:features", output: RELU1, inFeatures: 1024, outFeatures: 256, source: { nodes: ["/fc1/Gemm", "/relu1/Relu"] } });
    expect(fc1.weight).toMatchObject({ dtype: "float32", shape: [1024, 256], scale: 1 });
    // Gemm with transB stores fc1.weight as [256, 1024]; the IR holds its transpose.
    const model = await readModel(MLP);
    const source = tensorToArray(model.proto.graph!.initializer.find((t) => t.name === "fc1.weight")!) as Float32Array;
    const stored = arrays.get(fc1.weight.file) as Float32Array;
    for (const [i, j] of [[0, 0], [1023, 255], [17, 200], [512, 3]] as const) expect(stored[i * 256 + j]).toBe(source[j * 1024 + i]);
    const bias = tensorToArray(model.proto.graph!.initializer.find((t) => t.name === "fc1.bias")!) as Float32Array;
    expect(arrays.get(fc1.bias!.file)).toEqual(bias);
    expect(metrics).toMatchObject({ spikingLayers: 2, readoutLayers: 1, encoders: 1, hostLayers: 0, neurons: 1024 + 256 + 128 + 15 });
  });

  it("balances thresholds on the 99.9th percentile of the nonzero ReLU outputs, or on their max", async () => {
    const s = await stats();
    const percentile = (await convert(MLP, await classifierStats())).loaded.ir;
    const max = (await convert(MLP, await classifierStats(), { balancing: "max" })).loaded.ir;
    for (const [index, tensor] of [[1, RELU1], [2, RELU2]] as const) {
      const t = s.tensors[tensor]!;
      expect(threshold(max.layers[index])).toBe(t.max);
      const lambda = threshold(percentile.layers[index]);
      expect(lambda).toBeLessThan(t.max);
      // About 0.1% of the nonzero activations lie above λ (to the histogram's resolution).
      expect(fractionAbove(t, lambda)).toBeLessThanOrEqual(0.001);
      expect(fractionAbove(t, lambda * 0.98)).toBeGreaterThan(0.0008);
    }
    // The encoder's λ comes from the input features' statistics.
    expect(threshold(max.layers[0])).toBe(s.tensors.features!.max);
  });

  it("the threshold knob scales every threshold and changes no weight file", async () => {
    const base = await convert(MLP, await classifierStats());
    const doubled = await convert(MLP, await classifierStats(), { threshold: 2 });
    base.loaded.ir.layers.forEach((layer, i) => {
      const other = doubled.loaded.ir.layers[i]!;
      if (layer.type === "readout") {
        // Membrane decoding: no neuron; the spike-decoding neuron kept beside it scales too.
        const { spikeNeuron, ...rest } = other as DenseLayer;
        const { spikeNeuron: baseSpikeNeuron, ...baseRest } = layer;
        expect(rest).toEqual(baseRest);
        expect((spikeNeuron as RateNeuron).threshold).toBe(2 * ((baseSpikeNeuron as RateNeuron).threshold as number));
      } else expect(threshold(other)).toBe(2 * threshold(layer));
      if (layer.type === "spiking") expect((other as DenseLayer).weight).toEqual(layer.weight);
    });
  });

  it("a membrane-decoded readout carries the neuron spike decoding would give it", async () => {
    const membrane = await convert(MLP, await classifierStats());
    const spikes = await convert(MLP, await classifierStats(), { decoding: "spikes" });
    const readout = (ir: typeof membrane) => ir.loaded.ir.layers.find((layer): layer is DenseLayer => layer.type === "readout")!;
    expect(readout(membrane).neuron).toBeUndefined();
    expect(readout(membrane).spikeNeuron).toEqual(readout(spikes).neuron);
    expect(readout(spikes).spikeNeuron).toBeUndefined();
  });

  it("per-channel balancing gives each neuron its own threshold, capped at the layer's maximum", async () => {
    const s = await stats();
    const { loaded } = await convert(MLP, await classifierStats(), { granularity: "per-channel" });
    const fc1 = loaded.ir.layers[1] as DenseLayer;
    const ref = (fc1.neuron as RateNeuron).threshold;
    expect(ref).toMatchObject({ dtype: "float32", shape: [256] });
    const values = Array.from(loaded.arrays.get((ref as { file: string }).file)!);
    expect(new Set(values).size).toBeGreaterThan(30);
    for (const v of values) expect(v).toBeLessThanOrEqual(Math.fround(s.tensors[RELU1]!.max));
    for (const v of values) expect(v).toBeGreaterThan(0);
  });

  it("LIF, sigma-delta and spike decoding land in the IR", async () => {
    const lif = (await convert(MLP, await classifierStats(), { neuron: "lif", leak: 0.05, reset: "zero" })).loaded.ir;
    expect((lif.layers[1] as DenseLayer).neuron).toMatchObject({ model: "lif", leak: 0.05, reset: "zero", initialPotential: 0.5 });
    const sd = (await convert(MLP, await classifierStats(), { encoding: "sigma-delta", theta: 0.05 })).loaded.ir;
    expect(sd.encoding).toEqual({ type: "sigma-delta", timesteps: 1, theta: 0.05 });
    expect((sd.layers[2] as DenseLayer).neuron).toMatchObject({ model: "sigma-delta", theta: 0.05 });
    const spikes = (await convert(MLP, await classifierStats(), { decoding: "spikes" })).loaded.ir;
    expect(spikes.decoding).toBe("spikes");
    // The readout fires signed spikes at the logits' scale, from 0.
    expect((spikes.layers[3] as DenseLayer).neuron).toMatchObject({ model: "if", initialPotential: 0 });
  });

  it("a layer whose calibration activations are all zero is a warning naming it, with a finite threshold", async () => {
    const s = await stats();
    const dead = s.tensors[RELU2]!;
    s.tensors[RELU2] = { ...dead, min: 0, max: 0, zeroFraction: 1, histogram: { range: 0, counts: dead.histogram.counts.map((_, i, all) => (i === all.length / 2 ? dead.count : 0)) } };
    const path = join(tempDir("dead-stats"), "stats.json");
    writeFileSync(path, JSON.stringify(s));
    const { loaded, warnings } = await convert(MLP, path, { threshold: 0.5 });
    expect(warnings).toEqual([expect.stringContaining("layer fc2 is dead")]);
    expect(threshold(loaded.ir.layers[2])).toBe(0.5);
  });

  it("statistics that are not stats.json, or that lack a layer's tensor, are input errors", async () => {
    const dir = tempDir("bad-stats");
    writeFileSync(join(dir, "garbage.json"), "not json");
    await expect(convert(MLP, join(dir, "garbage.json"))).rejects.toThrow(InputError);
    const s = await stats();
    delete s.tensors[RELU1];
    writeFileSync(join(dir, "partial.json"), JSON.stringify(s));
    await expect(convert(MLP, join(dir, "partial.json"))).rejects.toThrow(`no entry for '${RELU1}' (layer fc1)`);
  });
});
