/**
 * emit:akida-sim — the Akida bundle (MetaTF's .fbz is not a public format): `network.json` (per
 * layer: NP allocation, weight and activation bits, activation scale, file names), per dense
 * layer `<layer>.weights.bin` (packed signed integers, [out][in]), `<layer>.scales.bin` (float32
 * per output neuron) and `<layer>.bias.bin`, `manifest.json` (sha256 of every file), `README.md`.
 */
import { join } from "node:path";
import type { StageKind } from "../../src/plan/stage-kind.js";
import type { Json } from "../../src/util/canonical-json.js";
import { finishBundle, openBundle, readMapping } from "../../src/neuro/index.js";
import { npAllocation } from "./map.js";
import { packSigned } from "./quantize-weights.js";

/** The Akida version and bit widths (config params; input bits from the profile). */
export interface EmitParams {
  version: 1 | 2;
  weight_bits: number;
  activation_bits: number;
  input_bits: number;
}

/** Stage kind `emit:akida-sim`: inputs `snn` (legalized), `mapping`; output `bundle`. */
export const emitKind: StageKind<EmitParams> = {
  id: "emit:akida-sim",
  version: "2",
  description: "write the Akida bundle (network.json, packed weights, manifest, README)",
  async run(ctx, inputs, params) {
    const { readSnnIr } = await import("../../src/snn/index.js");
    const { perChannel } = await import("../../src/snn/compile.js");
    const loaded = await readSnnIr(inputs.snn!);
    const mapping = await readMapping(inputs.mapping!);
    const bundle = await openBundle(join(ctx.workDir, "bundle"));
    const allocations = new Map(mapping.layers.map((placed) => [placed.name, npAllocation(placed)]));
    const allocationOf = (name: string): Json => (allocations.get(name) ?? null) as unknown as Json;
    const layers: Json[] = [];
    const bytesOf = (array: Float32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (const layer of loaded.ir.layers) {
      if (layer.type === "host") {
        layers.push({ name: layer.name, type: "host", ops: layer.ops, inputs: layer.inputs.map((t) => t.name), outputs: layer.outputs.map((t) => t.name) });
        continue;
      }
      const neuron = layer.neuron?.model === "sigma-delta" ? layer.neuron : undefined;
      const n = layer.type === "encoder" ? layer.features : layer.outFeatures;
      const scale = neuron ? perChannel(neuron.scale, n, loaded.arrays) : undefined;
      const activation: Record<string, Json> = neuron
        ? { bits: layer.type === "encoder" ? params.input_bits : params.activation_bits, signed: layer.type === "encoder", levels: neuron.levels ?? 0, scale: Array.from(scale!, (s) => Math.fround(s)) }
        : { bits: 0, note: "accumulator output (no activation): the host reads the integer sums × scales" };
      if (layer.type === "encoder") {
        layers.push({ name: layer.name, type: "input", tensor: layer.input, features: layer.features, activation });
        continue;
      }
      const { inFeatures: F, outFeatures: N } = layer;
      const stored = loaded.arrays.get(layer.weight.file)!;
      // [out][in] rows, as Akida's NPs hold a neuron's weights together.
      const rows = new Int8Array(F * N);
      for (let i = 0; i < F; i++) for (let j = 0; j < N; j++) rows[j * F + i] = stored[i * N + j]!;
      await bundle.write(`${layer.name}.weights.bin`, packSigned(rows, params.weight_bits));
      await bundle.write(`${layer.name}.scales.bin`, bytesOf(Float32Array.from(perChannel(layer.weight.scale, N, loaded.arrays))));
      if (layer.bias) await bundle.write(`${layer.name}.bias.bin`, bytesOf(loaded.arrays.get(layer.bias.file) as Float32Array));
      layers.push({
        name: layer.name,
        type: layer.type === "spiking" ? "dense" : "dense-output",
        input: layer.input,
        inFeatures: F,
        outFeatures: N,
        weights: { file: `${layer.name}.weights.bin`, bits: params.weight_bits, layout: "[out][in]", scales: `${layer.name}.scales.bin` },
        ...(layer.bias ? { bias: `${layer.name}.bias.bin` } : {}),
        activation,
        allocation: allocationOf(layer.name),
      });
    }
    await bundle.write("network.json", `${JSON.stringify({ format: "slm-akida", formatVersion: 1, akidaVersion: params.version, nps: mapping.used, chips: mapping.chips, layers }, null, 1)}\n`);
    const files = await finishBundle(bundle, "akida-sim", README, { akidaVersion: params.version });
    return { outputs: { bundle: "bundle" }, metrics: { bundleFiles: files } };
  },
};

const README = `# akida-sim bundle

Built by slm for a simulated BrainChip Akida. MetaTF's program format (.fbz) is not public, so
this is slm's own documented layout. \`manifest.json\` lists every file with its size and sha256.

## network.json

- \`akidaVersion\` (1: AKD1000, 2: Akida 2.0 IP), \`nps\` and \`chips\` in use.
- \`layers[]\` in execution order:
  - \`input\`: the host's tensor quantized to \`activation.bits\` signed levels of \`scale\`.
  - \`dense\` / \`dense-output\`: \`inFeatures\`, \`outFeatures\`, \`weights\` (\`file\`: packed signed
    integers of \`bits\` bits, rows [out][in]; \`scales\`: float32 per output neuron), \`bias\`
    (float32, real units), \`activation\` (\`bits\`, \`levels\` = 2^bits − 1, \`scale\` λ per
    neuron: a = clip(round(y·levels/λ), 0, levels)·λ/levels), \`allocation\` (NPs, neurons per NP,
    weight words per neuron, input SRAM words).
  - \`host\`: ops that run on the host CPU as a software sequence (softmax, LayerNorm, embeddings,
    activation × activation products), with their input and output tensors.

## Weights

Two's complement codes of \`bits\` bits packed into bytes low bits first (element k at bit
k·bits); 1-bit weights store +1 as 1 and −1 as 0. Real weight = code × scale of its neuron.
`;
