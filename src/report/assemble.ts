import type { StageOutcome } from "../exec/executor.js";
import { checkGates } from "../gates/check.js";
import type { GateSpec } from "../gates/spec.js";
import type { Plan } from "../plan/plan.js";
import type { Json } from "../util/canonical-json.js";
import { qualityMetric } from "./figures.js";
import { lineage } from "./lineage.js";
import type { LayerRow, Latency, ModelRow, ModelSize, Provenance, Quality, Report, StageRow, StageWarning } from "./model.js";

export interface ReportInput {
  name: string;
  task: string;
  configFile: string;
  plan: Plan;
  outcomes: ReadonlyMap<string, StageOutcome>;
  provenance: Provenance;
  /** The config's gates (src/gates/spec.ts); none when absent. */
  gates?: readonly GateSpec[];
}

/** Builds the report from the plan and what each stage recorded. */
export function assembleReport(input: ReportInput): Report {
  const models: ModelRow[] = [];
  const sizes: ModelSize[] = [];
  const layers: LayerRow[] = [];
  const warnings: StageWarning[] = [];
  const stages: StageRow[] = [];
  const artifacts: Record<string, string> = {};
  for (const id of input.plan.order) {
    const stage = input.plan.stages.get(id)!;
    const outcome = input.outcomes.get(id);
    const record = outcome?.record;
    stages.push({
      id,
      kind: stage.kind.id,
      state: outcome?.state ?? "skipped",
      durationMs: Math.round(outcome?.durationMs ?? 0),
      ...(record ? { ranMs: record.durationMs } : {}),
      reasons: outcome?.reasons ?? [],
    });
    for (const message of record?.warnings ?? []) warnings.push({ stage: id, message });
    for (const [output, path] of Object.entries(stage.materialize)) {
      const digest = record?.outputs[output]?.digest;
      if (digest !== undefined) artifacts[path] = digest;
    }
    const modelBytes = record?.outputs["model.onnx"]?.size;
    if (modelBytes !== undefined) sizes.push({ stage: id, kind: stage.kind.id, bytes: modelBytes });
    if (!stage.row || !record) continue;
    const measured = stage.row.model;
    const producer = measured.from === "stage" ? measured.stage : undefined;
    const size = measured.from === "stage" ? input.outcomes.get(measured.stage)?.record?.outputs[measured.output]?.size : undefined;
    const { latency, layers: layerMetrics, ...metrics } = record.metrics;
    layers.push(...layerRows(id, layerMetrics));
    const ancestry = producer === undefined ? [] : lineage(input.plan, producer);
    models.push({
      model: measured.from === "stage" ? measured.stage : measured.path,
      evaluatedBy: id,
      label: stage.row.label,
      ...(stage.row.target ? { target: stage.row.target } : {}),
      ...numberField("sizeBytes", size),
      ...numberField("parameters", nearest(input, ancestry, (_stage, record) => record.metrics.parameters)),
      ...sparsityOf(input, ancestry),
      ...bitsOf(input, ancestry, id, metrics.weightBits),
      metrics,
      ...(isLatency(latency) ? { latency } : {}),
    });
  }
  addQuality(models, qualityMetric(input.task));
  return {
    reportVersion: 1,
    project: { name: input.name, task: input.task, config: input.configFile },
    results: { models, sizes, layers, gates: checkGates(input.gates ?? [], models), artifacts, warnings },
    run: { stages, provenance: input.provenance },
  };
}

type RecordOf = NonNullable<StageOutcome["record"]>;

/** The first value `pick` finds along the lineage (the model's own stage first). */
function nearest(input: ReportInput, ancestry: readonly string[], pick: (stage: string, record: RecordOf) => Json | undefined): Json | undefined {
  for (const id of ancestry) {
    const record = input.outcomes.get(id)?.record;
    const value = record ? pick(id, record) : undefined;
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The `sparsity` the nearest prune stage measured (quantization keeps zeros zero). */
function sparsityOf(input: ReportInput, ancestry: readonly string[]): Pick<ModelRow, "sparsity"> {
  const stage = ancestry.find((id) => input.plan.stages.get(id)?.kind.id === "prune");
  const value = stage === undefined ? undefined : input.outcomes.get(stage)?.record?.metrics.sparsity;
  return stage !== undefined && typeof value === "number" ? { sparsity: { value, stage } } : {};
}

/**
 * The row's own `weightBits` (a target that stores weights its own way), else the bits and mode
 * of the nearest quantize stage that quantized something (one that left every node in float
 * changed nothing).
 */
function bitsOf(input: ReportInput, ancestry: readonly string[], rowStage: string, weightBits: Json | undefined): Pick<ModelRow, "bits"> {
  if (typeof weightBits === "number") return { bits: { weights: weightBits, stage: rowStage } };
  const stage = ancestry.find(
    (id) => input.plan.stages.get(id)?.kind.id === "quantize" && input.outcomes.get(id)?.record?.metrics.quantizedNodes !== 0,
  );
  const params = stage === undefined ? undefined : input.plan.stages.get(stage)?.params;
  if (stage === undefined || typeof params?.bits !== "number") return {};
  return { bits: { weights: params.bits, ...(typeof params.mode === "string" ? { mode: params.mode } : {}), stage } };
}

/** Each row's task figure, and its change from the baseline's (points of accuracy, percent of perplexity). */
function addQuality(models: ModelRow[], metric: "accuracy" | "perplexity"): void {
  const figure = (row: ModelRow | undefined): number | undefined => {
    const value = row?.metrics[metric];
    return typeof value === "number" ? value : undefined;
  };
  const baseline = models.find((row) => row.model === "import");
  const base = figure(baseline);
  for (const row of models) {
    const value = figure(row);
    if (value === undefined) continue;
    const quality: Quality = { metric, value };
    if (row !== baseline && base !== undefined) quality.change = round(metric === "accuracy" ? (value - base) * 100 : ((value - base) / base) * 100);
    row.quality = quality;
  }
}

/** 10 significant digits: the change is stable across machines whose last float bits differ. */
function round(value: number): number {
  return Number(value.toPrecision(10));
}

/** The per-layer rows of a row stage's `layers` metric (src/snn/simulate-metrics.ts); entries without a string `name` are not layers. */
function layerRows(stage: string, layers: Json | undefined): LayerRow[] {
  if (!Array.isArray(layers)) return [];
  return layers.flatMap((entry) => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry) || typeof entry.name !== "string") return [];
    return [
      {
        stage,
        layer: entry.name,
        ...numberField("firingRate", entry.firingRate),
        ...numberField("synapticOps", entry.synapticOpsPerInference),
        placement: entry.where === "host" ? "host" : "chip",
      },
    ];
  });
}

function numberField(name: string, value: Json | undefined): Record<string, number> {
  return typeof value === "number" ? { [name]: value } : {};
}

function isLatency(value: Json | undefined): value is Json & Latency {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof value.medianMs === "number";
}
