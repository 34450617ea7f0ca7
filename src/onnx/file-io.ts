/**
 * File IO for models and their data files: whole-range reads into fresh buffers, and atomic
 * writes (bytes go to a temp file in the destination's folder, are synced, and the temp file
 * is renamed over the destination, so a reader sees the old file or the complete new one).
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Node's fs calls move at most 2 GiB - 1 bytes per call; work in chunks well below that. */
const IO_CHUNK = 1 << 30;

/**
 * Reads `length` bytes at `position` into a fresh buffer that nothing else references, so
 * typed-array views of it are aligned and cannot be changed behind the caller's back.
 * Returns fewer bytes only when the file ends first.
 */
export async function readRange(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, Math.min(length - done, IO_CHUNK), position + done);
    if (bytesRead === 0) return bytes.subarray(0, done);
    done += bytesRead;
  }
  return bytes;
}

/** Writes all of `bytes` at the handle's current position. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(IO_CHUNK, bytes.length - done));
    done += bytesWritten;
  }
}

/**
 * Creates or replaces `path` with what `write` writes to the handle it is given. On any
 * failure the temp file is removed and `path` is left as it was.
 */
export async function writeFileAtomic(path: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx");
  try {
    await write(handle);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined); // already closed when only the rename failed
    await rm(temp, { force: true });
    throw error;
  }
}
