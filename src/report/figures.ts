import type { ModelRow } from "./model.js";

/** The task figure the comparison is about: accuracy for a classifier, perplexity for a language model. */
export type QualityName = "accuracy" | "perplexity";

export function qualityMetric(task: string): QualityName {
  return task === "classifier" ? "accuracy" : "perplexity";
}

/** Accuracy is better higher, perplexity lower. */
export function higherIsBetter(metric: QualityName): boolean {
  return metric === "accuracy";
}

/** The fp32 baseline row (the imported model, evaluated as is), if the build evaluated it. */
export function baselineRow(models: readonly ModelRow[]): ModelRow | undefined {
  return models.find((row) => row.model === "import");
}
