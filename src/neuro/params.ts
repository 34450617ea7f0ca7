/**
 * Profile facts as stage params. Each param's origin names the profile field it came from
 * (`targets[1].profile:energy.synaptic_op`), so `slm explain` says why a stage reran, and only
 * the stages whose params read a changed fact rerun: constraints feed legalize and map, timing
 * and energy feed estimate.
 */
import type { TargetUse } from "../plugins/registry.js";
import type { Json } from "../util/canonical-json.js";
import { factJson, type Profile } from "./profile.js";

/** Params with the fields they come from, as a stage instance takes them. */
export interface BoundParams {
  params: Record<string, Json>;
  origins: Record<string, string>;
}

/** The origin of a profile field: `targets[1].profile:constraints.neurons_per_core`. */
export function profileOrigin(use: TargetUse, path: string): string {
  return `${use.origin}.profile:${path}`;
}

/** The profile a target was planned with; a plan-time bug when the project did not load it. */
export function profileOf(use: TargetUse): Profile {
  if (!use.profile) throw new Error(`plan: ${use.origin} (${use.name}) was planned without its hardware profile (TargetPlugin.profile must be true)`);
  return use.profile;
}

/**
 * Fact values (`value` only) as params: for legalize and map, which compute with the numbers and
 * should not rerun when only a fact's source text is edited. `paths`: param name → fact path.
 */
export function factValues(use: TargetUse, paths: Record<string, string>): BoundParams {
  const profile = profileOf(use);
  return bind(use, paths, (path) => profile.fact(path).value);
}

/**
 * Whole facts (value, unit, source, evidence, note) as params: for estimate, which labels each
 * figure with the evidence of the facts it used. `paths`: param name → fact path.
 */
export function factRecords(use: TargetUse, paths: Record<string, string>): BoundParams {
  const profile = profileOf(use);
  return bind(use, paths, (path) => factJson(profile.fact(path)));
}

/** Params from the target's config entry (`chips`, ...), origins `targets[i].<name>`. */
export function useParams(use: TargetUse, names: readonly string[]): BoundParams {
  const params: Record<string, Json> = {};
  const origins: Record<string, string> = {};
  for (const name of names) {
    const value = use.params[name];
    if (value === undefined) continue;
    params[name] = value;
    origins[name] = `${use.origin}.${name}`;
  }
  return { params, origins };
}

/** Several bound param sets as one (later names win; names should not repeat). */
export function mergeParams(...sets: readonly BoundParams[]): BoundParams {
  return {
    params: Object.assign({}, ...sets.map((set) => set.params)) as Record<string, Json>,
    origins: Object.assign({}, ...sets.map((set) => set.origins)) as Record<string, string>,
  };
}

function bind(use: TargetUse, paths: Record<string, string>, read: (path: string) => Json): BoundParams {
  const params: Record<string, Json> = {};
  const origins: Record<string, string> = {};
  for (const [name, path] of Object.entries(paths)) {
    params[name] = read(path);
    origins[name] = profileOrigin(use, path);
  }
  return { params, origins };
}
