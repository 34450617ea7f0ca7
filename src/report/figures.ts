import type { Json } from "../util/canonical-json.js";
import type { ModelRow, Report } from "./model.js";

/**
 * How the HTML report reads the metrics of a comparison row. A metric is either a plain number
 * (a measurement of the evaluation, e.g. perplexity) or a figure object
 * `{ value, unit?, evidence?, estimated?, model? }`: the convention for figures that are not
 * plain measurements (energy from an op-count model, latency of a simulated chip), so the report
 * can mark them estimated and name their evidence tag and model.
 */
export interface Figure {
  value: number;
  unit?: string;
  /** The evidence tag (measured / simulated / derived / assumed), when the metric gives one. */
  evidence?: string;
  /** True for figures computed from a model rather than measured. */
  estimated: boolean;
  /** The model that produced an estimate, e.g. "generic 45 nm op-count model". */
  model?: string;
}

/** The figure a metric value holds, or undefined when it holds no single number. */
export function figureOf(value: Json | undefined): Figure | undefined {
  if (typeof value === "number") return { value, estimated: false };
  if (typeof value !== "object" || value === null || Array.isArray(value) || typeof value.value !== "number") return undefined;
  const evidence = typeof value.evidence === "string" ? value.evidence : undefined;
  return {
    value: value.value,
    ...(typeof value.unit === "string" ? { unit: value.unit } : {}),
    ...(evidence === undefined ? {} : { evidence }),
    estimated: value.estimated === true || (evidence !== undefined && evidence !== "measured"),
    ...(typeof value.model === "string" ? { model: value.model } : {}),
  };
}

/** The task metric the comparison is about, and how a change from the baseline is read. */
export interface QualityMetric {
  name: "perplexity" | "accuracy";
  /** Perplexity: lower is better, compared in percent; accuracy: higher, compared in points. */
  better: "lower" | "higher";
}

/** The quality metric of the report's task (perplexity for a language model, accuracy for a classifier). */
export function qualityMetric(report: Report): QualityMetric {
  return report.project.task === "classifier" ? { name: "accuracy", better: "higher" } : { name: "perplexity", better: "lower" };
}

/** The fp32 baseline row (the imported model, evaluated as is), if the build evaluated it. */
export function baselineRow(models: readonly ModelRow[]): ModelRow | undefined {
  return models.find((row) => row.model === "import");
}

/** Names of the metrics the rows carry, in order of first appearance (the report's order is deterministic). */
export function metricNames(models: readonly ModelRow[]): string[] {
  return [...new Set(models.flatMap((row) => Object.keys(row.metrics)))];
}

/** The first metric whose name mentions energy and which some row gives as a figure. */
export function energyMetric(models: readonly ModelRow[]): string | undefined {
  return metricNames(models).find((name) => /energy/i.test(name) && models.some((row) => figureOf(row.metrics[name]) !== undefined));
}
