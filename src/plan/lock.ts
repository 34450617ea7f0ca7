import { readFileSync } from "node:fs";
import type { Json } from "../util/canonical-json.js";

/** One input of a stage as the lock records it: a project file, or another stage's output. */
export type LockInput =
  | { path: string; digest: string }
  | { stage: string; output: string; digest: string };

/** What one stage produced in the last build (schemas/lock.schema.json). */
export interface LockEntry {
  kind: string;
  kindVersion: string;
  key: string;
  /** Config field → value, for every param of the stage. */
  params: Record<string, Json>;
  inputs: Record<string, LockInput>;
  /** Project files the stage discovered it read (e.g. ONNX external data), path → digest. */
  discovered?: Record<string, string>;
  engines: Record<string, string>;
  outputs: Record<string, string>;
}

export interface Lock {
  lockVersion: 1;
  stages: Record<string, LockEntry>;
}

export const LOCK_FILE = "slm.lock";

/** Reads slm.lock; a missing file is an empty lock, a malformed one is reported by the caller. */
export function readLock(path: string): Lock | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Lock>;
  if (parsed.lockVersion !== 1 || typeof parsed.stages !== "object" || parsed.stages === null) {
    throw new Error(`${path}: not an slm lock (lockVersion 1 expected)`);
  }
  return parsed as Lock;
}

/**
 * The lock's text: stages sorted by id, keys sorted, two-space indent, one field per line, a
 * final newline. Nothing volatile (no times, no absolute paths), so two clean builds of the same
 * inputs write the same bytes and a change shows up in review as a small, local diff.
 */
export function formatLock(lock: Lock): string {
  return `${JSON.stringify(sortDeep(lock), null, 2)}\n`;
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = sortDeep(item);
    }
    return out;
  }
  return value;
}
