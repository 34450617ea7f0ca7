import { convertKind, convertSchema } from "../passes/convert/index.js";
import { prunePass } from "../passes/prune/index.js";
import { quantizePass } from "../passes/quantize/index.js";
import type { Profile } from "../neuro/profile.js";
import type { PlanContext } from "../plan/plan-context.js";
import type { StageInput } from "../plan/plan.js";
import type { AnyStageKind } from "../plan/stage-kind.js";
import type { Json } from "../util/canonical-json.js";
import { TARGETS } from "./targets.js";

/**
 * A recipe step: its params schema (with defaults) and the stage kind that runs it.
 * The kind's inputs are `model` (the previous model of the recipe) and, when
 * `needsCalibration(params)` says so, `calibration` (the `stats.json` of a calibrate stage run
 * on that same input model; see src/passes/calibrate/stats.ts). It writes `model.onnx` and
 * `report.json` (what it did, per tensor) and reports `modelBytes` and `parameters` metrics.
 */
export interface PassPlugin {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the step's params; drives validation, defaults, `slm passes` and editor completion. */
  readonly schema: object;
  readonly kind: AnyStageKind;
  /** Whether this step, with these (validated, defaulted) params, reads activation statistics. */
  needsCalibration?(params: Readonly<Record<string, unknown>>): boolean;
  /**
   * What the step writes: `model.onnx` (the default: the next step reads it) or `snn`, an SNN IR
   * folder (docs/snn-ir.md). A step that writes `snn` ends the ANN recipe, so it must be the last
   * step; the planner simulates its network and hands it to the targets that run spiking networks.
   */
  readonly produces?: "model.onnx" | "snn";
}

/**
 * A hardware target (a folder `targets/<name>/` whose index.ts exports `target`): its params
 * schema and the stages that lower the recipe's final model onto it. `plan` adds those stages
 * (ids suffixed `:<name>`), typically ending with an evaluation (a report row) and an emit
 * stage whose bundle is materialized under `build/targets/<name>/`.
 */
export interface TargetPlugin {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the target's params in the config (besides `name`). */
  readonly schema: object;
  /**
   * The target reads a hardware profile (src/neuro/profile.ts): `targets/<name>/target.yaml`, or
   * the project's copy named by its `profile` param. The project loads it with the config and
   * hands it to `plan` as `target.profile`.
   */
  readonly profile?: boolean;
  plan(ctx: PlanContext, target: TargetUse, final: RecipeResult): void;
}

/** What the recipe made, for the targets to lower. */
export interface RecipeResult {
  /** The stage that wrote the last ANN model (`import` when the recipe changes none). */
  stage: string;
  model: StageInput;
  /** The spiking network of a `produces: snn` step (`convert:`), when the recipe ends with one. */
  snn?: {
    stage: string;
    snn: StageInput;
    /** The step's validated, defaulted params (e.g. `encoding`, `timesteps`). */
    params: Readonly<Record<string, Json>>;
    /** Config path of the step, e.g. `recipe[2].convert`. */
    origin: string;
  };
}

/** A target as the config names it. */
export interface TargetUse {
  name: string;
  params: Record<string, Json>;
  /** Config path, e.g. `targets[0]`. */
  origin: string;
  /** The loaded hardware profile, for a target with `profile: true`. */
  profile?: Profile;
}

/** Every plugin slm knows, passed explicitly (no registration by import side effect). */
export interface Registry {
  readonly passes: ReadonlyMap<string, PassPlugin>;
  readonly targets: ReadonlyMap<string, TargetPlugin>;
}

/** The ANN → SNN conversion step (src/passes/convert). */
export const convertPass: PassPlugin = {
  name: "convert",
  description: convertSchema.description,
  schema: convertSchema,
  kind: convertKind,
  needsCalibration: () => true,
  produces: "snn",
};

/** The plugins that ship with slm. */
export function builtinRegistry(): Registry {
  return {
    passes: new Map([prunePass, quantizePass, convertPass].map((pass) => [pass.name, pass])),
    targets: new Map(TARGETS.map((target) => [target.name, target])),
  };
}
