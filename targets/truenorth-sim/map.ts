/**
 * map:truenorth-sim — the legalized IR's on-chip layers placed onto cores (core-mapping.ts) and
 * laid over the allowed chips (src/neuro/mapping.ts: a network that needs more cores than
 * `chips` chips hold fails naming the layer and the numbers). Writes the framework's
 * `mapping.json` with each layer's core counts in `detail` and the ticks one input row takes.
 */
import { join } from "node:path";
import { checkHostOps } from "../../src/neuro/host-ops.js";
import { placeOnChips, writeMapping, type LayerDemand, type Mapping, type PlacedLayer } from "../../src/neuro/mapping.js";
import type { StageKind } from "../../src/plan/stage-kind.js";
import type { SnnIr } from "../../src/snn/ir.js";
import type { Json } from "../../src/util/canonical-json.js";
import { mapLayers, type LayerMapping, type LayerShape } from "./core-mapping.js";

const NAME = "truenorth-sim";

/** Core geometry and chip size (profile constraints), chips allowed (config), the host's ops. */
export interface MapParams {
  axons_per_core: number;
  neurons_per_core: number;
  cores_per_chip: number;
  chips?: number;
  host_ops: string[];
}

/** A mapped layer's TrueNorth figures (PlacedLayer.detail) and the island (run between host layers) it belongs to. */
export type TrueNorthLayer = LayerMapping & { island: number };

/** mapping.json of truenorth-sim: the framework's Mapping plus TrueNorth's utilization and ticks. */
export interface TrueNorthMapping extends Mapping {
  /** Neurons in use / neurons of the cores in use. */
  neuronUtilization: number;
  /** Axons in use / axons of the cores in use. */
  axonUtilization: number;
  /** Ticks one input row takes (a sample, or one token position of an LM window): T per island, plus one per layer hop and neuron-tree merge. */
  ticksPerRow: number;
  islands: number;
  hops: number;
}

/** The TrueNorth figures of a placed layer (what map stored in its detail). */
export function trueNorthLayer(layer: PlacedLayer): TrueNorthLayer {
  return layer.detail as unknown as TrueNorthLayer;
}

/** The on-chip layers as the mapper sees them, with the island (run between host layers) each belongs to. */
export function layerShapes(ir: SnnIr): { shapes: LayerShape[]; islands: number[] } {
  const encoders = new Set<string>();
  const shapes: LayerShape[] = [];
  const islands: number[] = [];
  const byOutput = new Map<string, LayerShape>();
  let island = 0;
  let afterHost = true;
  for (const layer of ir.layers) {
    if (layer.type === "host") {
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
  return { shapes, islands };
}

/** Stage kind `map:truenorth-sim`: input `snn` (legalized); output `mapping.json`. */
export const mapKind: StageKind<MapParams> = {
  id: `map:${NAME}`,
  version: "2",
  description: "place the legalized network onto TrueNorth cores (crossbars, neuron trees, duplicated neurons)",
  async run(ctx, inputs, params) {
    const { readSnnIr } = await import("../../src/snn/index.js");
    const loaded = await readSnnIr(inputs.snn!);
    const synapses = (name: string): number => {
      const layer = loaded.ir.layers.find((l) => l.name === name);
      if (layer?.type !== "spiking" && layer?.type !== "readout") return 0;
      let count = 0;
      for (const t of loaded.arrays.get(layer.weight.file)!) if (t !== 0) count++;
      return count;
    };
    const mapping = mapNetwork(loaded.ir, params, synapses);
    await writeMapping(join(ctx.workDir, "mapping.json"), mapping);
    return { outputs: { "mapping.json": "mapping.json" }, metrics: { cores: mapping.used, chips: mapping.chips, utilization: mapping.utilization } };
  },
};

/**
 * Maps a legalized IR (`synapses(layer)`: its stored nonzero synapses); throws naming the layer
 * whose cores overflow the allowed chips, or whose outputs cannot be placed on a core.
 */
export function mapNetwork(ir: SnnIr, params: MapParams, synapses: (layer: string) => number): TrueNorthMapping {
  const host = checkHostOps(NAME, ir, params.host_ops);
  const { shapes, islands } = layerShapes(ir);
  const geometry = { axonsPerCore: params.axons_per_core, neuronsPerCore: params.neurons_per_core };
  const layers = mapLayers(shapes, geometry);
  const demands = layers.map((layer, index): LayerDemand => ({
    name: layer.name,
    type: shapes[index]!.signedOutput ? "readout" : "spiking",
    neurons: layer.neurons,
    synapses: synapses(layer.name),
    units: layer.cores,
    reason: reason(layer),
    detail: { ...layer, island: islands[index]! } as unknown as Record<string, Json>,
  }));
  const placed = placeOnChips(
    { target: NAME, unit: "cores", perChip: params.cores_per_chip, chipsAllowed: params.chips ?? 1, origin: `the ${NAME} target` },
    demands,
    host,
    // Ternary crossbar synapses: the weight each synapse stores is 2 bits (sign and presence).
    2,
  );
  const neurons = layers.reduce((n, l) => n + l.neurons, 0);
  const axons = layers.reduce((n, l) => n + l.axons, 0);
  const islandCount = new Set(islands).size;
  const hops = layers.reduce((n, l) => n + 1 + l.extraTicks, 0);
  const T = ir.encoding.timesteps;
  return {
    ...placed,
    neuronUtilization: placed.used > 0 ? round(neurons / (placed.used * params.neurons_per_core)) : 0,
    axonUtilization: placed.used > 0 ? round(axons / (placed.used * params.axons_per_core)) : 0,
    ticksPerRow: islandCount * T + hops,
    islands: islandCount,
    hops,
  };
}

/** Why a layer takes its cores, in numbers. */
function reason(m: LayerMapping): string {
  const fanIn = `fan-in ${m.inFeatures} × ${m.axonsPerInput} axons / ${m.inputsPerCore * m.axonsPerInput} per core`;
  if (m.partialGroups === 1) return `${fanIn} = 1 group; ${m.outFeatures} outputs × ${m.copies} neurons, ${m.outputsPerCore} outputs per core`;
  return `${fanIn} = ${m.partialGroups} partial-sum groups: ${m.partialCores} partial cores + ${m.neuronCores} merge cores of ${m.outputsPerCore} outputs`;
}

function round(value: number): number {
  return Number(value.toPrecision(6));
}
