/**
 * legalize:akida-sim — the SNN IR rewritten into Akida's semantics: no timesteps, one pass per
 * input, integer activations of `activationBits` and integer weights of `weightBits` (one scale
 * per output neuron). Expressed in the IR as a sigma-delta network with T = 1 and θ = 0: with one
 * timestep every neuron sends its activation once, exactly when it is nonzero (Akida's events),
 * and the sigma-delta neuron's `levels` quantizes it to b bits of its layer's activation scale λ
 * (rate neurons: their threshold θ = threshold × λ; clipped at λ, rounded to λ / (2^b − 1)).
 * Encoders quantize the host's input to `inputBits` signed (2^(b−1) − 1 levels of λ_in).
 * Readouts give their integer accumulator back (Akida's last layer without activation).
 *
 * Refused, naming the layer and the numbers (stage error, exit 1): a fully connected layer with
 * more inputs than the version allows (Akida 1.0 FullyConnected ≤ 57,334; 2.0 Dense1D ≤ 2,048),
 * and host layers running ops the profile's host_ops do not list. (Bit widths the version does
 * not have are config errors, refused when the target is planned: index.ts.)
 */
import { join } from "node:path";
import { SlmError } from "../../src/errors.js";
import { checkHostOps } from "../../src/neuro/host-ops.js";
import type { StageKind } from "../../src/plan/stage-kind.js";
import { withoutSpikeNeuron, type DenseLayer, type EncoderLayer, type Layer, type NeuronModel, type PerChannel } from "../../src/snn/ir.js";
import type { Json } from "../../src/util/canonical-json.js";
import { quantizeWeights } from "./quantize-weights.js";

export interface LegalizeParams {
  version: 1 | 2;
  weight_bits: number;
  activation_bits: number;
  input_bits: number;
  /** Largest fan-in of a fully connected layer on this version. */
  max_inputs: number;
  host_ops: string[];
}

const NAME = "akida-sim";

/** Stage kind `legalize:akida-sim`: input `snn`; output `snn` (sigma-delta, T = 1, quantized). */
export const legalizeKind: StageKind<LegalizeParams> = {
  id: `legalize:${NAME}`,
  version: "2",
  description: "rewrite the spiking network into Akida's integer weights and activations, one pass per input",
  async run(ctx, inputs, params) {
    const { readSnnIr, IrFolderWriter } = await import("../../src/snn/index.js");
    const { perChannel } = await import("../../src/snn/compile.js");
    const loaded = await readSnnIr(inputs.snn!);
    const { ir } = loaded;
    checkHostOps(NAME, ir, params.host_ops);
    const writer = new IrFolderWriter(join(ctx.workDir, "snn"));
    const activationLevels = 2 ** params.activation_bits - 1;
    const inputLevels = 2 ** (params.input_bits - 1) - 1;
    /** λ of a neuron: a rate neuron's threshold, a sigma-delta neuron's scale. */
    const scaleOf = async (neuron: NeuronModel, field: string): Promise<PerChannel> => {
      const value = neuron.model === "sigma-delta" ? neuron.scale : neuron.threshold;
      if (typeof value === "number") return value;
      return writer.array(`${field}.lambda.bin`, loaded.arrays.get(value.file)!, value.shape);
    };
    const layers: Layer[] = [];
    const report: Json[] = [];
    for (const layer of ir.layers) {
      if (layer.type === "host") {
        layers.push({ ...layer, model: await writer.blob(layer.model.file, loaded.blobs.get(layer.model.file)!) });
        continue;
      }
      if (layer.type === "encoder") {
        const encoder: EncoderLayer = {
          ...layer,
          neuron: { model: "sigma-delta", scale: await scaleOf(layer.neuron, layer.name), theta: 0, levels: inputLevels },
        };
        layers.push(encoder);
        continue;
      }
      if (layer.inFeatures > params.max_inputs) {
        throw new SlmError(
          `${NAME}: layer ${layer.name} has ${layer.inFeatures} inputs; Akida ${params.version}.0's ${params.version === 1 ? "FullyConnected" : "Dense1D"} layers take at most ${params.max_inputs}`,
        );
      }
      const { inFeatures: F, outFeatures: N } = layer;
      const stored = loaded.arrays.get(layer.weight.file)!;
      const scale = perChannel(layer.weight.scale, N, loaded.arrays);
      const real = new Float64Array(F * N);
      for (let k = 0; k < real.length; k++) real[k] = stored[k]! * scale[k % N]!;
      const quantized = quantizeWeights(real, F, N, params.weight_bits);
      let errorSquares = 0;
      let squares = 0;
      let synapses = 0;
      for (let k = 0; k < real.length; k++) {
        const q = quantized.values[k]! * quantized.scales[k % N]!;
        errorSquares += (real[k]! - q) ** 2;
        squares += real[k]! ** 2;
        if (quantized.values[k] !== 0) synapses++;
      }
      const dense: DenseLayer = {
        ...withoutSpikeNeuron(layer),
        weight: { ...(await writer.array(layer.weight.file, quantized.values, [F, N])), scale: await writer.array(layer.weight.file.replace(/(\.bin)?$/, ".scale.bin"), quantized.scales, [N]) },
        bias: layer.bias ? await writer.array(layer.bias.file, loaded.arrays.get(layer.bias.file)!, [N]) : undefined,
        neuron: layer.type === "spiking" ? { model: "sigma-delta", scale: await scaleOf(layer.neuron!, layer.name), theta: 0, levels: activationLevels } : undefined,
      };
      layers.push(dense);
      report.push({ name: layer.name, synapses, relativeWeightError: squares > 0 ? round(Math.sqrt(errorSquares / squares)) : 0 });
    }
    await writer.finish({ ...ir, encoding: { type: "sigma-delta", timesteps: 1, theta: 0 }, decoding: "membrane", layers });
    return { outputs: { snn: "snn" }, metrics: { weightBits: params.weight_bits, activationBits: params.activation_bits, layers: report } };
  },
};

function round(value: number): number {
  return Number(value.toPrecision(6));
}
