/**
 * map:loihi2-sim — the legalized network onto Loihi 2 cores (core-packing.ts), laid out over the
 * chips the config allows (src/neuro/mapping.ts). Encoders take cores for their input neurons;
 * host layers are listed with their ops.
 */
import { join } from "node:path";
import type { LayerDemand } from "../../src/neuro/mapping.js";
import type { StageKind } from "../../src/plan/stage-kind.js";

export interface MapParams {
  cores_per_chip: number;
  neurons_per_core: number;
  synaptic_memory_per_core: number;
  weight_bits: number;
  host_ops: string[];
  chips: number;
  /** The target's config path, for the hint to allow more chips. */
  origin: string;
}

export const mapKind: StageKind<MapParams> = {
  id: "map:loihi2-sim",
  version: "1",
  description: "pack each layer's neurons and synapses into Loihi 2 cores and the cores onto chips",
  async run(ctx, inputs, params) {
    const { readSnnIr } = await import("../../src/snn/index.js");
    const { checkHostOps, placeOnChips, writeMapping } = await import("../../src/neuro/index.js");
    const { packLayer } = await import("./core-packing.js");
    const loaded = await readSnnIr(inputs.snn!);
    const host = checkHostOps("loihi2-sim", loaded.ir, params.host_ops);
    const limits = { neuronsPerCore: params.neurons_per_core, memoryBytes: params.synaptic_memory_per_core, bits: params.weight_bits };
    const demands: LayerDemand[] = [];
    for (const layer of loaded.ir.layers) {
      if (layer.type === "host") continue;
      const neurons = layer.type === "encoder" ? layer.features : layer.outFeatures;
      const fanIn = new Int32Array(neurons);
      if (layer.type !== "encoder") {
        const stored = loaded.arrays.get(layer.weight.file)!;
        for (let k = 0; k < stored.length; k++) if (stored[k] !== 0) fanIn[k % layer.outFeatures]!++;
      }
      const packing = packLayer(layer.name, fanIn, limits);
      demands.push({
        name: layer.name,
        type: layer.type,
        neurons,
        synapses: packing.synapses,
        units: packing.cores,
        reason: packing.reason,
        detail: { input: layer.input, output: layer.output, synapticBytes: packing.bytes, maxFanIn: packing.maxFanIn },
      });
    }
    const mapping = placeOnChips(
      { target: "loihi2-sim", unit: "cores", perChip: params.cores_per_chip, chipsAllowed: params.chips, origin: params.origin },
      demands,
      host,
      params.weight_bits,
    );
    await writeMapping(join(ctx.workDir, "mapping.json"), mapping);
    return { outputs: { "mapping.json": "mapping.json" }, metrics: { cores: mapping.used, chips: mapping.chips, utilization: mapping.utilization } };
  },
};
