import { createHash } from "node:crypto";

/** A JSON value as slm hashes and stores it (no undefined, no functions, finite numbers). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, numbers as JavaScript prints
 * them. Two equal values always give the same text, so it is what action keys and the lock hash.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, "$"));
}

function sortKeys(value: unknown, path: string): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${path} is not a finite number (${value})`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => sortKeys(item, `${path}[${i}]`));
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = sortKeys(item, `${path}.${key}`);
    }
    return out;
  }
  throw new Error(`canonicalJson: ${path} has unsupported type ${typeof value}`);
}

/** Full sha256 hex of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
