import type { StageOutcome } from "../exec/executor.js";
import type { Plan, StageInput } from "../plan/plan.js";
import type { Json } from "../util/canonical-json.js";
import type { LayerRow, Latency, ModelRow, ModelSize, Provenance, Report, StageRow, StageWarning } from "./model.js";

export interface ReportInput {
  name: string;
  task: string;
  configFile: string;
  plan: Plan;
  outcomes: ReadonlyMap<string, StageOutcome>;
  provenance: Provenance;
}

/** Builds the report from the plan and what each stage recorded. */
export function assembleReport(input: ReportInput): Report {
  const models: ModelRow[] = [];
  const sizes: ModelSize[] = [];
  const layers: LayerRow[] = [];
  const warnings: StageWarning[] = [];
  const stages: StageRow[] = [];
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
    const modelBytes = record?.outputs["model.onnx"]?.size;
    if (modelBytes !== undefined) sizes.push({ stage: id, kind: stage.kind.id, bytes: modelBytes });
    if (!stage.row || !record) continue;
    const measured = stage.row.model;
    const producer = measured.from === "stage" ? measured.stage : undefined;
    const size = measured.from === "stage" ? input.outcomes.get(measured.stage)?.record?.outputs[measured.output]?.size : undefined;
    const { latency, layers: layerMetrics, ...metrics } = record.metrics;
    layers.push(...layerRows(id, layerMetrics));
    models.push({
      model: measured.from === "stage" ? measured.stage : measured.path,
      evaluatedBy: id,
      label: stage.row.label,
      ...(stage.row.target ? { target: stage.row.target } : {}),
      ...numberField("sizeBytes", size),
      ...numberField("parameters", producer === undefined ? undefined : parametersOf(input, producer)),
      metrics,
      ...(isLatency(latency) ? { latency } : {}),
    });
  }
  return {
    reportVersion: 1,
    project: { name: input.name, task: input.task, config: input.configFile },
    results: { models, sizes, layers, warnings },
    run: { stages, provenance: input.provenance },
  };
}

/** The parameter count a model-producing stage reported, following `model` inputs back through stages that do not report one (a target's legalize). */
function parametersOf(input: ReportInput, stage: string): Json | undefined {
  for (let current: string | undefined = stage; current !== undefined; ) {
    const parameters = input.outcomes.get(current)?.record?.metrics.parameters;
    if (parameters !== undefined) return parameters;
    const model: StageInput | undefined = input.plan.stages.get(current)?.inputs.model;
    current = model?.from === "stage" ? model.stage : undefined;
  }
  return undefined;
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
