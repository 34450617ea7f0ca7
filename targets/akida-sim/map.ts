/**
 * map:akida-sim — NPs for every dense layer of the legalized IR (np-allocation.ts), the chips
 * they need, and which layers run on the host. Writes `mapping.json`; fails naming the layer and
 * the numbers when the network needs more NPs than `chips` chips hold.
 */
import { join } from "node:path";
import { SlmError } from "../../src/errors.js";
import type { StageKind } from "../../src/plan/stage-kind.js";
import type { SnnIr } from "../../src/snn/ir.js";
import { writeFileAtomic } from "../../src/util/file-io.js";
import { allocateNps, type NpAllocation, type NpBudget } from "./np-allocation.js";

export interface MapParams extends NpBudget {
  version: 1 | 2;
  weightBits: number;
  activationBits: number;
  npsPerChip: number;
  chips: number;
}

/** mapping.json. */
export interface AkidaMapping {
  unit: "NPs";
  used: number;
  available: number;
  utilization: number;
  chips: number;
  /** Weight bits stored / weight SRAM bits of the NPs in use. */
  weightSramUtilization: number;
  layers: NpAllocation[];
  hostLayers: string[];
}

/** Stage kind `map:akida-sim`: input `snn` (legalized); output `mapping.json`. */
export const mapKind: StageKind<MapParams> = {
  id: "map:akida-sim",
  version: "1",
  description: "allocate Akida neural processors to the legalized network's layers by their SRAM budgets",
  async run(ctx, inputs, params) {
    const { readSnnIr } = await import("../../src/snn/index.js");
    const { ir } = await readSnnIr(inputs.snn!);
    const mapping = mapNetwork(ir, params);
    await writeFileAtomic(join(ctx.workDir, "mapping.json"), `${JSON.stringify(mapping, null, 2)}\n`);
    return { outputs: { "mapping.json": "mapping.json" }, metrics: { nps: mapping.used, chips: mapping.chips, utilization: mapping.utilization } };
  },
};

/** Allocates NPs to every dense layer; throws naming the layer whose NPs overflow the allowed chips. */
export function mapNetwork(ir: SnnIr, params: MapParams): AkidaMapping {
  const available = params.npsPerChip * params.chips;
  const layers: NpAllocation[] = [];
  const hostLayers: string[] = [];
  let used = 0;
  let stored = 0;
  for (const layer of ir.layers) {
    if (layer.type === "host") hostLayers.push(layer.name);
    if (layer.type !== "spiking" && layer.type !== "readout") continue;
    const allocation = allocateNps(layer, params.weightBits, params.activationBits, params);
    if (used + allocation.nps > available) {
      throw new SlmError(
        `akida-sim: layer ${layer.name} needs ${allocation.nps} NPs (${allocation.neuronsPerNp} of its ${layer.outFeatures} neurons per NP), bringing the network to ${used + allocation.nps} > ${available} NPs (${params.chips} chip${params.chips === 1 ? "" : "s"} × ${params.npsPerChip}); allow more chips with the target's chips param`,
      );
    }
    used += allocation.nps;
    stored += layer.inFeatures * layer.outFeatures * params.weightBits;
    layers.push(allocation);
  }
  const sramBits = used * params.weightWords * params.weightWordBits;
  return {
    unit: "NPs",
    used,
    available,
    utilization: round(used / available),
    chips: Math.max(1, Math.ceil(used / params.npsPerChip)),
    weightSramUtilization: sramBits > 0 ? round(stored / sramBits) : 0,
    layers,
    hostLayers,
  };
}

function round(value: number): number {
  return Number(value.toPrecision(6));
}
