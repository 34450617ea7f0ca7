import type { Json } from "../util/canonical-json.js";
import type { Estimate, Hardware, ModelRow } from "./model.js";

/**
 * Typed reads of a row's metrics (the row-metrics contract of model.ts): what the comparison
 * table, the gates and `slm report --diff` all read, so each figure is picked out in one place.
 * A value of the wrong shape reads as absent; the schema of report.json says the right shapes.
 */

type JsonObject = { [key: string]: Json };

function objectAt(value: Json | undefined): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
}

function numberAt(value: Json | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** An entry of the row's `estimates` when it has the Estimate shape. */
export function estimateOf(row: ModelRow, name: "energyPerInference" | "energyPerInferenceGeneric" | "latencyPerInference"): Estimate | undefined {
  const entry = objectAt(objectAt(row.metrics.estimates)?.[name]);
  const value = numberAt(entry?.value);
  if (!entry || value === undefined || typeof entry.unit !== "string") return undefined;
  return {
    value,
    unit: entry.unit,
    estimated: true,
    evidence: typeof entry.evidence === "string" ? entry.evidence : "unstated",
    model: typeof entry.model === "string" ? entry.model : "unnamed model",
    ...(typeof entry.formula === "string" ? { formula: entry.formula } : {}),
  };
}

/** A figure in one unit, with where it comes from: measured on this machine, or an estimate. */
export interface UnitFigure {
  value: number;
  /** Absent for a measurement. */
  estimate?: Estimate;
}

const ENERGY_IN_UJ: Record<string, number> = { pJ: 1e-6, nJ: 1e-3, µJ: 1, μJ: 1, uJ: 1, mJ: 1e3, J: 1e6 };
const TIME_IN_MS: Record<string, number> = { ns: 1e-6, µs: 1e-3, μs: 1e-3, us: 1e-3, ms: 1, s: 1e3 };

/** Energy per inference in µJ (estimated: nothing measures a simulated chip's energy). */
export function energyUj(row: ModelRow): UnitFigure | undefined {
  const estimate = estimateOf(row, "energyPerInference");
  const scale = estimate ? ENERGY_IN_UJ[estimate.unit] : undefined;
  return estimate && scale !== undefined ? { value: estimate.value * scale, estimate } : undefined;
}

/** Latency per inference in ms: the measured median where the row was timed, else the estimate. */
export function latencyMs(row: ModelRow): UnitFigure | undefined {
  if (row.latency) return { value: row.latency.medianMs };
  const estimate = estimateOf(row, "latencyPerInference");
  const scale = estimate ? TIME_IN_MS[estimate.unit] : undefined;
  return estimate && scale !== undefined ? { value: estimate.value * scale, estimate } : undefined;
}

/** The row's `hardware` (cores or NPs used on the chip) when it has the Hardware shape. */
export function hardwareOf(row: ModelRow): Hardware | undefined {
  const hardware = objectAt(row.metrics.hardware);
  const used = numberAt(hardware?.used);
  if (!hardware || used === undefined || typeof hardware.unit !== "string") return undefined;
  const optional = (name: "available" | "utilization" | "chips"): Partial<Hardware> => {
    const value = numberAt(hardware[name]);
    return value === undefined ? {} : { [name]: value };
  };
  return { unit: hardware.unit, used, ...optional("available"), ...optional("utilization"), ...optional("chips") };
}

/** Per-inference totals of a simulated spiking network (counted by the simulator, not estimated). */
export interface SpikingTotals {
  timesteps?: number;
  spikesPerInference?: number;
  synapticOpsPerInference?: number;
}

export function spikingOf(row: ModelRow): SpikingTotals | undefined {
  const spiking = objectAt(row.metrics.spiking);
  if (!spiking) return undefined;
  const totals: SpikingTotals = {};
  for (const name of ["timesteps", "spikesPerInference", "synapticOpsPerInference"] as const) {
    const value = numberAt(spiking[name]);
    if (value !== undefined) totals[name] = value;
  }
  return Object.keys(totals).length > 0 ? totals : undefined;
}

/** A spiking row's comparison with the ANN it came from: the ANN's task figure and top-1 agreement. */
export function annComparison(row: ModelRow, metric: "accuracy" | "perplexity"): { ann?: number; top1?: number } | undefined {
  const ann = numberAt(objectAt(row.metrics.ann)?.[metric]);
  const top1 = numberAt(objectAt(row.metrics.agreement)?.top1);
  if (ann === undefined && top1 === undefined) return undefined;
  return { ...(ann === undefined ? {} : { ann }), ...(top1 === undefined ? {} : { top1 }) };
}
