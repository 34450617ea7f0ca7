/**
 * legalize:loihi2-sim — the spiking network as Loihi 2 expresses it: weights as 8-bit mantissas
 * with a per-layer exponent (weights.ts), host layers only with ops the profile's host_ops
 * allows. Both IR encodings are accepted: binary spikes (IF/LIF: CUBA neurons) and graded
 * spikes (sigma-delta: Lava's SigmaDelta neurons). The accuracy cost of requantizing shows in
 * simulate:loihi2-sim's figures.
 */
import { join } from "node:path";
import type { StageKind } from "../../src/plan/stage-kind.js";
import type { Json } from "../../src/util/canonical-json.js";

export interface LegalizeParams {
  weight_bits: number;
  host_ops: string[];
}

export const legalizeKind: StageKind<LegalizeParams> = {
  id: "legalize:loihi2-sim",
  version: "1",
  description: "requantize the spiking network's weights to Loihi 2's 8-bit mantissa with a per-layer exponent; check host ops",
  async run(ctx, inputs, params) {
    const { readSnnIr } = await import("../../src/snn/index.js");
    const { checkHostOps } = await import("../../src/neuro/host-ops.js");
    const { writeLegalizedIr } = await import("../../src/neuro/ir-copy.js");
    const { perChannel } = await import("../../src/snn/compile.js");
    const { legalizeWeights } = await import("./weights.js");
    const loaded = await readSnnIr(inputs.snn!);
    checkHostOps("loihi2-sim", loaded.ir, params.host_ops);
    const rewrites = new Map<string, { weight: { array: Int8Array; scale: number } }>();
    const layers: Json[] = [];
    for (const layer of loaded.ir.layers) {
      if (layer.type !== "spiking" && layer.type !== "readout") continue;
      const scale = typeof layer.weight.scale === "number" ? layer.weight.scale : perChannel(layer.weight.scale, layer.outFeatures, loaded.arrays);
      const chip = legalizeWeights(loaded.arrays.get(layer.weight.file)!, scale, layer.outFeatures, params.weight_bits);
      rewrites.set(layer.name, { weight: { array: chip.mantissa, scale: chip.scale } });
      layers.push({
        name: layer.name,
        weights: chip.requantized ? "requantized" : "kept",
        ...(chip.exponent !== undefined ? { exponent: chip.exponent } : {}),
        maxRelativeError: Number(chip.maxRelativeError.toPrecision(6)),
      });
    }
    await writeLegalizedIr(loaded, join(ctx.workDir, "snn"), rewrites);
    return { outputs: { snn: "snn" }, metrics: { weightBits: params.weight_bits, encoding: loaded.ir.encoding.type, layers } };
  },
};
