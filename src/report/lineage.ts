import type { Plan, StageInput } from "../plan/plan.js";

/**
 * A model's lineage: the stage that made it, then the stage that made its input, and so on back
 * to import, following each stage's `model` input (or `snn`, for stages that lower a spiking
 * network). A row's parameters, sparsity and bits come from the nearest stage here that knows them.
 */
export function lineage(plan: Plan, stage: string): string[] {
  const stages: string[] = [];
  for (let current: string | undefined = stage; current !== undefined && !stages.includes(current); ) {
    stages.push(current);
    const inputs: Record<string, StageInput> | undefined = plan.stages.get(current)?.inputs;
    const from: StageInput | undefined = inputs?.model ?? inputs?.snn;
    current = from?.from === "stage" ? from.stage : undefined;
  }
  return stages;
}
