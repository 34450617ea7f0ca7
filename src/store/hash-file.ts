/**
 * Hashing files at the speed of Node's native sha256. Reads go into large reused buffers with
 * the next read in flight while the current chunk is hashed on the main thread, which keeps a
 * warm-cache hash at the in-memory sha256 rate (bench/hash.js). Streams are not used: their
 * 64 KiB chunks and per-chunk events cost about a third of the throughput.
 *
 * The same loop can also copy: each chunk is written to the copy (by the thread pool, while the
 * next is read and this one hashed), so storing a file reads it once and the digest is of
 * exactly the bytes written.
 */
import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import type { BigIntStats } from "node:fs";
import { SlmError } from "../errors.js";
import { toDigest, type ContentHash, type Digest } from "./digest.js";

/** A file's digest with the stat it had when reading began. */
export interface HashedFile extends ContentHash {
  /** fstat of the open file before its first byte was read. */
  stat: BigIntStats;
  /** False when size, mtime or ctime moved while the file was read: the digest is then unreliable. */
  stable: boolean;
}

/** 4 MiB: per-read overhead vanishes; 2 to 16 MiB measured the same with two reads in flight. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Buffers in rotation for one file: one being read, one hashed, one being written to a copy. */
const SLOTS = 3;
/** Buffers kept for reuse between calls. */
const POOL_LIMIT = 6;
const pool: Buffer[] = [];

/** True when two stats of the same file agree on everything that changes with its content. */
export function sameContentStat(a: BigIntStats, b: BigIntStats): boolean {
  return (
    a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino && a.dev === b.dev
  );
}

/**
 * sha256 of a regular file, read once; with `copyTo`, also writes the bytes read to that new file
 * (which must not exist). Throws an SlmError when `path` is not a regular file; file system errors
 * (ENOENT, EACCES, EEXIST for `copyTo`) propagate unchanged.
 */
export async function hashFile(path: string, copyTo?: string): Promise<HashedFile> {
  const input = await open(path, "r");
  try {
    const stat = await input.stat({ bigint: true });
    if (!stat.isFile()) throw new SlmError(`${path} is not a regular file, so it cannot be hashed`);
    const size = Number(stat.size);
    const output = copyTo === undefined ? undefined : await open(copyTo, "wx");
    let result: { digest: Digest; read: number };
    try {
      result = await hashOpenFile(input, size, output);
    } finally {
      await output?.close();
    }
    const after = await input.stat({ bigint: true });
    return { digest: result.digest, size: result.read, stat, stable: result.read === size && sameContentStat(stat, after) };
  } finally {
    await input.close();
  }
}

/** Hashes the first `size` bytes (fewer if the file shrank), optionally writing them to `output`. */
async function hashOpenFile(input: FileHandle, size: number, output: FileHandle | undefined): Promise<{ digest: Digest; read: number }> {
  const hash = createHash("sha256");
  const buffers: Buffer[] = [];
  // Per slot, the write still using that buffer; these never reject (the first error is kept).
  const busy: (Promise<void> | undefined)[] = [];
  let writeError: unknown;
  let position = 0;
  let pending: Promise<{ bytesRead: number }> | undefined;
  const readInto = (slot: number): Promise<{ bytesRead: number }> => {
    const buffer = (buffers[slot] ??= pool.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES));
    const at = position;
    const read = (): Promise<{ bytesRead: number }> => input.read(buffer, 0, Math.min(CHUNK_BYTES, size - at), at);
    // Issue the read now when the buffer is free: deferring it to a promise callback would start
    // it only after the synchronous hash below, and reading would no longer overlap hashing.
    const waiting = busy[slot];
    return waiting ? waiting.then(read) : read();
  };
  const writeOut = (slot: number, chunk: Buffer, at: number): void => {
    const done = (error?: unknown): void => {
      if (error !== undefined) writeError ??= error;
      if (busy[slot] === write) busy[slot] = undefined;
    };
    const write: Promise<void> = writeFully(output as FileHandle, chunk, at).then(() => done(), done);
    busy[slot] = write;
  };
  try {
    let slot = 0;
    if (size > 0) pending = readInto(slot);
    while (pending) {
      const { bytesRead } = await pending;
      pending = undefined;
      if (writeError !== undefined) throw writeError;
      if (bytesRead === 0) break;
      const chunk = (buffers[slot] as Buffer).subarray(0, bytesRead);
      if (output) writeOut(slot, chunk, position);
      position += bytesRead;
      slot = (slot + 1) % SLOTS;
      // Start the next read before hashing this chunk: the thread pool reads (and writes) while we hash.
      if (position < size) pending = readInto(slot);
      hash.update(chunk);
    }
    await Promise.all(busy);
    if (writeError !== undefined) throw writeError;
  } finally {
    // A buffer must not go back to the pool while a read or write may still be using it.
    await Promise.allSettled([pending, ...busy]);
    for (const buffer of buffers) if (pool.length < POOL_LIMIT) pool.push(buffer);
  }
  return { digest: toDigest(hash), read: position };
}

/** Writes all of `chunk` at `position` (a write may be partial). */
async function writeFully(output: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await output.write(chunk, written, chunk.length - written, position + written);
    written += bytesWritten;
  }
}
