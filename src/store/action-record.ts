/**
 * Action records: what a stage run produced, stored under its action key. The store only relies
 * on `outputs`; the caller adds whatever else it wants to restore on a hit (metrics, logs' digests).
 */
import { isDigest, type Digest } from "./digest.js";

/** A stored artifact: a single blob, or a tree whose digest is its manifest's. */
export interface OutputRef {
  digest: Digest;
  /** Bytes of the file; for a tree, the total bytes of its files (the manifest not counted). */
  size: number;
  kind: "file" | "tree";
}

/** The record of one stage run. Extra fields must be JSON (they are stored as canonical JSON). */
export interface ActionRecord {
  outputs: Record<string, OutputRef>;
  [extra: string]: unknown;
}

/** True when `value` is a well-formed OutputRef. */
export function isOutputRef(value: unknown): value is OutputRef {
  if (typeof value !== "object" || value === null) return false;
  const ref = value as Partial<OutputRef>;
  return (
    isDigest(ref.digest) &&
    typeof ref.size === "number" &&
    Number.isSafeInteger(ref.size) &&
    ref.size >= 0 &&
    (ref.kind === "file" || ref.kind === "tree")
  );
}

/** True when `value` has an `outputs` object of well-formed refs. */
export function isActionRecord(value: unknown): value is ActionRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const outputs = (value as { outputs?: unknown }).outputs;
  return (
    typeof outputs === "object" && outputs !== null && !Array.isArray(outputs) && Object.values(outputs).every(isOutputRef)
  );
}

/** Parses a stored record; undefined when it is not one (a damaged record is a miss, never an error). */
export function parseActionRecord(text: string): ActionRecord | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isActionRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
