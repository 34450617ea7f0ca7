import { baselineRow, higherIsBetter, qualityMetric, type QualityName } from "./figures.js";
import { formatBytes, formatChange, formatNumber, formatPercent } from "./format.js";
import type { Estimate, ModelRow, Report } from "./model.js";
import { annComparison, energyUj, estimateOf, hardwareOf, latencyMs, spikingOf } from "./row-figures.js";

/**
 * The comparison table as data: the columns, one cell per row and column, and the notes under
 * it. report.md and report.html render the same table from this, so both say the same thing;
 * the cells are text, and what is not a plain measurement carries its tag and evidence.
 */
export interface ComparisonTable {
  columns: Column[];
  rows: Array<{ row: ModelRow; baseline: boolean; cells: Cell[] }>;
  /** Plain sentences: the latency protocols, each estimate's model and evidence, where counts come from. */
  notes: string[];
}

export type ColumnId =
  | "model"
  | "size"
  | "parameters"
  | "sparsity"
  | "bits"
  | "quality"
  | "change"
  | "latency"
  | "energy"
  | "hardware"
  | "spikes"
  | "synapticOps";

export interface Column {
  id: ColumnId;
  title: string;
  numeric: boolean;
}

export interface Cell {
  /** Empty when the row has no such figure. */
  text: string;
  /** measured: timed on this machine; estimated: computed by a model; simulated: counted by the simulator. */
  tag?: "measured" | "estimated" | "simulated";
  /** The evidence tag of an estimate. */
  evidence?: string;
  /** A related figure, shown under it (e.g. the ANN's accuracy beside a spiking network's). */
  sub?: string;
  /** Where the figure comes from or its spread: in the HTML page, not in the Markdown tables. */
  detail?: string;
  /** For a change from the baseline: whether it is for the better. */
  trend?: "better" | "worse";
  /** The number shown, for comparing two reports (`slm report --diff`); `fraction` when it is a share in [0, 1]. */
  value?: number;
  fraction?: boolean;
}

/** The comparison table of a report. Columns no row has a figure for are left out. */
export function comparisonTable(report: Report): ComparisonTable {
  const models = report.results.models;
  const metric = qualityMetric(report.project.task);
  const baseline = baselineRow(models);
  const columns = allColumns(metric);
  const cellRows = models.map((row) => ({ row, baseline: row === baseline, cells: columns.map((column) => cellOf(column.id, row, metric)) }));
  const kept = columns.map((column, i) => column.id === "model" || column.id === "quality" || cellRows.some((r) => r.cells[i]!.text !== ""));
  return {
    columns: columns.filter((_, i) => kept[i]),
    rows: cellRows.map((r) => ({ ...r, cells: r.cells.filter((_, i) => kept[i]) })),
    notes: notesOf(models),
  };
}

function allColumns(metric: QualityName): Column[] {
  return [
    { id: "model", title: "model", numeric: false },
    { id: "size", title: "size on disk", numeric: true },
    { id: "parameters", title: "parameters", numeric: true },
    { id: "sparsity", title: "sparsity", numeric: true },
    { id: "bits", title: "weight bits", numeric: true },
    { id: "quality", title: metric, numeric: true },
    { id: "change", title: "vs baseline", numeric: true },
    { id: "latency", title: "latency / inference", numeric: true },
    { id: "energy", title: "energy / inference", numeric: true },
    { id: "hardware", title: "cores / NPs", numeric: true },
    { id: "spikes", title: "spikes / inference", numeric: true },
    { id: "synapticOps", title: "synaptic ops / inference", numeric: true },
  ];
}

const EMPTY: Cell = { text: "" };

function cellOf(column: ColumnId, row: ModelRow, metric: QualityName): Cell {
  switch (column) {
    case "model":
      return { text: row.label, detail: `from ${row.model}` };
    case "size":
      return row.sizeBytes === undefined ? EMPTY : { text: formatBytes(row.sizeBytes), value: row.sizeBytes };
    case "parameters":
      return row.parameters === undefined ? EMPTY : { text: formatNumber(row.parameters), value: row.parameters };
    case "sparsity":
      return row.sparsity === undefined ? EMPTY : { text: formatPercent(row.sparsity.value, 1), detail: `from ${row.sparsity.stage}`, value: row.sparsity.value, fraction: true };
    case "bits":
      return row.bits === undefined ? EMPTY : { text: `${row.bits.weights}-bit${row.bits.mode ? ` ${row.bits.mode}` : ""}`, detail: `from ${row.bits.stage}`, value: row.bits.weights };
    case "quality":
      return qualityCell(row, metric);
    case "change":
      return changeCell(row, metric);
    case "latency":
      return latencyCell(row);
    case "energy":
      return energyCell(row);
    case "hardware":
      return hardwareCell(row);
    case "spikes":
      return countCell(spikingOf(row)?.spikesPerInference);
    case "synapticOps":
      return countCell(spikingOf(row)?.synapticOpsPerInference);
  }
}

function qualityText(metric: QualityName, value: number): string {
  return metric === "accuracy" ? formatPercent(value) : value.toFixed(2);
}

function qualityCell(row: ModelRow, metric: QualityName): Cell {
  if (row.quality === undefined) return EMPTY;
  const ann = annComparison(row, metric);
  const sub = [
    ...(ann?.ann === undefined ? [] : [`ANN ${qualityText(metric, ann.ann)}`]),
    ...(ann?.top1 === undefined ? [] : [`top-1 agreement ${formatPercent(ann.top1, 1)}`]),
  ].join(", ");
  const value = row.quality.value;
  return { text: qualityText(metric, value), ...(sub ? { sub } : {}), value, ...(metric === "accuracy" ? { fraction: true } : {}) };
}

function changeCell(row: ModelRow, metric: QualityName): Cell {
  const change = row.quality?.change;
  if (change === undefined) return EMPTY;
  const text = formatChange(change, metric === "accuracy" ? "pt" : "%");
  if (change === 0) return { text };
  return { text, trend: change > 0 === higherIsBetter(metric) ? "better" : "worse" };
}

function latencyCell(row: ModelRow): Cell {
  if (row.latency) {
    const { p10Ms, p90Ms } = row.latency;
    return {
      text: `${row.latency.medianMs.toFixed(3)} ms`,
      tag: "measured",
      value: row.latency.medianMs,
      ...(p10Ms !== undefined && p90Ms !== undefined ? { detail: `p10–p90 ${p10Ms.toFixed(3)}–${p90Ms.toFixed(3)} ms` } : {}),
    };
  }
  const figure = latencyMs(row);
  return figure?.estimate ? estimatedCell(`${formatNumber(figure.value)} ms`, figure.value, figure.estimate) : EMPTY;
}

function energyCell(row: ModelRow): Cell {
  const figure = energyUj(row);
  if (!figure?.estimate) return EMPTY;
  const generic = estimateOf(row, "energyPerInferenceGeneric");
  return estimatedCell(`${formatNumber(figure.value)} µJ`, figure.value, figure.estimate, generic ? `generic model: ${formatNumber(generic.value)} ${generic.unit}` : undefined);
}

function estimatedCell(text: string, value: number, estimate: Estimate, sub?: string): Cell {
  return { text, tag: "estimated", evidence: estimate.evidence, ...(sub ? { sub } : {}), value };
}

function hardwareCell(row: ModelRow): Cell {
  const hardware = hardwareOf(row);
  if (!hardware) return EMPTY;
  const of = hardware.available === undefined ? "" : ` / ${formatNumber(hardware.available)}`;
  const parts = [
    ...(hardware.utilization === undefined ? [] : [`${formatPercent(hardware.utilization, 1)} used`]),
    ...(hardware.chips === undefined ? [] : [`${formatNumber(hardware.chips)} chip${hardware.chips === 1 ? "" : "s"}`]),
  ];
  return { text: `${formatNumber(hardware.used)}${of} ${hardware.unit}`, ...(parts.length > 0 ? { sub: parts.join(", ") } : {}), value: hardware.used };
}

function countCell(value: number | undefined): Cell {
  return value === undefined ? EMPTY : { text: formatNumber(value), tag: "simulated", value };
}

function notesOf(models: readonly ModelRow[]): string[] {
  const notes = new Set<string>();
  for (const row of models) if (row.latency) notes.add(`Latency measured: ${row.latency.label}.`);
  // One note per way of estimating a figure, naming the rows estimated that way.
  const ways = new Map<string, string[]>();
  for (const row of models) {
    for (const [name, words] of ESTIMATES) {
      const estimate = estimateOf(row, name);
      if (!estimate || (name === "latencyPerInference" && row.latency)) continue;
      const way = `${words} estimated with the ${estimate.model} (evidence: ${estimate.evidence}${estimate.formula ? `; ${estimate.formula}` : ""})`;
      ways.set(way, [...(ways.get(way) ?? []), row.label]);
    }
  }
  for (const [way, rows] of ways) notes.add(`${rows.join(", ")}: ${way}.`);
  if (models.some((row) => spikingOf(row))) {
    notes.add("Spikes and synaptic ops per inference are counted by the event-driven simulator over the evaluation data.");
  }
  if (models.some((row) => row.sparsity || row.bits)) {
    notes.add("Sparsity and weight bits come from the nearest prune and quantize stage the row's model descends from (a target's own weight bits take precedence).");
  }
  return [...notes];
}

const ESTIMATES = [
  ["energyPerInference", "energy per inference"],
  ["energyPerInferenceGeneric", "generic energy per inference"],
  ["latencyPerInference", "latency per inference"],
] as const;
