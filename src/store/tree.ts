/**
 * Trees: a directory stored as one blob per file plus a manifest blob, canonical JSON
 * `{"entries":[{"digest":…,"path":…,"size":…}]}` sorted by path (posix separators, relative,
 * code-unit order). The manifest's digest is the tree's. It holds no times and no modes, and
 * empty directories are not kept (as in git): the same files always give the same digest.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { SlmError } from "../errors.js";
import { canonicalJson } from "../util/canonical-json.js";
import { isDigest, type Digest } from "./digest.js";

/** One file of a tree. */
export interface TreeEntry {
  /** Relative posix path inside the tree, e.g. `weights/layer0.bin`. */
  path: string;
  digest: Digest;
  size: number;
}

/** A regular file found under a directory that is being stored as a tree. */
export interface TreeFile {
  /** Relative posix path. */
  path: string;
  /** Absolute (or dir-relative) path on disk. */
  source: string;
}

/** The manifest text for these entries (sorted here, so callers need not). */
export function encodeTreeManifest(entries: readonly TreeEntry[]): string {
  const sorted = [...entries].sort((a, b) => compareCodeUnits(a.path, b.path));
  return canonicalJson({ entries: sorted.map(({ path, digest, size }) => ({ path, digest, size })) });
}

/**
 * Parses and checks a manifest: well-formed digests and sizes, safe relative paths, strictly
 * sorted (so no duplicates). Throws an Error naming the first problem.
 */
export function parseTreeManifest(text: string): TreeEntry[] {
  const value: unknown = JSON.parse(text);
  const entries = (value as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) throw new Error("tree manifest has no entries array");
  let previous: string | undefined;
  return entries.map((entry: unknown, index) => {
    const { path, digest, size } = (entry ?? {}) as Partial<Record<keyof TreeEntry, unknown>>;
    if (typeof path !== "string" || !isSafeRelativePath(path)) throw new Error(`tree manifest entry ${index} has an unsafe path`);
    if (!isDigest(digest)) throw new Error(`tree manifest entry ${index} (${path}) has a malformed digest`);
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw new Error(`tree manifest entry ${index} (${path}) has a bad size`);
    if (previous !== undefined && compareCodeUnits(previous, path) >= 0) throw new Error(`tree manifest is not sorted at ${path}`);
    previous = path;
    return { path, digest, size };
  });
}

/** True for `a/b.txt`-style paths: no empty, `.` or `..` segments, no backslash or NUL, not absolute. */
export function isSafeRelativePath(path: string): boolean {
  if (path === "" || /[\\\0]/.test(path)) return false;
  return path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/**
 * Every regular file under `dir`, sorted by relative path. Symbolic links and special files are
 * refused: a tree must be self-contained, and following a link would store bytes from outside it.
 */
export async function listTreeFiles(dir: string): Promise<TreeFile[]> {
  const files: TreeFile[] = [];
  const walk = async (absolute: string, relative: string): Promise<void> => {
    const children = await readdir(absolute, { withFileTypes: true });
    for (const child of children) {
      const childAbsolute = join(absolute, child.name);
      const childRelative = relative === "" ? child.name : `${relative}/${child.name}`;
      if (!isSafeRelativePath(childRelative)) throw new SlmError(`${childAbsolute}: a backslash in a file name cannot be stored portably`);
      if (child.isDirectory()) await walk(childAbsolute, childRelative);
      else if (child.isFile()) files.push({ path: childRelative, source: childAbsolute });
      else throw new SlmError(`${childAbsolute} is not a regular file or directory; a stored tree may hold only those`);
    }
  };
  await walk(dir, "");
  return files.sort((a, b) => compareCodeUnits(a.path, b.path));
}

/** Total order on strings by UTF-16 code units, independent of locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
