import { canonicalJson, sha256Hex, type Json } from "../util/canonical-json.js";
import type { StageInstance } from "./plan.js";

/** Everything that identifies one stage run; its hash is the action key (DESIGN.md, "Key"). */
export interface KeyMaterial {
  kind: string;
  version: string;
  params: Record<string, Json>;
  /** Input slot → content digest of what the slot holds (never an upstream key: early cutoff). */
  inputs: Record<string, string>;
  /** Engine package → version, for the engines the kind declares. */
  engines: Record<string, string>;
}

/** Key material of a stage once every input digest is known. */
export function keyMaterial(
  stage: StageInstance,
  inputDigests: Record<string, string>,
  engineVersions: Record<string, string>,
): KeyMaterial {
  const engines: Record<string, string> = {};
  for (const name of stage.kind.engines ?? []) {
    const version = engineVersions[name];
    if (version === undefined) throw new Error(`stage ${stage.id}: version of engine ${name} is unknown`);
    engines[name] = version;
  }
  return { kind: stage.kind.id, version: stage.kind.version, params: stage.params, inputs: inputDigests, engines };
}

/** sha256 of the canonical JSON of the key material, full length. */
export function actionKey(material: KeyMaterial): string {
  return sha256Hex(canonicalJson(material));
}

/**
 * The key under which a stage's discovered inputs are recorded: the action key before those
 * inputs are known. The full key adds their digests (see discoveredKey).
 */
export function discoveredKey(baseKey: string, discovered: Record<string, string>): string {
  return sha256Hex(canonicalJson({ base: baseKey, discovered }));
}
