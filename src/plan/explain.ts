import { canonicalJson, type Json } from "../util/canonical-json.js";
import type { LockEntry, LockInput } from "./lock.js";

/** A stage as the current config and inputs describe it; digests unknown until upstream runs. */
export interface StageDescription {
  kind: string;
  kindVersion: string;
  params: Record<string, Json>;
  inputs: Record<string, LockInput | { stage: string; output: string; digest: string | undefined }>;
  engines: Record<string, string>;
}

/**
 * Why a stage differs from what slm.lock recorded, one reason per changed field or input, in
 * words a user acts on: `data.evaluation.windows: 32 → 16`, `models/x/model.onnx: content changed`.
 */
export function explainChanges(current: StageDescription, previous: LockEntry | undefined): string[] {
  if (!previous) return ["new stage (not in slm.lock)"];
  const reasons: string[] = [];
  if (previous.kind !== current.kind || previous.kindVersion !== current.kindVersion) {
    reasons.push(`stage kind ${previous.kind}@${previous.kindVersion} → ${current.kind}@${current.kindVersion}`);
  }
  for (const field of unionKeys(previous.params, current.params)) {
    const before = previous.params[field];
    const after = current.params[field];
    if (!sameJson(before, after)) reasons.push(`${field}: ${show(before)} → ${show(after)}`);
  }
  for (const slot of unionKeys(previous.inputs, current.inputs)) {
    const reason = explainInput(previous.inputs[slot], current.inputs[slot]);
    if (reason) reasons.push(reason);
  }
  for (const engine of unionKeys(previous.engines, current.engines)) {
    const before = previous.engines[engine];
    const after = current.engines[engine];
    if (before !== after) reasons.push(`${engine}: ${before ?? "(none)"} → ${after ?? "(none)"}`);
  }
  return reasons;
}

/** Reasons from files a stage discovered it read (checked after its declared inputs match). */
export function explainDiscovered(previous: Record<string, string>, current: Record<string, string | undefined>): string[] {
  const reasons: string[] = [];
  for (const path of Object.keys(previous).sort()) {
    const digest = current[path];
    if (digest === undefined) reasons.push(`${path}: missing`);
    else if (digest !== previous[path]) reasons.push(`${path}: content changed`);
  }
  return reasons;
}

function explainInput(before: LockInput | undefined, after: StageDescription["inputs"][string] | undefined): string | undefined {
  if (!after) return before ? `${describe(before)}: no longer an input` : undefined;
  if (!before) return `${describe(after)}: new input`;
  const movedFrom = "path" in before && "path" in after && before.path !== after.path ? ` (was ${before.path})` : "";
  if (after.digest === undefined) return `${describe(after)}: rebuilt upstream`;
  if (after.digest !== before.digest) {
    return "path" in after ? `${after.path}: content changed${movedFrom}` : `${describe(after)}: changed upstream`;
  }
  return undefined;
}

function describe(input: { path: string } | { stage: string; output: string }): string {
  return "path" in input ? input.path : `${input.stage}/${input.output}`;
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

function show(value: Json | undefined): string {
  if (value === undefined) return "(unset)";
  return typeof value === "string" ? value : JSON.stringify(value);
}
