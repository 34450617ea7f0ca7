import type { Config } from "../config/types.js";
import type { Registry } from "../plugins/registry.js";
import { evaluateKind } from "../stages/evaluate.js";
import { importKind } from "../stages/import.js";
import { tokenizeKind } from "../stages/tokenize.js";
import type { Json } from "../util/canonical-json.js";
import { bindParams, PlanBuilder, type Plan, type StageInput } from "./plan.js";

/**
 * Expands a validated config into the stage DAG (DESIGN.md, "Plan"): import, then each recipe
 * step in order, each consuming the previous model; the evaluation data is tokenized once; the
 * baseline and the recipe's final model are each evaluated. Pure: reads nothing from disk.
 */
export function planBuild(config: Config, registry: Registry): Plan {
  const builder = new PlanBuilder();
  const source = (field: string, path: string): StageInput => ({ from: "source", path, field });
  const fromStage = (stage: string, output: string): StageInput => ({ from: "stage", stage, output });

  // The deliverable model.onnx is the recipe's last model, or the imported model itself.
  const deliverable = { "model.onnx": "model.onnx" };
  builder.add({
    id: "import",
    kind: importKind,
    params: {},
    origins: {},
    inputs: { model: source("model.onnx", config.model.onnx) },
    materialize: config.recipe.length === 0 ? deliverable : {},
  });

  let model = "import";
  config.recipe.forEach((step, index) => {
    const pass = registry.passes.get(step.pass);
    if (!pass) throw new Error(`plan: recipe step ${step.origin} names unknown pass ${step.pass}`);
    const params = step.params as Record<string, Json>;
    const origins = Object.fromEntries(Object.keys(params).map((name) => [name, `${step.origin}.${name}`]));
    const last = index === config.recipe.length - 1;
    const id = builder.uniqueId(step.pass);
    builder.add({ id, kind: pass.kind, params, origins, inputs: { model: fromStage(model, "model.onnx") }, materialize: last ? deliverable : {} });
    model = id;
  });

  const data = dataInputs(config, builder, source);
  const evaluated = model === "import" ? ["import"] : ["import", model];
  for (const stage of evaluated) {
    const id = `evaluate:${stage === "import" ? "baseline" : stage}`;
    builder.add({
      id,
      kind: evaluateKind,
      ...evaluateParams(config),
      inputs: { model: fromStage(stage, "model.onnx"), ...data },
      materialize: { "metrics.json": `metrics/${id.replace(":", "-")}.json` },
    });
  }
  return builder.finish();
}

/** The evaluation data as stage inputs: tokenized once for a causal LM, the JSONL itself for a classifier. */
function dataInputs(
  config: Config,
  builder: PlanBuilder,
  source: (field: string, path: string) => StageInput,
): Record<string, StageInput> {
  if (config.model.task === "classifier") return { data: source("data.evaluation.path", config.data.evaluation.path) };
  builder.add({
    id: "tokenize",
    kind: tokenizeKind,
    params: {},
    origins: {},
    inputs: {
      tokenizer: source("model.tokenizer", config.model.tokenizer),
      ...(config.model.tokenizer_config ? { tokenizer_config: source("model.tokenizer_config", config.model.tokenizer_config) } : {}),
      text: source("data.evaluation.path", config.data.evaluation.path),
    },
    materialize: {},
  });
  return { ids: { from: "stage", stage: "tokenize", output: "ids.bin" }, tokens: { from: "stage", stage: "tokenize", output: "tokens.json" } };
}

function evaluateParams(config: Config): { params: Record<string, Json>; origins: Record<string, string> } {
  const { evaluation: data } = config.data;
  const settings = config.evaluation;
  const lm = config.model.task === "causal-lm";
  return bindParams({
    task: ["model.task", config.model.task],
    window: ["data.evaluation.window", lm ? data.window : undefined],
    windows: ["data.evaluation.windows", lm ? data.windows : undefined],
    samples: ["data.evaluation.samples", lm ? undefined : data.samples],
    batch: ["evaluation.batch", settings.batch],
    threads: ["evaluation.threads", settings.threads],
    optimization: ["evaluation.optimization", settings.optimization],
    latency_runs: ["evaluation.latency_runs", settings.latency_runs],
  });
}
