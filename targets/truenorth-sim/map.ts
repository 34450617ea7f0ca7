/**
 * map:truenorth-sim — the legalized IR's on-chip layers placed onto cores (core-mapping.ts), the
 * chips they need, and the ticks one inference takes. Writes `mapping.json`; fails naming the
 * layer and the numbers when the network needs more cores than `chips` chips hold.
 */
import { join } from "node:path";
import { SlmError } from "../../src/errors.js";
import type { StageKind } from "../../src/plan/stage-kind.js";
import type { SnnIr } from "../../src/snn/ir.js";
import type { Json } from "../../src/util/canonical-json.js";
import { writeFileAtomic } from "../../src/util/file-io.js";
import { mapLayers, type CoreGeometry, type LayerMapping, type LayerShape } from "./core-mapping.js";

export interface MapParams extends CoreGeometry {
  coresPerChip: number;
  /** Chips the config allows. */
  chips: number;
}

/** What map writes (mapping.json) and emit and estimate read. */
export interface TrueNorthMapping {
  unit: "cores";
  used: number;
  available: number;
  utilization: number;
  chips: number;
  /** Neurons in use / neurons of the cores in use. */
  neuronUtilization: number;
  /** Axons in use / axons of the cores in use. */
  axonUtilization: number;
  timesteps: number;
  /** Ticks per inference: per island, T plus one per layer hop and neuron-tree merge. */
  ticksPerInference: number;
  layers: (LayerMapping & { island: number })[];
  hostLayers: string[];
}

/** The on-chip layers as the mapper sees them, with the island (run between host layers) each belongs to. */
export function layerShapes(ir: SnnIr): { shapes: LayerShape[]; islands: number[]; hostLayers: string[] } {
  const encoders = new Set<string>();
  const shapes: LayerShape[] = [];
  const islands: number[] = [];
  const hostLayers: string[] = [];
  const byOutput = new Map<string, LayerShape>();
  let island = 0;
  let afterHost = true;
  for (const layer of ir.layers) {
    if (layer.type === "host") {
      hostLayers.push(layer.name);
      afterHost = true;
      continue;
    }
    if (afterHost) island++;
    afterHost = false;
    if (layer.type === "encoder") {
      encoders.add(layer.output);
      continue;
    }
    const shape: LayerShape = {
      name: layer.name,
      inFeatures: layer.inFeatures,
      outFeatures: layer.outFeatures,
      signedInput: encoders.has(layer.input),
      signedOutput: layer.type === "readout",
      toHost: layer.type === "readout" || layer.decoded === true,
      consumers: [],
    };
    byOutput.get(layer.input)?.consumers.push(layer.name);
    byOutput.set(layer.output, shape);
    shapes.push(shape);
    islands.push(island);
  }
  return { shapes, islands, hostLayers };
}

/** Stage kind `map:truenorth-sim`: input `snn` (legalized); output `mapping.json`. */
export const mapKind: StageKind<MapParams> = {
  id: "map:truenorth-sim",
  version: "1",
  description: "place the legalized network onto TrueNorth cores (crossbars, neuron trees, duplicated neurons)",
  async run(ctx, inputs, params) {
    const { readSnnIr } = await import("../../src/snn/index.js");
    const { ir } = await readSnnIr(inputs.snn!);
    const mapping = mapNetwork(ir, params);
    await writeFileAtomic(join(ctx.workDir, "mapping.json"), `${JSON.stringify(mapping, null, 2)}\n`);
    return { outputs: { "mapping.json": "mapping.json" }, metrics: { cores: mapping.used, chips: mapping.chips, utilization: mapping.utilization } as Record<string, Json> };
  },
};

/** Maps a legalized IR; throws naming the layer whose cores overflow the allowed chips. */
export function mapNetwork(ir: SnnIr, params: MapParams): TrueNorthMapping {
  const { shapes, islands, hostLayers } = layerShapes(ir);
  const layers = mapLayers(shapes, params);
  const available = params.coresPerChip * params.chips;
  let used = 0;
  for (const layer of layers) {
    if (used + layer.cores > available) {
      throw new SlmError(
        `truenorth-sim: layer ${layer.name} needs ${layer.cores} cores (fan-in ${layer.inFeatures}, fan-out ${layer.outFeatures}), bringing the network to ${used + layer.cores} > ${available} cores (${params.chips} chip${params.chips === 1 ? "" : "s"} × ${params.coresPerChip}); allow more chips with the target's chips param`,
      );
    }
    used += layer.cores;
  }
  const neurons = layers.reduce((n, l) => n + l.neurons, 0);
  const axons = layers.reduce((n, l) => n + l.axons, 0);
  const T = ir.encoding.timesteps;
  const islandCount = new Set(islands).size;
  const hops = layers.reduce((n, l) => n + 1 + l.extraTicks, 0);
  return {
    unit: "cores",
    used,
    available,
    utilization: round(used / available),
    chips: Math.max(1, Math.ceil(used / params.coresPerChip)),
    neuronUtilization: used > 0 ? round(neurons / (used * params.neuronsPerCore)) : 0,
    axonUtilization: used > 0 ? round(axons / (used * params.axonsPerCore)) : 0,
    timesteps: T,
    ticksPerInference: islandCount * T + hops,
    layers: layers.map((layer, index) => ({ ...layer, island: islands[index]! })),
    hostLayers,
  };
}

function round(value: number): number {
  return Number(value.toPrecision(6));
}
