import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/**
 * Installed version of an engine package (e.g. onnxruntime-node), read from its package.json
 * without loading the engine: action keys need it on every build, even a no-op one.
 */
export function engineVersion(packageName: string): string {
  let dir = dirname(require.resolve(packageName));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (manifest.name === packageName && manifest.version) return manifest.version;
    } catch {
      // not this folder; keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the version of engine ${packageName}`);
    dir = parent;
  }
}

/** Versions of every engine the given kinds declare. */
export function engineVersions(names: Iterable<string>): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const name of [...new Set(names)].sort()) versions[name] = engineVersion(name);
  return versions;
}
