import type { StageOutcome } from "../exec/executor.js";
import type { Plan } from "../plan/plan.js";
import type { Json } from "../util/canonical-json.js";
import type { Latency, ModelRow, Provenance, Report, StageRow, StageWarning } from "./model.js";

export interface ReportInput {
  name: string;
  task: string;
  configFile: string;
  plan: Plan;
  outcomes: ReadonlyMap<string, StageOutcome>;
  provenance: Provenance;
}

/** Stage kinds whose `model` input and metrics make a row of the comparison table. */
const EVALUATING_KINDS = new Set(["evaluate"]);

/** Builds the report from the plan and what each stage recorded. */
export function assembleReport(input: ReportInput): Report {
  const models: ModelRow[] = [];
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
    const modelInput = stage.inputs.model;
    if (!EVALUATING_KINDS.has(stage.kind.id) || !record || modelInput?.from !== "stage") continue;
    const producer = input.outcomes.get(modelInput.stage)?.record?.metrics ?? {};
    const { latency, ...metrics } = record.metrics;
    models.push({
      model: modelInput.stage,
      evaluatedBy: id,
      label: modelInput.stage === "import" ? "fp32 baseline" : modelInput.stage,
      ...numberField("sizeBytes", producer.modelBytes),
      ...numberField("parameters", producer.parameters),
      metrics,
      ...(isLatency(latency) ? { latency } : {}),
    });
  }
  return {
    reportVersion: 1,
    project: { name: input.name, task: input.task, config: input.configFile },
    results: { models, warnings },
    run: { stages, provenance: input.provenance },
  };
}

function numberField(name: string, value: Json | undefined): Record<string, number> {
  return typeof value === "number" ? { [name]: value } : {};
}

function isLatency(value: Json | undefined): value is Json & Latency {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof value.medianMs === "number";
}
