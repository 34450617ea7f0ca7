import type { Config } from "../config/types.js";
import type { SourceLocation } from "../errors.js";
import type { Registry } from "../plugins/registry.js";
import { importKind } from "../stages/import.js";
import type { Json } from "../util/canonical-json.js";
import { PlanBuilder, type Plan, type StageInput } from "./plan.js";
import { PlanContext } from "./plan-context.js";

/**
 * Expands a validated config into the stage DAG (DESIGN.md, "Plan"): import, then each recipe
 * step in order, each consuming the previous model (with a calibrate stage before a step that
 * reads activation statistics); the baseline and the recipe's final model are evaluated; then
 * each target lowers the final model with its own stages. Pure: reads nothing from disk.
 */
export function planBuild(config: Config, registry: Registry, locate: (field: string) => SourceLocation | undefined = () => undefined): Plan {
  const builder = new PlanBuilder();
  const ctx = new PlanContext(config, builder, locate);
  // The deliverable model.onnx is the recipe's last model, or the imported model itself.
  const deliverable = { "model.onnx": "model.onnx" };
  builder.add({
    id: "import",
    kind: importKind,
    params: {},
    origins: {},
    inputs: { model: ctx.source("model.onnx", config.model.onnx) },
    materialize: config.recipe.length === 0 ? deliverable : {},
  });

  let model = "import";
  config.recipe.forEach((step, index) => {
    const pass = registry.passes.get(step.pass);
    if (!pass) throw new Error(`plan: recipe step ${step.origin} names unknown pass ${step.pass}`);
    const params = step.params as Record<string, Json>;
    const origins = Object.fromEntries(Object.keys(params).map((name) => [name, `${step.origin}.${name}`]));
    const inputs: Record<string, StageInput> = { model: ctx.fromStage(model, "model.onnx") };
    if (pass.needsCalibration?.(step.params)) inputs.calibration = ctx.calibration(model, step.origin);
    const id = builder.uniqueId(step.pass);
    builder.add({ id, kind: pass.kind, params, origins, inputs, materialize: index === config.recipe.length - 1 ? deliverable : {} });
    model = id;
  });

  ctx.evaluate("baseline", ctx.fromStage("import", "model.onnx"));
  if (model !== "import") ctx.evaluate(model, ctx.fromStage(model, "model.onnx"));
  for (const target of config.targets) {
    const plugin = registry.targets.get(target.name);
    if (!plugin) throw new Error(`plan: ${target.origin} names unknown target ${target.name}`);
    plugin.plan(ctx, { ...target, params: target.params as Record<string, Json> }, { stage: model, model: ctx.fromStage(model, "model.onnx") });
  }
  return builder.finish();
}
