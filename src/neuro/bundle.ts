/**
 * The emit stage's bundle folder: files a target writes, then manifest.json (every file's
 * sha256 and size, sorted by path) and README.md. Deterministic: no timestamps or absolute paths.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import type { Json } from "../util/canonical-json.js";
import { writeFileAtomic } from "../util/file-io.js";

/** A bundle being written under `dir` (created empty by `openBundle`). */
export interface Bundle {
  readonly dir: string;
  /** Writes a file (a path relative to the bundle) atomically. */
  write(path: string, content: string | Uint8Array): Promise<void>;
}

/** Creates the bundle folder inside a stage's work folder. */
export async function openBundle(dir: string): Promise<Bundle> {
  await mkdir(dir, { recursive: true });
  return {
    dir,
    async write(path, content) {
      const target = join(dir, path);
      await mkdir(join(target, ".."), { recursive: true });
      await writeFileAtomic(target, content);
    },
  };
}

/**
 * Writes README.md and then manifest.json: `{format: "slm-bundle", formatVersion: 1, target,
 * files: {path: {sha256, bytes}}, ...fields}`; the README is listed, the manifest is not.
 */
export async function finishBundle(bundle: Bundle, target: string, readme: string, fields: Record<string, Json> = {}): Promise<number> {
  await bundle.write("README.md", readme);
  const files: Record<string, Json> = {};
  for (const path of (await listFiles(bundle.dir)).sort()) {
    const bytes = await readFile(join(bundle.dir, path));
    files[path] = { sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
  }
  await bundle.write("manifest.json", `${JSON.stringify({ format: "slm-bundle", formatVersion: 1, target, ...fields, files }, null, 2)}\n`);
  return Object.keys(files).length + 1;
}

async function listFiles(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path, root)));
    else if ((await stat(path)).isFile() && relative(root, path) !== "manifest.json") out.push(relative(root, path).split("\\").join("/"));
  }
  return out;
}
