/**
 * File IO shared by every module that writes artifacts, caches or the lock: whole-range reads
 * into fresh buffers, and atomic writes (bytes go to a temp file on the destination's file
 * system and are renamed over the destination, so a reader sees the old file or the complete
 * new one, and an interrupted write leaves at most a stray temp file).
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

export interface AtomicWriteOptions {
  /** Where the temp file goes (default: beside `path`); must be on the same file system. */
  tempDir?: string;
  /** fsync before the rename (default true): the new content survives a power loss once renamed. */
  sync?: boolean;
}

/**
 * Creates or replaces `path` with `content`: bytes, a string (UTF-8), or a function that writes
 * to the handle it is given (for content produced in chunks). On any failure the temp file is
 * removed and `path` is left as it was.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array | ((handle: FileHandle) => Promise<void>),
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = join(options.tempDir ?? dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}`);
  const handle = await open(temp, "wx");
  try {
    if (typeof content === "function") await content(handle);
    else await writeAll(handle, typeof content === "string" ? Buffer.from(content, "utf8") : content);
    if (options.sync ?? true) await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined); // already closed when only the rename failed
    await rm(temp, { force: true });
    throw error;
  }
}
