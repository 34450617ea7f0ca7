/**
 * The estimate stage of a neuromorphic target: the mapping and the simulation's counts in, the
 * target's report row out (`metrics.json`, the row-metrics contract of src/report/model.ts).
 * The framework does what every chip shares — per-inference and per-timestep counts, host time
 * and host energy, the generic 45 nm energy, the row's figures — and a ChipModel supplies the
 * chip's own time and energy, each as a Term with its formula and evidence.
 *
 *   latency = chip time + host time,  host time = HostMACs / host MAC rate (timing.host_mac_rate)
 *   energy  = chip energy (static power × latency included, where the chip has one)
 *             + HostMACs × E_MAC(fp32, 45 nm)
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StageKind } from "../plan/stage-kind.js";
import type { Json } from "../util/canonical-json.js";
import { fmt, GENERIC_EVIDENCE, GENERIC_MODEL, HOROWITZ_45NM, precisionForBits, snnEnergyPj } from "./energy.js";
import { readMapping, round, type Mapping } from "./mapping.js";
import { weakestEvidence, type Evidence, type Fact } from "./profile.js";

/** One simulated layer as the simulate stage's metrics.json lists it (src/snn/simulate-metrics.ts). */
export interface SimulatedLayer {
  name: string;
  type: string;
  where: "chip" | "host";
  neurons?: number;
  rows?: number;
  spikes?: number;
  synapticOps?: number;
  neuronUpdates?: { active: number; idle: number };
  macs: number;
  [key: string]: Json | undefined;
}

/** The simulate stage's metrics.json, the fields the estimate reads (the rest is copied). */
export interface SimulationFigures {
  units: number;
  encoding: { timesteps: number };
  spiking: Record<string, Json>;
  layers: SimulatedLayer[];
  [key: string]: unknown;
}

/** Counts per inference (a sample, or an LM window: every token position's T timesteps). */
export interface PerInference {
  /** Timesteps the chip runs per inference: T × rows per inference. */
  timesteps: number;
  synapticOps: number;
  spikes: number;
  activeUpdates: number;
  idleUpdates: number;
  encoderUpdates: number;
  hostMacs: number;
  chipMacs: number;
}

/** An on-chip layer's load per timestep, with the cores it has. */
export interface LayerLoad {
  name: string;
  type: string;
  units: number;
  neurons: number;
  synapticOpsPerStep: number;
  spikesPerStep: number;
  activeUpdatesPerStep: number;
  idleUpdatesPerStep: number;
}

/** What a ChipModel computes from. */
export interface EstimateInput {
  mapping: Mapping;
  simulation: SimulationFigures;
  perInference: PerInference;
  layers: LayerLoad[];
}

/** A computed figure with how it was computed. */
export interface Term {
  value: number;
  formula: string;
  evidence: Evidence;
}

/** The chip-specific half of an estimate. */
export interface ChipModel<P> {
  /** Labels the report shows beside the figures, e.g. "Loihi 1 per-event costs (Davies et al. 2018), extrapolated". */
  readonly energyModel: string;
  readonly latencyModel: string;
  /** Seconds the chip computes per inference. */
  chipSeconds(input: EstimateInput, params: P): Term;
  /** Joules the chip spends per inference, given the whole latency (static power runs for all of it); `parts` in µJ. */
  chipJoules(input: EstimateInput, params: P, latencySeconds: number): Term & { parts: Record<string, number> };
}

/** A fact as factRecords binds it. */
export type FactParam = Pick<Fact, "value" | "unit" | "source" | "evidence" | "note">;

/** Params every estimate stage has: the host's MAC rate (timing.host_mac_rate of the profile). */
export interface EstimateParams {
  host_mac_rate: FactParam;
}

/** Counts per inference and per-layer loads from the simulation and the mapping. */
export function estimateInput(mapping: Mapping, simulation: SimulationFigures): EstimateInput {
  const units = Math.max(1, simulation.units);
  const T = simulation.encoding.timesteps;
  const chipLayers = simulation.layers.filter((l) => l.where === "chip");
  const rows = Math.max(0, ...chipLayers.map((l) => l.rows ?? 0));
  const per = (sum: number): number => sum / units;
  const total = (pick: (l: SimulatedLayer) => number, layers: readonly SimulatedLayer[] = chipLayers): number => layers.reduce((s, l) => s + pick(l), 0);
  const cores = new Map(mapping.layers.map((l) => [l.name, l.units]));
  const layers = chipLayers.map((l): LayerLoad => {
    const steps = Math.max(1, (l.rows ?? rows) * T);
    return {
      name: l.name,
      type: l.type,
      units: cores.get(l.name) ?? 0,
      neurons: l.neurons ?? 0,
      synapticOpsPerStep: (l.synapticOps ?? 0) / steps,
      spikesPerStep: (l.spikes ?? 0) / steps,
      activeUpdatesPerStep: (l.neuronUpdates?.active ?? 0) / steps,
      idleUpdatesPerStep: (l.neuronUpdates?.idle ?? 0) / steps,
    };
  });
  return {
    mapping,
    simulation,
    layers,
    perInference: {
      timesteps: (rows * T) / units,
      synapticOps: per(total((l) => l.synapticOps ?? 0)),
      spikes: per(total((l) => l.spikes ?? 0)),
      activeUpdates: per(total((l) => l.neuronUpdates?.active ?? 0)),
      idleUpdates: per(total((l) => l.neuronUpdates?.idle ?? 0)),
      encoderUpdates: per(total((l) => (l.neuronUpdates ? l.neuronUpdates.active + l.neuronUpdates.idle : 0), chipLayers.filter((l) => l.type === "encoder"))),
      hostMacs: per(total((l) => l.macs, simulation.layers.filter((l) => l.where === "host"))),
      chipMacs: per(total((l) => l.macs)),
    },
  };
}

/** The row's metrics: the simulation's figures, the estimates, the hardware used, per-layer cores. */
export function estimateMetrics<P extends EstimateParams>(input: EstimateInput, params: P, model: ChipModel<P>): Record<string, Json> {
  const { mapping, simulation, perInference } = input;
  const rate = params.host_mac_rate;
  const hostSeconds = perInference.hostMacs / Number(rate.value);
  const chipTime = model.chipSeconds(input, params);
  const latencySeconds = chipTime.value + hostSeconds;
  const chip = model.chipJoules(input, params, latencySeconds);
  const hostPj = HOROWITZ_45NM.fp32.mac * perInference.hostMacs;
  const generic = snnEnergyPj(perInference, precisionForBits(mapping.weightBits));
  const hostLabel = `HostMACs / host MAC rate = ${fmt(perInference.hostMacs)} / ${fmt(Number(rate.value))} ${rate.unit} (${rate.evidence})`;
  const estimates: Record<string, Json> = {
    energyPerInference: {
      value: round(chip.value * 1e6 + hostPj * 1e-6),
      unit: "µJ",
      estimated: true,
      evidence: weakestEvidence([chip, ...(perInference.hostMacs > 0 ? [{ evidence: GENERIC_EVIDENCE }] : [])]),
      model: model.energyModel,
      formula: `${chip.formula}; + host: E_MAC(fp32, 45 nm) × HostMACs = ${HOROWITZ_45NM.fp32.mac} pJ × ${fmt(perInference.hostMacs)}`,
    },
    energyPerInferenceGeneric: {
      value: round(generic.pj * 1e-6),
      unit: "µJ",
      estimated: true,
      evidence: GENERIC_EVIDENCE,
      model: GENERIC_MODEL,
      formula: generic.formula,
    },
    latencyPerInference: {
      value: round(latencySeconds * 1e3),
      unit: "ms",
      estimated: true,
      evidence: weakestEvidence([chipTime, ...(perInference.hostMacs > 0 ? [rate] : [])]),
      model: `${model.latencyModel}; host time from an assumed host MAC rate`,
      formula: `chip: ${chipTime.formula}; host: ${hostLabel}`,
    },
  };
  const cores = new Map(mapping.layers.map((l) => [l.name, l]));
  return {
    ...(simulation as unknown as Record<string, Json>),
    estimates,
    energyBreakdown: { unit: "µJ", ...roundAll(chip.parts), host: round(hostPj * 1e-6) },
    hardware: {
      unit: mapping.unit,
      used: mapping.used,
      available: mapping.available,
      utilization: mapping.utilization,
      chips: mapping.chips,
      layers: mapping.layers.map((l) => ({ name: l.name, [mapping.unit]: l.units, first: l.first, chips: l.chips, reason: l.reason })),
    },
    layers: simulation.layers.map((l) => (cores.has(l.name) ? { ...(l as unknown as Record<string, Json>), [mapping.unit]: cores.get(l.name)!.units } : (l as unknown as Record<string, Json>))),
    weightBits: mapping.weightBits,
  };
}

/**
 * The stage kind `estimate:<target>`. Inputs: `mapping` (mapping.json of map) and `simulation`
 * (metrics.json of simulate). Output: `metrics.json`, also the stage's metrics (the report row).
 */
export function estimateKind<P extends EstimateParams>(target: string, version: string, model: ChipModel<P>): StageKind<P> {
  return {
    id: `estimate:${target}`,
    version,
    description: `estimate ${target}'s energy and latency per inference from the mapping and the simulated event counts`,
    async run(ctx, inputs, params) {
      const mapping = await readMapping(inputs.mapping!);
      const simulation = JSON.parse(await readFile(inputs.simulation!, "utf8")) as SimulationFigures;
      const metrics = estimateMetrics(estimateInput(mapping, simulation), params, model);
      await writeFile(join(ctx.workDir, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
      return { outputs: { "metrics.json": "metrics.json" }, metrics };
    },
  };
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v)]));
}
