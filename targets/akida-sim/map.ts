/**
 * map:akida-sim — NPs for every dense layer of the legalized IR (np-allocation.ts), laid over
 * the allowed chips (src/neuro/mapping.ts: a network that needs more NPs than `chips` chips hold
 * fails naming the layer and the numbers). Writes the framework's `mapping.json`, each layer's
 * allocation in `detail`, plus the weight SRAM utilization.
 */
import { join } from "node:path";
import { checkHostOps } from "../../src/neuro/host-ops.js";
import { placeOnChips, writeMapping, type Mapping, type PlacedLayer } from "../../src/neuro/mapping.js";
import type { StageKind } from "../../src/plan/stage-kind.js";
import type { SnnIr } from "../../src/snn/ir.js";
import type { Json } from "../../src/util/canonical-json.js";
import { allocateNps, type NpAllocation } from "./np-allocation.js";

const NAME = "akida-sim";

/** The chosen version's NP memories and chip size (profile constraints), the bit widths, chips allowed, host ops. */
export interface MapParams {
  weight_sram_words: number;
  weight_word_bits: number;
  input_sram_words: number;
  input_word_bits: number;
  nps_per_chip: number;
  weight_bits: number;
  activation_bits: number;
  chips?: number;
  host_ops: string[];
}

/** mapping.json of akida-sim: the framework's Mapping plus the weight SRAM utilization. */
export interface AkidaMapping extends Mapping {
  /** Weight bits stored / weight SRAM bits of the NPs in use. */
  weightSramUtilization: number;
}

/** A placed layer's NP allocation (what map stored in its detail). */
export function npAllocation(layer: PlacedLayer): NpAllocation {
  return layer.detail as unknown as NpAllocation;
}

/** Stage kind `map:akida-sim`: input `snn` (legalized); output `mapping.json`. */
export const mapKind: StageKind<MapParams> = {
  id: `map:${NAME}`,
  version: "2",
  description: "allocate Akida neural processors to the legalized network's layers by their SRAM budgets",
  async run(ctx, inputs, params) {
    const { readSnnIr } = await import("../../src/snn/index.js");
    const loaded = await readSnnIr(inputs.snn!);
    const synapses = (file: string): number => {
      let count = 0;
      for (const w of loaded.arrays.get(file)!) if (w !== 0) count++;
      return count;
    };
    const mapping = mapNetwork(loaded.ir, params, synapses);
    await writeMapping(join(ctx.workDir, "mapping.json"), mapping);
    return { outputs: { "mapping.json": "mapping.json" }, metrics: { nps: mapping.used, chips: mapping.chips, utilization: mapping.utilization } };
  },
};

/** Allocates NPs to every dense layer (`synapses(file)`: nonzero weights stored in a weight file). */
export function mapNetwork(ir: SnnIr, params: MapParams, synapses: (file: string) => number): AkidaMapping {
  const host = checkHostOps(NAME, ir, params.host_ops);
  const budget = { weightWords: params.weight_sram_words, weightWordBits: params.weight_word_bits, inputWords: params.input_sram_words, inputWordBits: params.input_word_bits };
  let stored = 0;
  const demands = ir.layers.flatMap((layer) => {
    if (layer.type !== "spiking" && layer.type !== "readout") return [];
    const allocation = allocateNps(layer, params.weight_bits, params.activation_bits, budget);
    stored += layer.inFeatures * layer.outFeatures * params.weight_bits;
    return [
      {
        name: layer.name,
        type: layer.type,
        neurons: layer.outFeatures,
        synapses: synapses(layer.weight.file),
        units: allocation.nps,
        reason: `${layer.outFeatures} neurons / ${allocation.neuronsPerNp} per NP (${allocation.wordsPerNeuron} weight words of ${params.weight_word_bits} bits each, ${params.weight_sram_words} per NP)`,
        detail: allocation as unknown as Record<string, Json>,
      },
    ];
  });
  const placed = placeOnChips({ target: NAME, unit: "NPs", perChip: params.nps_per_chip, chipsAllowed: params.chips ?? 1, origin: `the ${NAME} target` }, demands, host, params.weight_bits);
  const sramBits = placed.used * params.weight_sram_words * params.weight_word_bits;
  return { ...placed, weightSramUtilization: sramBits > 0 ? Number((stored / sramBits).toPrecision(6)) : 0 };
}
