/**
 * The token-ids artifact: a tokenized text stored as raw little-endian int32, no header, so
 * tokenizing (slow, cached) and evaluating (per model) can be separate stages. The format is
 * the same on every machine and any tool can read it (`numpy.fromfile(path, "<i4")`).
 */
import { InputError } from "../errors.js";
import { writeFileAtomic } from "../util/file-io.js";
import { readInputFile } from "./data.js";

/** Writes `ids` to `path` atomically (a temp file in the same folder, synced, then renamed). */
export async function writeIdsFile(path: string, ids: Int32Array): Promise<void> {
  const bytes = new Uint8Array(ids.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < ids.length; i++) view.setInt32(i * 4, ids[i]!, true);
  await writeFileAtomic(path, bytes);
}

/** Reads a file written by {@link writeIdsFile}; a size that is not a multiple of 4 is an InputError. */
export async function readIdsFile(path: string): Promise<Int32Array> {
  const bytes = await readInputFile(path, "token ids file");
  if (bytes.length % 4 !== 0) {
    throw new InputError(`token ids file has ${bytes.length} bytes, not a whole number of int32 ids`, {
      location: { file: path },
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const ids = new Int32Array(bytes.length / 4);
  for (let i = 0; i < ids.length; i++) ids[i] = view.getInt32(i * 4, true);
  return ids;
}
