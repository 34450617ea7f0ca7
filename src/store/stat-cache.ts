/**
 * The stat cache: path → digest, trusted while the file's (size, mtime ns, ctime ns, inode,
 * device) are unchanged, so a no-op build stats its inputs instead of reading them (DVC #10691).
 *
 * Trade-off, as in git: a change that leaves all five fields equal goes unnoticed. Userspace can
 * restore size and mtime (utimes) but not ctime, so in practice that takes a write within one
 * timestamp tick of the hash, which is the "racy" case below.
 *
 * Racy files (git's racy-git): the file system stamps times at a granularity (4 ms jiffies on
 * ext4 before Linux 6.13's fine-grained stamps, 1-2 s on FAT and HFS+). A file modified again within the tick in which it was hashed keeps its
 * stat and would be trusted with a stale digest. So before each hash we read the file system's
 * own clock (write one byte to an unlinked probe file in the store's tmp/ and fstat it): if the
 * file's mtime or ctime is not strictly older than that stamp, the digest is used once but not
 * remembered, and the next lookup reads the file again. The probe is on the store's file system;
 * files on a file system whose clock differs (a network mount) get the protection only as far as
 * the clocks agree.
 */
import { closeSync, fstatSync, openSync, readFileSync, statSync, unlinkSync, writeSync, type BigIntStats } from "node:fs";
import { lstat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SlmError } from "../errors.js";
import { isDigest, type ContentHash, type Digest } from "./digest.js";
import { writeFileAtomic } from "../util/file-io.js";
import { errorCode, uniqueName } from "./fs-atomic.js";
import { hashFile } from "./hash-file.js";

/** On disk: `[digest, size, mtimeNs, ctimeNs, ino, dev]`, numbers as decimal strings (they exceed 2^53). */
type Entry = [Digest, string, string, string, string, string];

/** The stat cache file: one object, entries keyed by absolute path, sorted. */
interface StatCacheFile {
  version: 1;
  entries: Record<string, Entry>;
}

/** How often the cache answered from stat alone vs. read a file, since it was created. */
export interface StatCacheCounters {
  hits: number;
  hashed: number;
}

/** Reading a file that keeps changing is retried this many times before giving up. */
const HASH_ATTEMPTS = 3;
const PROBE_BYTE = Buffer.from("t");

/**
 * Digests of files keyed by stat. Loaded once per process (lazily, on first use), persisted by an
 * explicit `save()`; the last process to save wins, and the file is replaced atomically, so it is
 * never corrupt. A missing or unparseable cache file is an empty cache.
 */
export class StatCache {
  /** Observable work done, for tests and benchmarks. */
  readonly counters: StatCacheCounters = { hits: 0, hashed: 0 };
  #entries: Map<string, Entry> | undefined;
  #dirty = false;
  #probeFd: number | undefined;

  /**
   * @param file where the cache persists (`<store>/stat-cache.json`)
   * @param tempDir a directory on the same file system, for atomic saves and the clock probe
   */
  constructor(
    readonly file: string,
    private readonly tempDir: string,
  ) {}

  /**
   * Digest and size of a regular file, reading it only when the cache cannot vouch for it. The
   * stat is synchronous on purpose: 3 µs instead of 26 µs through the thread pool, and a no-op
   * build is a sequence of these.
   */
  async digestFile(path: string): Promise<ContentHash> {
    const absolute = resolve(path);
    const known = this.#lookup(absolute, statSync(absolute, { bigint: true }));
    if (known) return known;
    for (let attempt = 0; attempt < HASH_ATTEMPTS; attempt++) {
      const stamp = this.clockStamp();
      const hashed = await hashFile(absolute);
      this.counters.hashed++;
      if (!hashed.stable) continue;
      this.remember(absolute, hashed.stat, hashed.digest, stamp);
      return { digest: hashed.digest, size: hashed.size };
    }
    throw new SlmError(`${absolute} kept changing while it was being hashed (${HASH_ATTEMPTS} attempts)`);
  }

  /** The cached digest of `path` if its stat still matches, without reading the file; else undefined. */
  async cached(path: string): Promise<ContentHash | undefined> {
    const absolute = resolve(path);
    return this.#lookup(absolute, statSync(absolute, { bigint: true }));
  }

  /**
   * Records that `path`, while it had `stat`, held content with `digest`. `stamp` must come from
   * `clockStamp()` taken before the content was read; a racy file is forgotten instead.
   */
  remember(path: string, stat: BigIntStats, digest: Digest, stamp: bigint): void {
    const entries = this.#load();
    const absolute = resolve(path);
    if (stat.mtimeNs >= stamp || stat.ctimeNs >= stamp) {
      if (entries.delete(absolute)) this.#dirty = true;
      return;
    }
    const entry: Entry = [digest, String(stat.size), String(stat.mtimeNs), String(stat.ctimeNs), String(stat.ino), String(stat.dev)];
    entries.set(absolute, entry);
    this.#dirty = true;
  }

  /**
   * The file system's current time, in its own granularity: a lower bound for the time of any
   * read that starts after this call. Costs two syscalls (about 8 µs).
   */
  clockStamp(): bigint {
    if (this.#probeFd === undefined) {
      const probe = join(this.tempDir, uniqueName("clock"));
      this.#probeFd = openSync(probe, "w");
      // Unlinked at once: the open descriptor still takes timestamps and nothing is left behind.
      unlinkSync(probe);
    }
    writeSync(this.#probeFd, PROBE_BYTE, 0, 1, 0);
    return fstatSync(this.#probeFd, { bigint: true }).mtimeNs;
  }

  /** Drops entries whose files no longer exist; returns how many. */
  async prune(): Promise<number> {
    const entries = this.#load();
    let removed = 0;
    for (const path of [...entries.keys()].sort()) {
      try {
        await lstat(path);
      } catch (error) {
        if (errorCode(error) !== "ENOENT") throw error;
        entries.delete(path);
        removed++;
      }
    }
    if (removed > 0) this.#dirty = true;
    return removed;
  }

  /** Persists the cache atomically if anything changed, and releases the clock probe. */
  async save(): Promise<void> {
    if (this.#probeFd !== undefined) {
      closeSync(this.#probeFd);
      this.#probeFd = undefined;
    }
    if (!this.#dirty || !this.#entries) return;
    const entries: Record<string, Entry> = {};
    for (const path of [...this.#entries.keys()].sort()) entries[path] = this.#entries.get(path) as Entry;
    const content: StatCacheFile = { version: 1, entries };
    await writeFileAtomic(this.file, `${JSON.stringify(content)}\n`, { tempDir: this.tempDir, sync: false });
    this.#dirty = false;
  }

  #lookup(absolute: string, current: BigIntStats): ContentHash | undefined {
    const entry = this.#load().get(absolute);
    if (!entry || !current.isFile() || !matches(entry, current)) return undefined;
    this.counters.hits++;
    return { digest: entry[0], size: Number(current.size) };
  }

  #load(): Map<string, Entry> {
    if (this.#entries) return this.#entries;
    this.#entries = new Map();
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, "utf8"));
    } catch (error) {
      // Missing is normal; unparseable cannot come from our atomic saves, and a cache may be dropped.
      if (errorCode(error) !== "ENOENT" && !(error instanceof SyntaxError)) throw error;
      return this.#entries;
    }
    if (!isStatCacheFile(parsed)) return this.#entries;
    for (const [path, entry] of Object.entries(parsed.entries)) if (isEntry(entry)) this.#entries.set(path, entry);
    return this.#entries;
  }
}

function matches(entry: Entry, current: BigIntStats): boolean {
  return (
    entry[1] === String(current.size) &&
    entry[2] === String(current.mtimeNs) &&
    entry[3] === String(current.ctimeNs) &&
    entry[4] === String(current.ino) &&
    entry[5] === String(current.dev)
  );
}

function isStatCacheFile(value: unknown): value is StatCacheFile {
  if (typeof value !== "object" || value === null) return false;
  const file = value as Partial<StatCacheFile>;
  return file.version === 1 && typeof file.entries === "object" && file.entries !== null;
}

function isEntry(value: unknown): value is Entry {
  return (
    Array.isArray(value) &&
    value.length === 6 &&
    isDigest(value[0]) &&
    value.slice(1).every((field) => typeof field === "string" && /^\d+$/.test(field))
  );
}
