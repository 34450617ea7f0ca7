/**
 * The content-addressed store (DESIGN.md "store"): blobs by sha256 under `cas/`, action records
 * by action key under `ac/`, in-progress writes under `tmp/`, the stat cache beside them.
 *
 * ```
 * <root>/cas/<2 hex>/<62 hex>        a blob, read-only, named by the sha256 of its bytes
 * <root>/ac/<2 hex>/<62 hex>.json    an action record (canonical JSON)
 * <root>/tmp/<label>.<pid>.<random>  temp files and stage work dirs
 * <root>/stat-cache.json             see stat-cache.ts
 * ```
 *
 * Crash safety: every file is written under tmp/ (same file system) and renamed into place, and
 * a blob's name is the digest of the bytes actually written, so a killed process leaves at worst
 * a stray temp file, never a truncated blob or record at a final name. There is no fsync: a
 * power loss can leave a short blob, which `getAction` catches by checking sizes.
 *
 * Concurrency: several processes may share one store with no lock. Writing the same blob or
 * record twice is harmless (same bytes; rename replaces atomically). Against a concurrent `gc`,
 * every hit and every deduplicated put refreshes the mtimes of what it returns, and gc spares
 * anything younger than its grace period (gc.ts).
 */
import { existsSync } from "node:fs";
import { chmod, constants, copyFile, lstat, mkdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { SlmError } from "../errors.js";
import { canonicalJson } from "../util/canonical-json.js";
import { isActionRecord, parseActionRecord, type ActionRecord, type OutputRef } from "./action-record.js";
import { digestHex, hashBytes, isSha256Hex, type Digest } from "./digest.js";
import { writeFileAtomic } from "../util/file-io.js";
import { errorCode, storeTempDir, uniqueName } from "./fs-atomic.js";
import { hashFile, sameContentStat } from "./hash-file.js";
import { mapLimit } from "./map-limit.js";
import { holds, materialize } from "./materialize.js";
import { StatCache } from "./stat-cache.js";
import { encodeTreeManifest, listTreeFiles, parseTreeManifest, type TreeEntry } from "./tree.js";

/** Blobs are read-only so that a stage handed a blob path cannot corrupt the cache by writing to it. */
const BLOB_MODE = 0o444;
/** Files stored or checked at once by putTree / getAction. */
const FILE_CONCURRENCY = 8;

/** A content-addressed store rooted at one directory (default `.slm/` in the project). */
export class Store {
  /** Absolute root of the store. */
  readonly root: string;
  /** `<root>/cas`: blobs. */
  readonly casDir: string;
  /** `<root>/ac`: action records. */
  readonly acDir: string;
  /** `<root>/tmp`: in-progress writes; same file system as the rest, so renames are atomic. */
  readonly tmpDir: string;
  /** Digests of files outside the store by stat; call `statCache.save()` when a build ends. */
  readonly statCache: StatCache;
  /** Parsed manifests by digest (they are immutable). */
  readonly #trees = new Map<Digest, TreeEntry[]>();

  private constructor(root: string) {
    this.root = root;
    this.casDir = join(root, "cas");
    this.acDir = join(root, "ac");
    this.tmpDir = storeTempDir(root);
    this.statCache = new StatCache(join(root, "stat-cache.json"), this.tmpDir);
  }

  /** Opens (creating if needed) the store at `root`. Costs one mkdir; `cas/` and `ac/` fan-out dirs appear on first write. */
  static async open(root: string): Promise<Store> {
    const store = new Store(resolve(root));
    await mkdir(store.tmpDir, { recursive: true });
    return store;
  }

  /** Where the blob with this digest lives (whether or not it is there). */
  blobPath(digest: Digest): string {
    const hex = digestHex(digest);
    return join(this.casDir, hex.slice(0, 2), hex.slice(2));
  }

  /** Where the record for this action key (64 hex) lives. */
  actionPath(key: string): string {
    if (!isSha256Hex(key)) throw new Error(`action key must be 64 lowercase hex characters, got ${JSON.stringify(key)}`);
    return join(this.acDir, key.slice(0, 2), `${key.slice(2)}.json`);
  }

  /** True when the blob is present. */
  hasBlob(digest: Digest): boolean {
    return existsSync(this.blobPath(digest));
  }

  /** Stores bytes (a string is stored as UTF-8). */
  async putBytes(data: Uint8Array | string): Promise<OutputRef> {
    const { digest, size } = hashBytes(data);
    if (!(await this.#refresh(digest))) {
      const temp = join(this.tmpDir, uniqueName("blob"));
      await writeFile(temp, data, { mode: BLOB_MODE });
      await this.#publish(temp, digest);
    }
    return { digest, size, kind: "file" };
  }

  /**
   * Stores a file. A regular file inside this store's tmp/ (a stage's output) is moved in; any
   * other file is copied (reflinked where the file system can), so the caller's file is untouched
   * and later edits to it cannot reach the blob. The digest is computed from the stored copy.
   */
  async putFile(path: string): Promise<OutputRef> {
    const source = resolve(path);
    const info = await lstat(source);
    // A hard-linked output shares its inode with a file elsewhere: moving it would let edits there reach the blob.
    const movable = info.isFile() && info.nlink === 1 && isInside(source, this.tmpDir);
    return movable ? this.#moveIn(source) : this.#copyIn(source);
  }

  /**
   * Stores a directory as a tree (tree.ts) and returns the manifest's digest with the total size
   * of its files. A directory inside tmp/ is consumed (its files are moved in, then it is removed).
   */
  async putTree(dir: string): Promise<OutputRef> {
    const source = resolve(dir);
    const files = await listTreeFiles(source);
    const entries = await mapLimit(files, FILE_CONCURRENCY, async (file): Promise<TreeEntry> => {
      const ref = await this.putFile(file.source);
      return { path: file.path, digest: ref.digest, size: ref.size };
    });
    const manifest = await this.putBytes(encodeTreeManifest(entries));
    this.#trees.set(manifest.digest, entries);
    if (isInside(source, this.tmpDir)) await rm(source, { recursive: true, force: true });
    return { digest: manifest.digest, size: entries.reduce((total, entry) => total + entry.size, 0), kind: "tree" };
  }

  /** The entries of a stored tree; throws an SlmError if its manifest is missing or damaged. */
  async readTree(digest: Digest): Promise<TreeEntry[]> {
    const cached = this.#trees.get(digest);
    if (cached) return cached;
    let entries: TreeEntry[];
    try {
      entries = parseTreeManifest(await readFile(this.blobPath(digest), "utf8"));
    } catch (error) {
      throw new SlmError(`tree ${digest} cannot be read from the store at ${this.root}: ${describe(error)}`, { cause: error });
    }
    this.#trees.set(digest, entries);
    return entries;
  }

  /**
   * The record for an action key, or undefined. A hit requires that the record parses and that
   * every output blob (and every tree's manifest and files) is present with the recorded size.
   * A hit refreshes the mtimes of the record (gc evicts least recently used first) and its blobs.
   */
  async getAction(key: string): Promise<ActionRecord | undefined> {
    const file = this.actionPath(key);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if (errorCode(error) === "ENOENT") return undefined;
      throw error;
    }
    const record = parseActionRecord(text);
    if (!record || !(await this.#refreshOutputs(record))) return undefined;
    return (await this.#touch(file)) ? record : undefined;
  }

  /**
   * Records an action's result atomically. Every output must already be in the store (a
   * programming error otherwise). Extra fields are stored as canonical JSON.
   */
  async putAction(key: string, record: ActionRecord): Promise<void> {
    const file = this.actionPath(key);
    if (!isActionRecord(record)) throw new Error(`putAction ${key}: record.outputs must map names to output refs`);
    for (const [name, ref] of Object.entries(record.outputs)) {
      const present = ref.kind === "file" ? await this.#refresh(ref.digest, ref.size) : await this.#refresh(ref.digest);
      if (!present) throw new Error(`putAction ${key}: output "${name}" (${ref.digest}) is not in the store`);
    }
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, `${canonicalJson(record)}\n`, { tempDir: this.tmpDir, sync: false });
  }

  /** A fresh, empty directory under tmp/ for a stage to write into; `label` names it for humans. */
  async makeTempDir(label: string): Promise<string> {
    const dir = join(this.tmpDir, uniqueName(label));
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * Copies a stored file or tree to `dest` atomically (materialize.ts): never a hard link, so
   * editing the copy cannot touch the cache; skipped when `dest` already holds that content.
   */
  async materialize(ref: OutputRef, dest: string): Promise<void> {
    await materialize(this, ref, dest);
  }

  /** True when `dest` holds exactly the stored file or tree `ref`; unchanged files are only stat'ed. */
  holds(ref: OutputRef, dest: string): Promise<boolean> {
    return holds(this, ref, dest);
  }

  async #moveIn(source: string): Promise<OutputRef> {
    const hashed = await hashFile(source);
    if (!hashed.stable) throw new SlmError(`${source} changed while it was being stored; is something still writing it?`);
    await chmod(source, BLOB_MODE);
    await this.#publish(source, hashed.digest);
    return { digest: hashed.digest, size: hashed.size, kind: "file" };
  }

  async #copyIn(source: string): Promise<OutputRef> {
    const known = await this.statCache.cached(source);
    if (known && (await this.#refresh(known.digest, known.size))) return { ...known, kind: "file" };
    const stamp = this.statCache.clockStamp();
    const before = await stat(source, { bigint: true });
    if (!before.isFile()) throw new SlmError(`${source} is not a regular file, so it cannot be stored as one`);
    const temp = join(this.tmpDir, uniqueName("blob"));
    try {
      // A reflink shares the data blocks, so hashing the copy is the one read. Without reflinks,
      // copy while hashing: one read of the source instead of a kernel copy and a second read.
      const cloned = await copyFile(source, temp, constants.COPYFILE_FICLONE_FORCE).then(
        () => true,
        () => rm(temp, { force: true }).then(() => false),
      );
      const hashed = cloned ? await hashFile(temp) : await hashFile(source, temp);
      const after = await stat(source, { bigint: true });
      if (!sameContentStat(before, after) || hashed.size !== Number(before.size)) {
        throw new SlmError(`${source} changed while it was being copied into the store; try again once it is complete`);
      }
      this.statCache.remember(source, before, hashed.digest, stamp);
      await chmod(temp, BLOB_MODE);
      await this.#publish(temp, hashed.digest);
      return { digest: hashed.digest, size: hashed.size, kind: "file" };
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Renames a complete temp file to its blob name; if the blob is already there the temp is dropped. */
  async #publish(temp: string, digest: Digest): Promise<void> {
    if (await this.#refresh(digest)) {
      await rm(temp, { force: true });
      return;
    }
    const final = this.blobPath(digest);
    await mkdir(dirname(final), { recursive: true });
    await rename(temp, final);
  }

  /** Checks every output of a record, refreshing each blob's mtime. */
  async #refreshOutputs(record: ActionRecord): Promise<boolean> {
    for (const name of Object.keys(record.outputs).sort()) {
      const ref = record.outputs[name] as OutputRef;
      if (ref.kind === "file") {
        if (!(await this.#refresh(ref.digest, ref.size))) return false;
        continue;
      }
      if (!(await this.#refresh(ref.digest))) return false;
      let entries: TreeEntry[];
      try {
        entries = await this.readTree(ref.digest);
      } catch {
        return false;
      }
      const present = await mapLimit(entries, FILE_CONCURRENCY, (entry) => this.#refresh(entry.digest, entry.size));
      if (!present.every(Boolean)) return false;
    }
    return true;
  }

  /** Refreshes a blob's mtime (so a concurrent gc spares it); false if it is absent or has the wrong size. */
  async #refresh(digest: Digest, size?: number): Promise<boolean> {
    return this.#touch(this.blobPath(digest), size);
  }

  /** Sets a file's mtime to now; false if it does not exist or (when given) its size differs. */
  async #touch(path: string, size?: number): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(path, now, now);
      return size === undefined || (await stat(path)).size === size;
    } catch (error) {
      if (errorCode(error) === "ENOENT") return false;
      throw error;
    }
  }
}

/** True when `path` is strictly inside `dir` (both absolute). */
function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !isAbsolute(rel) && rel.split(sep)[0] !== "..";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
