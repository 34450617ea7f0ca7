/**
 * From schema-valid JSON to the typed Config: the recipe becomes its list of steps (each with
 * its pass, params and origin), targets become `{name, params}`, and defaults that depend on
 * other fields (a data file's format, from its extension) are filled in.
 */
import { extname } from "node:path";
import { formatPath, isRecord } from "./config-path.js";
import type { BuildSettings, Config, DataFormat, DataSet, EvaluationSettings, Gates, ModelSpec, RecipeStep, Target } from "./types.js";

/** A data set as the schema admits it: `format` may still be implied by the extension. */
export type ValidatedDataSet = Omit<DataSet, "format"> & { format?: DataFormat };
type StepJson = Record<string, Record<string, unknown>>;

/** The config value after schema validation with defaults: the input of `toConfig`. */
export interface ValidatedConfig {
  name: string;
  model: ModelSpec;
  data: { evaluation: ValidatedDataSet; calibration?: ValidatedDataSet };
  evaluation: EvaluationSettings;
  recipe: StepJson[] | { description?: string; steps: StepJson[] };
  targets: Array<{ name: string } & Record<string, unknown>>;
  gates: Gates;
  build: BuildSettings;
}

/** The format of a data file: as written, else `.jsonl` → jsonl and anything else → text. */
export function dataFormat(set: { path: string; format?: DataFormat }): DataFormat {
  return set.format ?? (extname(set.path).toLowerCase() === ".jsonl" ? "jsonl" : "text");
}

/** `targets: [cpu-int8]` → `[{name: cpu-int8}]`, so that a target's param defaults can be applied. */
export function expandTargetNames(root: unknown): void {
  if (!isRecord(root) || !Array.isArray(root.targets)) return;
  root.targets = root.targets.map(targetAsMapping);
}

/** A target written as its name, as the mapping `{name}`; anything else as it is. */
export function targetAsMapping(item: unknown): unknown {
  return typeof item === "string" ? { name: item } : item;
}

/** The typed Config of a validated config value. */
export function toConfig(value: ValidatedConfig): Config {
  const { evaluation, calibration } = value.data;
  return {
    name: value.name,
    model: value.model,
    data: { evaluation: dataSet(evaluation), ...(calibration ? { calibration: dataSet(calibration) } : {}) },
    evaluation: value.evaluation,
    recipe: (Array.isArray(value.recipe) ? value.recipe : value.recipe.steps).map(recipeStep),
    targets: value.targets.map(target),
    gates: value.gates,
    build: value.build,
  };
}

function dataSet(set: ValidatedDataSet): DataSet {
  return { ...set, format: dataFormat(set) };
}

function recipeStep(step: StepJson, index: number): RecipeStep {
  // The schema admits exactly one key per step: the pass name.
  const [pass, params] = Object.entries(step)[0]!;
  return { pass, params, origin: formatPath(["recipe", index, pass]) };
}

function target(item: { name: string } & Record<string, unknown>, index: number): Target {
  const { name, ...params } = item;
  return { name, params, origin: formatPath(["targets", index]) };
}
