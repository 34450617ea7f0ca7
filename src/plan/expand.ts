import type { Config } from "../config/types.js";
import { InputError, type SourceLocation } from "../errors.js";
import type { Profile } from "../neuro/profile.js";
import type { RecipeResult, Registry } from "../plugins/registry.js";
import { importKind } from "../stages/import.js";
import type { Json } from "../util/canonical-json.js";
import { PlanBuilder, type Plan, type StageInput } from "./plan.js";
import { PlanContext } from "./plan-context.js";

/**
 * Expands a validated config into the stage DAG (DESIGN.md, "Plan"): import, then each recipe
 * step in order, each consuming the previous model (with a calibrate stage before a step that
 * reads activation statistics); the baseline and the recipe's final model are evaluated. A last
 * step that makes a spiking network (`convert:`) is simulated beside the ANN it came from. Then
 * each target lowers the final model (or the spiking network) with its own stages. Pure: reads
 * nothing from disk.
 */
export function planBuild(
  config: Config,
  registry: Registry,
  locate: (field: string) => SourceLocation | undefined = () => undefined,
  /** Hardware profiles of the targets that read one, by target origin (`targets[1]`), loaded by the caller. */
  profiles: ReadonlyMap<string, Profile> = new Map(),
): Plan {
  const builder = new PlanBuilder();
  const ctx = new PlanContext(config, builder, locate);
  // The deliverable model.onnx is the recipe's last model, or the imported model itself.
  const deliverable = { "model.onnx": "model.onnx" };
  const lastModelStep = config.recipe.findLastIndex((step) => registry.passes.get(step.pass)?.produces !== "snn");
  builder.add({
    id: "import",
    kind: importKind,
    params: {},
    origins: {},
    inputs: { model: ctx.source("model.onnx", config.model.onnx) },
    materialize: lastModelStep === -1 ? deliverable : {},
  });

  let model = "import";
  let snn: RecipeResult["snn"];
  config.recipe.forEach((step, index) => {
    const pass = registry.passes.get(step.pass);
    if (!pass) throw new Error(`plan: recipe step ${step.origin} names unknown pass ${step.pass}`);
    const params = step.params as Record<string, Json>;
    const origins = Object.fromEntries(Object.keys(params).map((name) => [name, `${step.origin}.${name}`]));
    const inputs: Record<string, StageInput> = { model: ctx.fromStage(model, "model.onnx") };
    if (pass.needsCalibration?.(step.params)) inputs.calibration = ctx.calibration(model, step.origin);
    const id = builder.uniqueId(step.pass);
    if (pass.produces === "snn") {
      if (index !== config.recipe.length - 1) {
        throw new InputError(`${step.origin} must be the last recipe step: it turns the model into a spiking network, which no later step reads`, {
          location: locate(step.origin),
        });
      }
      builder.add({ id, kind: pass.kind, params, origins, inputs, materialize: { snn: "snn" } });
      snn = { stage: id, snn: ctx.fromStage(id, "snn"), params, origin: step.origin };
      return;
    }
    builder.add({ id, kind: pass.kind, params, origins, inputs, materialize: index === lastModelStep ? deliverable : {} });
    model = id;
  });

  ctx.evaluate("baseline", ctx.fromStage("import", "model.onnx"), { label: "fp32 baseline" });
  if (model !== "import") ctx.evaluate(model, ctx.fromStage(model, "model.onnx"));
  // The spiking network as the recipe made it, simulated in floating point: its own report row.
  if (snn) ctx.simulate(snn.stage, { snn: snn.snn, model: ctx.fromStage(model, "model.onnx") }, undefined, { label: `${snn.stage} (spiking)` });
  const final: RecipeResult = { stage: model, model: ctx.fromStage(model, "model.onnx"), ...(snn ? { snn } : {}) };
  for (const target of config.targets) {
    const plugin = registry.targets.get(target.name);
    if (!plugin) throw new Error(`plan: ${target.origin} names unknown target ${target.name}`);
    const profile = profiles.get(target.origin);
    plugin.plan(ctx, { ...target, params: target.params as Record<string, Json>, ...(profile ? { profile } : {}) }, final);
  }
  return builder.finish();
}
