/**
 * mapping.json: where a legalized network sits on a chip. A target computes how many cores (or
 * neural processors) each on-chip layer needs, with the reason in numbers; `placeOnChips` lays
 * the layers out in IR order over as many chips as the config allows, and fails naming the layer
 * that does not fit and the numbers compared.
 */
import { readFile } from "node:fs/promises";
import { SlmError } from "../errors.js";
import { writeFileAtomic } from "../util/file-io.js";
import type { Json } from "../util/canonical-json.js";

export const MAPPING_FORMAT = "slm-mapping";
export const MAPPING_FILE = "mapping.json";

/** What one on-chip layer needs, as the target computed it. */
export interface LayerDemand {
  name: string;
  type: "encoder" | "spiking" | "readout";
  neurons: number;
  /** Stored, nonzero synapses (0 for an encoder). */
  synapses: number;
  /** Cores (or NPs) the layer occupies. */
  units: number;
  /** Why that many, in numbers: `1,024 neurons / 8,192 per core; 262,144 B of synapses / 131,072 B per core`. */
  reason: string;
  /** Target-specific figures (bytes per core, fan-in, weight bits, ...). */
  detail?: Record<string, Json>;
}

/** A placed layer: its demand, the first unit index it occupies (chip-major) and its chips. */
export interface PlacedLayer extends LayerDemand {
  first: number;
  chips: number[];
}

/** A host layer: what runs beside the chip. */
export interface HostPlacement {
  name: string;
  ops: Record<string, number>;
}

/** mapping.json. */
export interface Mapping {
  format: typeof MAPPING_FORMAT;
  version: 1;
  target: string;
  unit: "cores" | "NPs";
  /** Units per chip (the profile's). */
  perChip: number;
  /** Chips the config allows. */
  chipsAllowed: number;
  /** Chips used. */
  chips: number;
  used: number;
  /** Units on the chips used. */
  available: number;
  utilization: number;
  /** The bits the chip stores weights in (largest over layers). */
  weightBits: number;
  layers: PlacedLayer[];
  host: HostPlacement[];
}

/** The chip geometry a placement works with. */
export interface Capacity {
  target: string;
  unit: "cores" | "NPs";
  perChip: number;
  chipsAllowed: number;
  /** The config path of the target, for the hint to allow more chips (`targets[1]`). */
  origin: string;
}

/**
 * Places layers in order onto consecutive units (a layer may cross a chip boundary; chips talk
 * over their mesh links). Throws a stage error (exit 1) naming the first layer past the last
 * allowed chip, with its demand and the units available.
 */
export function placeOnChips(capacity: Capacity, demands: readonly LayerDemand[], host: readonly HostPlacement[], weightBits: number): Mapping {
  const { perChip, chipsAllowed, unit } = capacity;
  const available = perChip * chipsAllowed;
  let next = 0;
  const layers: PlacedLayer[] = [];
  for (const demand of demands) {
    if (demand.units < 1 || !Number.isInteger(demand.units)) throw new Error(`map: layer ${demand.name} demands ${demand.units} ${unit}`);
    const last = next + demand.units;
    if (last > available) {
      const more = Math.ceil(totalUnits(demands) / perChip);
      throw new SlmError(
        `layer ${demand.name} does not fit: it needs ${demand.units} ${unit} (${demand.reason}), ` +
          `${unit} ${next}–${last - 1} of the network, but chips: ${chipsAllowed} × ${perChip} ${unit} per chip = ${available} ${unit} ` +
          `(the network needs ${totalUnits(demands)} ${unit}: set chips: ${more} on ${capacity.origin} to map it onto ${more} chips)`,
      );
    }
    const chips: number[] = [];
    for (let chip = Math.floor(next / perChip); chip <= Math.floor((last - 1) / perChip); chip++) chips.push(chip);
    layers.push({ ...demand, first: next, chips });
    next = last;
  }
  const chips = Math.max(1, Math.ceil(next / perChip));
  return {
    format: MAPPING_FORMAT,
    version: 1,
    target: capacity.target,
    unit,
    perChip,
    chipsAllowed,
    chips,
    used: next,
    available: chips * perChip,
    utilization: round(next / (chips * perChip)),
    weightBits,
    layers,
    host: [...host],
  };
}

function totalUnits(demands: readonly LayerDemand[]): number {
  return demands.reduce((sum, d) => sum + d.units, 0);
}

/** Writes mapping.json atomically (keys in a fixed order, a final newline). */
export async function writeMapping(path: string, mapping: Mapping): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(mapping, null, 2)}\n`);
}

/** Reads a mapping.json that a map stage wrote. */
export async function readMapping(path: string): Promise<Mapping> {
  const mapping = JSON.parse(await readFile(path, "utf8")) as Mapping;
  if (mapping.format !== MAPPING_FORMAT || mapping.version !== 1) throw new SlmError(`${path} is not a ${MAPPING_FORMAT} version 1 file`);
  return mapping;
}

/** 6 significant digits, as the simulator's figures. */
export function round(value: number): number {
  return Number(value.toPrecision(6));
}
