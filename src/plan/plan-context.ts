import type { Config, Task } from "../config/types.js";
import type { GraphOptimization } from "../eval/session.js";
import { InputError, type SourceLocation } from "../errors.js";
import { calibrateKind } from "../passes/calibrate/index.js";
import { simulateKind } from "../snn/simulate-kind.js";
import { evaluateKind } from "../stages/evaluate.js";
import { tokenizeKind } from "../stages/tokenize.js";
import type { Json } from "../util/canonical-json.js";
import { bindParams, type PlanBuilder, type StageInput } from "./plan.js";

export type DataSetName = "evaluation" | "calibration";

/**
 * The params of a stage that runs the model over a data set, as `runParams` binds them: which
 * slice of the data and the onnxruntime session settings. Stage kinds extend it with their own.
 */
export interface RunParams {
  task: Task;
  /** causal-lm: tokens per window. */
  window?: number;
  /** causal-lm: only the first N windows; absent = all complete windows. */
  windows?: number;
  /** classifier: only the first N samples; absent = all. */
  samples?: number;
  /** Windows or samples per run. */
  batch: number;
  /** onnxruntime intra-op threads (and worker threads where a stage has them). */
  threads: number;
  optimization: GraphOptimization;
}

/**
 * What the planner and target plugins use to add stages: inputs from project files or other
 * stages, the shared data stages (tokenize, calibrate), and evaluation of a model. Stages that
 * several callers need (the tokenized evaluation text, a model's calibration) are added once.
 */
export class PlanContext {
  constructor(
    readonly config: Config,
    readonly builder: PlanBuilder,
    /** Where a config field is written (for located InputErrors from target plugins). */
    readonly locate: (field: string) => SourceLocation | undefined,
  ) {}

  /** A project file named by a config field. */
  source(field: string, path: string): StageInput {
    return { from: "source", path, field };
  }

  fromStage(stage: string, output: string): StageInput {
    return { from: "stage", stage, output };
  }

  /** A data set as stage inputs: `ids` + `tokens` (tokenized once) for a causal LM, `data` (the JSONL) for a classifier. */
  data(set: DataSetName): Record<string, StageInput> {
    const { config, builder } = this;
    const path = config.data[set]!.path;
    if (config.model.task === "classifier") return { data: this.source(`data.${set}.path`, path) };
    const id = set === "evaluation" ? "tokenize" : `tokenize:${set}`;
    if (!builder.has(id)) {
      builder.add({
        id,
        kind: tokenizeKind,
        params: {},
        origins: {},
        inputs: {
          ...this.tokenizerInputs(),
          text: this.source(`data.${set}.path`, path),
        },
        materialize: {},
      });
    }
    return { ids: this.fromStage(id, "ids.bin"), tokens: this.fromStage(id, "tokens.json") };
  }

  /** The tokenizer files as stage inputs (`tokenizer`, and `tokenizer_config` when configured). */
  tokenizerInputs(): Record<string, StageInput> {
    const model = this.config.model;
    return {
      tokenizer: this.source("model.tokenizer", model.tokenizer),
      ...(model.tokenizer_config ? { tokenizer_config: this.source("model.tokenizer_config", model.tokenizer_config) } : {}),
    };
  }

  /** Params of a stage that runs the model over a data set: which slice, and the session settings. */
  runParams(set: DataSetName): { params: Record<string, Json>; origins: Record<string, string> } {
    const data = this.config.data[set]!;
    const settings = this.config.evaluation;
    const lm = this.config.model.task === "causal-lm";
    return bindParams({
      task: ["model.task", this.config.model.task],
      window: [`data.${set}.window`, lm ? data.window : undefined],
      windows: [`data.${set}.windows`, lm ? data.windows : undefined],
      samples: [`data.${set}.samples`, lm ? undefined : data.samples],
      batch: ["evaluation.batch", settings.batch],
      threads: ["evaluation.threads", settings.threads],
      optimization: ["evaluation.optimization", settings.optimization],
      latency_runs: ["evaluation.latency_runs", set === "evaluation" ? settings.latency_runs : undefined],
    });
  }

  /**
   * The activation statistics of a model stage's output over data.calibration (a `calibrate`
   * stage, added once per model). `needer` is the config field that asks for them, for the
   * error when no calibration data is configured.
   */
  calibration(modelStage: string, needer: string): StageInput {
    const id = `calibrate:${modelStage}`;
    if (!this.builder.has(id)) {
      if (!this.config.data.calibration) {
        throw new InputError(`${needer} needs activation statistics: set data.calibration (the calibration data)`, { location: this.locate(needer) });
      }
      this.builder.add({
        id,
        kind: calibrateKind,
        ...this.runParams("calibration"),
        inputs: { model: this.fromStage(modelStage, "model.onnx"), ...this.data("calibration") },
        materialize: {},
      });
    }
    return this.fromStage(id, "stats.json");
  }

  /**
   * Measures a model over data.evaluation: a row of the report labelled `label` (default `name`),
   * stage id `evaluate:<name>`, metrics written to build/metrics/<name>.json.
   */
  evaluate(name: string, model: StageInput, row: { label?: string; target?: string } = {}): string {
    const id = `evaluate:${name}`;
    this.builder.add({
      id,
      kind: evaluateKind,
      ...this.runParams("evaluation"),
      inputs: { model, ...this.data("evaluation") },
      materialize: { "metrics.json": `metrics/${name}.json` },
      row: { label: row.label ?? name, model, ...(row.target ? { target: row.target } : {}) },
    });
    return id;
  }

  /**
   * Simulates a spiking network (an SNN IR folder) over data.evaluation beside the ANN it was
   * converted from: stage id `simulate:<name>`, metrics in build/metrics/<name>.json. `settings`
   * are simulateSchema's params (`state`, `fraction_bits`) with the config fields they come from.
   * When `row` is given the stage is a row of the report.
   */
  simulate(
    name: string,
    inputs: { snn: StageInput; model: StageInput },
    settings: { params: Record<string, Json>; origins: Record<string, string> } = { params: { state: "float" }, origins: {} },
    row?: { label: string; target?: string },
  ): string {
    const id = `simulate:${name}`;
    const run = this.runParams("evaluation");
    // Latency runs measure onnxruntime sessions; a simulation has no measured latency.
    delete run.params.latency_runs;
    delete run.origins.latency_runs;
    this.builder.add({
      id,
      kind: simulateKind,
      params: { ...run.params, ...settings.params },
      origins: { ...run.origins, ...settings.origins },
      inputs: { ...inputs, ...this.data("evaluation") },
      materialize: { "metrics.json": `metrics/${name}.json` },
      ...(row ? { row: { label: row.label, model: inputs.snn, ...(row.target ? { target: row.target } : {}) } } : {}),
    });
    return id;
  }
}
