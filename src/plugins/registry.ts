import type { AnyStageKind } from "../plan/stage-kind.js";

/** A recipe step: its params schema (with defaults) and the stage kind that runs it. */
export interface PassPlugin {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the step's params; drives validation, defaults, `slm passes` and editor completion. */
  readonly schema: object;
  readonly kind: AnyStageKind;
}

/** A hardware target: its params schema and the stages that lower a model onto it. */
export interface TargetPlugin {
  readonly name: string;
  readonly description: string;
  readonly schema: object;
}

/** Every plugin slm knows, passed explicitly (no registration by import side effect). */
export interface Registry {
  readonly passes: ReadonlyMap<string, PassPlugin>;
  readonly targets: ReadonlyMap<string, TargetPlugin>;
}

/** The plugins that ship with slm. */
export function builtinRegistry(): Registry {
  return { passes: new Map(), targets: new Map() };
}
