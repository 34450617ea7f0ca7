/**
 * What a store holds and how big it is: the inventory gc works from, `storeSize` for
 * `slm cache` style reports, and `removeStore` for `slm clean`.
 */
import { lstat, readdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InputError } from "../errors.js";
import type { Digest } from "./digest.js";
import { errorCode, tempOwnerPid } from "./fs-atomic.js";
import { mapLimit } from "./map-limit.js";
import type { Store } from "./store.js";

/** One file of the store with the facts gc needs. */
export interface StoredFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/** A blob found under cas/. */
export interface BlobFile extends StoredFile {
  digest: Digest;
}

/** An action record found under ac/. */
export interface RecordFile extends StoredFile {
  key: string;
}

/** A top-level entry of tmp/: size and newest mtime of everything under it. */
export interface TempEntry extends StoredFile {
  /** The writer's pid, from its name (fs-atomic.ts `uniqueName`). */
  pid: number | undefined;
}

/** Everything in a store, sorted by path. */
export interface StoreInventory {
  blobs: BlobFile[];
  records: RecordFile[];
  temps: TempEntry[];
  /** Bytes of everything else under the root (the stat cache). */
  otherBytes: number;
}

/** Bytes used by a store, by part. */
export interface StoreUsage {
  blobs: number;
  actions: number;
  temp: number;
  total: number;
}

/** Names a store root may contain; `removeStore` refuses a directory holding anything else. */
const STORE_ENTRIES = new Set(["cas", "ac", "tmp", "stat-cache.json"]);
/** Parts of the root counted on their own in StoreUsage. */
const STORE_DIRS = new Set(["cas", "ac", "tmp"]);
const STAT_CONCURRENCY = 16;

/** Lists the store's blobs, records and temp entries. */
export async function inventory(store: Store): Promise<StoreInventory> {
  const blobs = await fanOut(store.casDir, /^[0-9a-f]{62}$/, (prefix, name) => ({ digest: `sha256:${prefix}${name}` as Digest }));
  const records = await fanOut(store.acDir, /^[0-9a-f]{62}\.json$/, (prefix, name) => ({ key: prefix + name.slice(0, -5) }));
  const tempNames = (await listDir(store.tmpDir)).sort();
  const temps = await mapLimit(tempNames, STAT_CONCURRENCY, async (name) => {
    const found = await measure(join(store.tmpDir, name));
    return found && { ...found, pid: tempOwnerPid(name) };
  });
  let otherBytes = 0;
  for (const name of await listDir(store.root)) {
    if (!STORE_DIRS.has(name)) otherBytes += (await measure(join(store.root, name)))?.size ?? 0;
  }
  return { blobs, records, temps: temps.filter((entry) => entry !== undefined), otherBytes };
}

/** Bytes used by the store (file sizes; directories and reflink sharing are not counted). */
export async function storeSize(store: Store): Promise<StoreUsage> {
  return usageOf(await inventory(store));
}

/** Totals of an inventory. */
export function usageOf(found: StoreInventory): StoreUsage {
  const sum = (files: readonly StoredFile[]): number => files.reduce((total, file) => total + file.size, 0);
  const usage = { blobs: sum(found.blobs), actions: sum(found.records), temp: sum(found.temps) };
  return { ...usage, total: usage.blobs + usage.actions + usage.temp + found.otherBytes };
}

/**
 * Deletes the store at `root` (`slm clean`). Refuses, with an InputError, a directory that holds
 * anything a store does not, so a mistyped root cannot delete a project. A missing root is fine.
 */
export async function removeStore(root: string): Promise<void> {
  const absolute = resolve(root);
  const names = await listDir(absolute);
  const foreign = names.filter((name) => !STORE_ENTRIES.has(name)).sort();
  if (foreign.length > 0) {
    throw new InputError(`${absolute} does not look like an slm store (it holds ${foreign.slice(0, 3).join(", ")}); not removing it`);
  }
  await rm(absolute, { recursive: true, force: true });
}

/** Files under `<dir>/<2 hex>/` whose names match `pattern`, with their stats and `identify`'s fields. */
async function fanOut<T>(dir: string, pattern: RegExp, identify: (prefix: string, name: string) => T): Promise<(StoredFile & T)[]> {
  const prefixes = (await listDir(dir)).filter((name) => /^[0-9a-f]{2}$/.test(name)).sort();
  const paths: { path: string; fields: T }[] = [];
  for (const prefix of prefixes) {
    for (const name of (await listDir(join(dir, prefix))).sort()) {
      if (pattern.test(name)) paths.push({ path: join(dir, prefix, name), fields: identify(prefix, name) });
    }
  }
  const found = await mapLimit(paths, STAT_CONCURRENCY, async ({ path, fields }) => {
    const file = await measure(path);
    return file && { ...file, ...fields };
  });
  return found.filter((file) => file !== undefined);
}

/**
 * Total size and newest mtime of a file or directory tree (links are not followed); undefined if
 * it vanished meanwhile (a build finishing, a concurrent gc).
 */
async function measure(path: string): Promise<StoredFile | undefined> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  if (!info.isDirectory()) return { path, size: info.size, mtimeMs: info.mtimeMs };
  let size = 0;
  let mtimeMs = info.mtimeMs;
  for (const name of await listDir(path)) {
    const inner = await measure(join(path, name));
    size += inner?.size ?? 0;
    mtimeMs = Math.max(mtimeMs, inner?.mtimeMs ?? 0);
  }
  return { path, size, mtimeMs };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
}
