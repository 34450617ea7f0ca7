/**
 * Garbage collection with a size budget (wireit #71, Olive #1819: caches that only grow).
 *
 * Order: temp entries of crashed writers go first; then records that can never hit again
 * (damaged, or missing a blob) and blobs no record references; then, while the store is over
 * `maxBytes`, the least recently used records (a hit refreshes a record's mtime), each taking
 * with it the blobs that no remaining record (or tree manifest of one) references. Records in
 * `keepKeys` (the current lock's) are never evicted.
 *
 * Safety with builds running at the same time, without a lock:
 * - nothing younger than GC_GRACE_MS (10 minutes) is deleted: a build's fresh blobs are not yet
 *   referenced by a record, and a hit or a deduplicated put refreshes the mtimes of the record and
 *   blobs it returns, so they count as young again;
 * - every deletion re-checks the mtime just before it, so a hit during gc spares what it touched;
 *   what remains is a window of microseconds between that check and the unlink;
 * - a tmp/ entry is removed only when idle for TEMP_STALE_MS (1 hour) and its writer's pid (in its
 *   name) is not a live process on this machine.
 */
import { lstat, readFile, rm } from "node:fs/promises";
import { parseActionRecord } from "./action-record.js";
import type { Digest } from "./digest.js";
import { errorCode, isProcessAlive } from "./fs-atomic.js";
import type { Store } from "./store.js";
import { compareCodeUnits } from "./tree.js";
import { inventory, usageOf, type RecordFile, type StoredFile } from "./usage.js";

/** Records and blobs younger than this are never deleted (see the module comment). */
export const GC_GRACE_MS = 10 * 60 * 1000;
/** tmp/ entries idle this long, whose writer is gone, are deleted. */
export const TEMP_STALE_MS = 60 * 60 * 1000;

/** What to collect. */
export interface GcOptions {
  /** Size budget in bytes for the whole store (see `parseSize`). */
  maxBytes: number;
  /** Action keys never evicted: those of the current lock. */
  keepKeys: ReadonlySet<string>;
  /** Compute what would be removed without removing it. */
  dryRun?: boolean;
}

/** What gc did (or, with dryRun, would do). Sizes in bytes. */
export interface GcResult {
  before: number;
  after: number;
  removedActions: number;
  removedBlobs: number;
  removedTemp: number;
}

/** Collects garbage in `store` down to `maxBytes` where the rules above allow. */
export async function gc(store: Store, options: GcOptions): Promise<GcResult> {
  const found = await inventory(store);
  const before = usageOf(found).total;
  const start = Date.now();
  const old = (file: StoredFile): boolean => start - file.mtimeMs >= GC_GRACE_MS;

  const temps = found.temps.filter(
    (entry) => start - entry.mtimeMs >= TEMP_STALE_MS && (entry.pid === undefined || !isProcessAlive(entry.pid)),
  );
  const blobs = new Map(found.blobs.map((blob) => [blob.digest, blob]));
  const references = new Map<string, Digest[]>();
  const counts = new Map<Digest, number>();
  const doomedRecords: RecordFile[] = [];
  for (const record of found.records) {
    const digests = await referencedBlobs(store, record.path);
    if (digests && digests.every((digest) => blobs.has(digest))) {
      references.set(record.key, digests);
      for (const digest of digests) counts.set(digest, (counts.get(digest) ?? 0) + 1);
    } else if (old(record)) {
      doomedRecords.push(record); // can never hit again
    }
  }

  const sum = (files: Iterable<StoredFile>): number => [...files].reduce((total, file) => total + file.size, 0);
  let freed = sum(temps) + sum(doomedRecords);
  const doomedBlobs = new Map<Digest, StoredFile>();
  const release = (digest: Digest): void => {
    const blob = blobs.get(digest);
    if (!blob || !old(blob) || counts.get(digest) || doomedBlobs.has(digest)) return;
    doomedBlobs.set(digest, blob);
    freed += blob.size;
  };
  for (const digest of blobs.keys()) release(digest);

  const lru = found.records
    .filter((record) => references.has(record.key) && !options.keepKeys.has(record.key) && old(record))
    .sort((a, b) => a.mtimeMs - b.mtimeMs || compareCodeUnits(a.key, b.key));
  for (const record of lru) {
    if (before - freed <= options.maxBytes) break;
    doomedRecords.push(record);
    freed += record.size;
    for (const digest of references.get(record.key) ?? []) {
      counts.set(digest, (counts.get(digest) ?? 1) - 1);
      release(digest);
    }
  }

  if (options.dryRun) {
    return { before, after: before - freed, removedActions: doomedRecords.length, removedBlobs: doomedBlobs.size, removedTemp: temps.length };
  }
  for (const entry of temps) await rm(entry.path, { recursive: true, force: true });
  const removedRecords = await removeOld(doomedRecords);
  const removedBlobs = await removeOld([...doomedBlobs.values()]);
  await store.statCache.prune();
  await store.statCache.save();
  const removedBytes = sum(temps) + sum(removedRecords) + sum(removedBlobs);
  return {
    before,
    after: before - removedBytes,
    removedActions: removedRecords.length,
    removedBlobs: removedBlobs.length,
    removedTemp: temps.length,
  };
}

/** Deletes each file unless it became young since the inventory (a concurrent hit); returns those deleted. */
async function removeOld<T extends StoredFile>(files: readonly T[]): Promise<T[]> {
  const removed: T[] = [];
  for (const file of files) {
    try {
      if (Date.now() - (await lstat(file.path)).mtimeMs < GC_GRACE_MS) continue;
      await rm(file.path, { force: true });
      removed.push(file);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error; // gone already: another gc
    }
  }
  return removed;
}

/** Every blob a record needs (outputs, tree manifests and their files); undefined if the record is damaged. */
async function referencedBlobs(store: Store, recordPath: string): Promise<Digest[] | undefined> {
  let text: string;
  try {
    text = await readFile(recordPath, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  const record = parseActionRecord(text);
  if (!record) return undefined;
  const digests = new Set<Digest>();
  for (const ref of Object.values(record.outputs)) {
    digests.add(ref.digest);
    if (ref.kind !== "tree" || !store.hasBlob(ref.digest)) continue;
    try {
      for (const entry of await store.readTree(ref.digest)) digests.add(entry.digest);
    } catch {
      return undefined; // a damaged manifest: the record can never hit
    }
  }
  return [...digests].sort();
}
