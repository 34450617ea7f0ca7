/**
 * Writing a documented JSON + binary bundle: the files, then manifest.json with every file's
 * sha256 and size (keys sorted), each written atomically. Used by the truenorth-sim and akida-sim
 * emit stages (neither chip has a public program format).
 */
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Json } from "../../src/util/canonical-json.js";
import { writeFileAtomic } from "../../src/util/file-io.js";

/** Writes `files` (name → bytes or text) into `dir` and a manifest.json listing them beside `header`. */
export async function writeBundle(dir: string, header: Record<string, Json>, files: ReadonlyMap<string, Uint8Array | string>): Promise<Record<string, Json>> {
  await mkdir(dir, { recursive: true });
  const listed: Record<string, Json> = {};
  for (const name of [...files.keys()].sort()) {
    const content = files.get(name)!;
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    await writeFileAtomic(join(dir, name), bytes);
    listed[name] = { bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
  }
  const manifest = { ...header, files: listed };
  await writeFileAtomic(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
