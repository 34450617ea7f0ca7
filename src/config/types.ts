/**
 * The config's types, by stage of validation (style.md item 3): what `loadConfig` hands on is
 * a `Config` — validated against `schemas/slm.config.schema.json`, defaults applied, the recipe
 * resolved to steps. Field names are the YAML keys, so `"data.evaluation.window"` names the
 * same thing in the file, in `--set`, in `sources.locate` and in code.
 */
import type { DATA_FORMATS, OPTIMIZATION_LEVELS, TASKS } from "./schema.js";

export type Task = (typeof TASKS)[number];
export type DataFormat = (typeof DATA_FORMATS)[number];
export type OptimizationLevel = (typeof OPTIMIZATION_LEVELS)[number];

/** The param schemas of the passes and targets slm knows; the config module holds none itself. */
export interface PluginParamsCatalog {
  passes: ReadonlyMap<string, { schema: object }>;
  targets: ReadonlyMap<string, { schema: object }>;
}

/** `model:` — paths as written, relative to the project folder unless absolute. */
export interface ModelSpec {
  task: Task;
  onnx: string;
  tokenizer: string;
  tokenizer_config?: string;
  /** Class names (classifier only). */
  labels?: string;
}

/** `data.evaluation` / `data.calibration`. */
export interface DataSet {
  path: string;
  /** As written, or derived from the file extension (`.jsonl` → jsonl, else text). */
  format: DataFormat;
  /** Tokens per window (causal-lm; the default 128 is also set, unused, for classifiers). */
  window: number;
  /** causal-lm: only the first N windows; absent = all. */
  windows?: number;
  /** classifier: only the first N samples; absent = all. */
  samples?: number;
}

/** `evaluation:` — onnxruntime session and measurement settings. */
export interface EvaluationSettings {
  threads: number;
  optimization: OptimizationLevel;
  batch: number;
  /** 0 = do not measure latency. */
  latency_runs: number;
}

/** One compression step, e.g. `- quantize: {bits: 8}`. */
export interface RecipeStep {
  pass: string;
  /** Validated against the pass's schema, its defaults applied. */
  params: Record<string, unknown>;
  /** Config path of the step, for messages and the lock: `"recipe[1].quantize"`. */
  origin: string;
}

/** One hardware target, written as a name or as `{name, ...params}`. */
export interface Target {
  name: string;
  /** Validated against the target's schema, its defaults applied; `name` is not among them. */
  params: Record<string, unknown>;
  /** Config path of the target: `"targets[0]"`. */
  origin: string;
}

/** `build:` — where outputs and the store live, how many stages run at once. */
export interface BuildSettings {
  out_dir: string;
  store: string;
  jobs: number;
}

/** One set of `gates:` limits: the global ones, or one target's (src/gates/spec.ts reads them). */
export interface GateLimits {
  /** A percentage of the baseline's perplexity, as written: `"5%"`. */
  perplexity_increase?: string;
  /** Percentage points below the baseline's accuracy. */
  accuracy_drop?: number;
  energy_uj?: number;
  latency_ms?: number;
}

/** `gates:` — budgets a build must meet, or `slm build` exits 3 after writing the report. */
export interface Gates extends GateLimits {
  /** Target name → limits that replace the global ones for that target's rows. */
  targets: Record<string, GateLimits>;
}

/** A validated, defaulted config: the only form the planner accepts. */
export interface Config {
  name: string;
  model: ModelSpec;
  data: { evaluation: DataSet; calibration?: DataSet };
  evaluation: EvaluationSettings;
  recipe: RecipeStep[];
  targets: Target[];
  gates: Gates;
  build: BuildSettings;
}
