/**
 * The slm package folder, found by walking up from this module to the package.json named "slm":
 * the same walk works from src/ (tests), dist/src/ (tsc output) and dist/cli/chunks/ (the
 * esbuild bundle), where a fixed `../..` would not.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** Absolute path of the slm package root (the folder holding its package.json and targets/). */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "slm") return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`slm: no package.json named "slm" above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
