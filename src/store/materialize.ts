/**
 * Copying stored artifacts out to where users see them (`build/`). Copies, never hard links:
 * a user editing build/ must not corrupt the cache. Copies are reflinks where the file system
 * supports them (COPYFILE_FICLONE), so they cost no data blocks there.
 *
 * Each materialization is built under a hidden temp name beside `dest` (same file system) and
 * renamed over it, so `dest` holds either its old content or the complete new one. When `dest`
 * already holds exactly the stored content it is left alone; that check goes through the stat
 * cache, so an unchanged build/ is only stat'ed, not read.
 */
import { chmod, constants, copyFile, lstat, mkdir, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { SlmError } from "../errors.js";
import type { OutputRef } from "./action-record.js";
import type { Digest } from "./digest.js";
import { errorCode, replaceWith, uniqueName } from "./fs-atomic.js";
import { mapLimit } from "./map-limit.js";
import type { StatCache } from "./stat-cache.js";
import type { Store } from "./store.js";
import { listTreeFiles, type TreeEntry } from "./tree.js";

/** Materialized files are ordinary user files (blobs themselves are read-only). */
const FILE_MODE = 0o644;
const COPY_CONCURRENCY = 8;

/** True when `dest` already holds exactly the stored file or tree `ref` (checked through the stat cache). */
export async function holds(store: Store, ref: OutputRef, dest: string): Promise<boolean> {
  const target = resolve(dest);
  return ref.kind === "tree" ? treeHolds(store.statCache, target, await store.readTree(ref.digest)) : fileHolds(store.statCache, target, ref.digest);
}

/** Makes `dest` hold the stored file or tree `ref` (see the module comment). */
export async function materialize(store: Store, ref: OutputRef, dest: string): Promise<void> {
  if (await holds(store, ref, dest)) return;
  const target = resolve(dest);
  const entries = ref.kind === "tree" ? await store.readTree(ref.digest) : undefined;
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${uniqueName(basename(target))}`);
  try {
    if (entries) await buildTree(store, entries, temp);
    else await copyOut(store, ref.digest, temp);
    await replaceWith(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

async function buildTree(store: Store, entries: readonly TreeEntry[], dir: string): Promise<void> {
  await mkdir(dir);
  const parents = new Set(entries.map((entry) => dirname(entry.path)).filter((parent) => parent !== "."));
  for (const parent of [...parents].sort()) await mkdir(join(dir, ...parent.split("/")), { recursive: true });
  await mapLimit(entries, COPY_CONCURRENCY, (entry) => copyOut(store, entry.digest, join(dir, ...entry.path.split("/"))));
}

async function copyOut(store: Store, digest: Digest, to: string): Promise<void> {
  const blob = store.blobPath(digest);
  try {
    await copyFile(blob, to, constants.COPYFILE_FICLONE);
  } catch (error) {
    if (errorCode(error) !== "ENOENT" || store.hasBlob(digest)) throw error;
    throw new SlmError(`blob ${digest} is missing from the store at ${store.root} (removed by hand or by gc?); rebuild to restore it`, {
      cause: error,
    });
  }
  // copyFile carries the blob's read-only mode over.
  await chmod(to, FILE_MODE);
}

/** True when `path` is a regular file with this digest. */
async function fileHolds(statCache: StatCache, path: string, digest: Digest): Promise<boolean> {
  try {
    if (!(await lstat(path)).isFile()) return false;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
  return (await statCache.digestFile(path)).digest === digest;
}

/** True when `dir` holds exactly these files (no more, no fewer) with these digests. */
async function treeHolds(statCache: StatCache, dir: string, entries: readonly TreeEntry[]): Promise<boolean> {
  let files;
  try {
    if (!(await lstat(dir)).isDirectory()) return false;
    files = await listTreeFiles(dir);
  } catch (error) {
    // Missing, or holding something a tree cannot (a link, a socket): either way, replace it.
    if (errorCode(error) === "ENOENT" || error instanceof SlmError) return false;
    throw error;
  }
  if (files.length !== entries.length || files.some((file, i) => file.path !== entries[i]?.path)) return false;
  for (const [i, file] of files.entries()) {
    if ((await statCache.digestFile(file.source)).digest !== entries[i]?.digest) return false;
  }
  return true;
}
