/**
 * ONNX external data: tensors whose bytes live in a file beside the model
 * (data_location = EXTERNAL, external_data entries `location`, `offset`, `length`).
 *
 * Reading refuses every location that could leave the model's folder: absolute paths, `..`
 * segments, and symlinks that resolve outside it (onnx's CVE-2022-25882 was a reader that
 * followed such paths). Writing puts all external tensors in one file, smallest first, and
 * aligns each tensor larger than 1 MiB to 64 KiB, the rule of the ONNX project's own writer
 * (onnx_ir `external_data.py`: align_threshold 1 MiB, allocation granularity 64 KiB), so large
 * tensors can be memory-mapped on every OS.
 */
import { clearField, create } from "@bufbuild/protobuf";
import { open, realpath, stat, type FileHandle } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep, win32 } from "node:path";
import { InputError } from "../errors.js";
import { readRange, writeAll, writeFileAtomic } from "../util/file-io.js";
import {
  ModelProtoSchema,
  StringStringEntryProtoSchema,
  TensorProto_DataLocation,
  TensorProtoSchema,
  type ModelProto,
  type TensorProto,
} from "./proto/onnx_pb.js";
import { dataTypeName, elementCount, rawByteLength, tensorLabel } from "./tensor.js";
import { forEachMessage, shallowCopy } from "./walk.js";

/** Where an external tensor's bytes were read from; `location` is relative to the model's folder. */
export interface ExternalDataRef {
  location: string;
  offset: number;
  length: number;
  /** The optional `checksum` entry, kept as found (the spec leaves its scope unclear; not verified). */
  checksum?: string;
}

/** Tensors larger than this many bytes start at a multiple of ALIGNMENT_BYTES. */
export const ALIGN_THRESHOLD_BYTES = 1 << 20;
/** Offset alignment for large tensors: the 64 KiB allocation granularity of Windows, a multiple of every page size. */
export const ALIGNMENT_BYTES = 1 << 16;

/** Every TensorProto in the model: initializers, attribute tensors, subgraphs, functions. */
export function allTensors(model: ModelProto): TensorProto[] {
  const tensors: TensorProto[] = [];
  forEachMessage(ModelProtoSchema, model, (message) => {
    if (message.$typeName === TensorProtoSchema.typeName) tensors.push(message as TensorProto);
  });
  return tensors;
}

/** True when the tensor says its data is in an external file. */
export function usesExternalData(tensor: TensorProto): boolean {
  return tensor.dataLocation === TensorProto_DataLocation.EXTERNAL;
}

/**
 * Loads the data of every external tensor of `model` (read from `modelPath`, which also names
 * it in messages) into its raw_data and clears its external_data and data_location, so the
 * model is self-contained. Returns where each tensor's data came from. Modifies `model`,
 * which the caller owns.
 */
export async function loadExternalData(
  model: ModelProto,
  modelPath: string,
): Promise<Map<TensorProto, ExternalDataRef>> {
  const sources = new Map<TensorProto, ExternalDataRef>();
  const external = allTensors(model).filter(usesExternalData);
  if (external.length === 0) return sources;
  const modelDir = dirname(modelPath);
  const realModelDir = await realpath(modelDir);
  const handles = new Map<string, { handle: FileHandle; size: number }>();
  try {
    for (const tensor of external) {
      const label = `${modelPath}: ${tensorLabel(tensor)}`;
      const entry = externalEntries(tensor, label);
      const dataPath = await containedPath(modelDir, realModelDir, entry.location, label);
      let data = handles.get(dataPath);
      if (!data) {
        const handle = await open(dataPath, "r").catch((cause: NodeJS.ErrnoException) => {
          const why = cause.code ?? cause.message;
          throw new InputError(`${label}: cannot open external data '${entry.location}' (${why})`, { cause });
        });
        data = { handle, size: (await handle.stat()).size };
        handles.set(dataPath, data);
      }
      const ref = checkedRange(tensor, entry, data.size, label);
      const bytes = await readRange(data.handle, ref.offset, ref.length);
      if (bytes.length < ref.length) {
        throw new InputError(`${label}: external data '${ref.location}' shrank while being read`);
      }
      tensor.rawData = bytes;
      clearField(tensor, TensorProtoSchema.field.dataLocation);
      tensor.externalData = [];
      sources.set(tensor, ref);
    }
  } finally {
    await Promise.all([...handles.values()].map(({ handle }) => handle.close()));
  }
  return sources;
}

interface Entries {
  location: string;
  offset?: number;
  length?: number;
  checksum?: string;
}

function externalEntries(tensor: TensorProto, label: string): Entries {
  const values = new Map(tensor.externalData.map((e) => [e.key, e.value]));
  const location = values.get("location") ?? "";
  if (location === "") throw new InputError(`${label}: external data has no location`);
  const number = (key: string): number | undefined => {
    const text = values.get(key);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
      throw new InputError(`${label}: external data ${key} '${text}' is not a non-negative integer`);
    }
    return value;
  };
  const checksum = values.get("checksum");
  return { location, offset: number("offset"), length: number("length"), ...(checksum !== undefined && { checksum }) };
}

/** The real path of `location` inside the model's folder, or an InputError saying why not. */
async function containedPath(modelDir: string, realModelDir: string, location: string, label: string): Promise<string> {
  const refuse = (why: string): InputError =>
    new InputError(`${label}: external data location '${location}' ${why}; refusing to read it (CVE-2022-25882)`);
  if (isAbsolute(location) || win32.isAbsolute(location)) throw refuse("is an absolute path");
  if (location.split(/[\\/]/).includes("..")) throw refuse("has a '..' segment that escapes the model's folder");
  if (location.includes("\0")) throw refuse("contains a NUL byte");
  let real: string;
  try {
    real = await realpath(join(modelDir, location));
  } catch (cause) {
    throw new InputError(`${label}: external data file '${location}' is missing (looked in ${modelDir})`, { cause });
  }
  const inside = relative(realModelDir, real);
  if (inside === "" || inside === ".." || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw refuse("resolves (through a symlink) to a file outside the model's folder");
  }
  if (!(await stat(real)).isFile()) throw refuse("is not a regular file");
  return real;
}

/** Offset and length of the tensor's bytes, checked against the file size and the tensor's dims. */
function checkedRange(tensor: TensorProto, entry: Entries, fileSize: number, label: string): ExternalDataRef {
  const offset = entry.offset ?? 0;
  if (offset > fileSize) {
    throw new InputError(
      `${label}: external data offset ${offset} is beyond the end of '${entry.location}' (${fileSize} bytes)`,
    );
  }
  const length = entry.length ?? fileSize - offset;
  if (offset + length > fileSize) {
    throw new InputError(
      `${label}: external data '${entry.location}' is too short: ` +
        `bytes ${offset}..${offset + length} requested, file has ${fileSize}`,
    );
  }
  const expected = rawByteLength(tensor.dataType, elementCount(tensor));
  if (expected === undefined) {
    throw new InputError(`${label}: ${dataTypeName(tensor.dataType)} tensors cannot be stored as external data`);
  }
  if (length !== expected) {
    throw new InputError(
      `${label}: external data holds ${length} bytes but dims [${tensor.dims.join(", ")}] ` +
        `of ${dataTypeName(tensor.dataType)} need ${expected}`,
    );
  }
  const ref: ExternalDataRef = { location: entry.location, offset, length };
  if (entry.checksum !== undefined) ref.checksum = entry.checksum;
  return ref;
}

/** A tensor's place in the external data file. */
export interface Placement {
  tensor: TensorProto;
  offset: number;
  length: number;
}

/** Smallest tensors first (stable, so ties keep model order), large ones aligned. */
export function layoutExternalData(tensors: readonly TensorProto[]): Placement[] {
  const sorted = [...tensors].sort((a, b) => a.rawData.length - b.rawData.length);
  let end = 0;
  return sorted.map((tensor) => {
    const length = tensor.rawData.length;
    const offset = length > ALIGN_THRESHOLD_BYTES ? Math.ceil(end / ALIGNMENT_BYTES) * ALIGNMENT_BYTES : end;
    end = offset + length;
    return { tensor, offset, length };
  });
}

/** A copy of the placed tensor that points at `location` instead of holding its bytes. */
export function externalizedTensor(placement: Placement, location: string): TensorProto {
  const copy = shallowCopy(placement.tensor);
  clearField(copy, TensorProtoSchema.field.rawData);
  copy.dataLocation = TensorProto_DataLocation.EXTERNAL;
  copy.externalData = [
    ["location", location],
    ["offset", String(placement.offset)],
    ["length", String(placement.length)],
  ].map(([key, value]) => create(StringStringEntryProtoSchema, { key, value }));
  return copy;
}

/** Writes the placed tensors' bytes (zero padding in the gaps) atomically to `path`. */
export async function writeExternalDataFile(path: string, placements: readonly Placement[]): Promise<void> {
  await writeFileAtomic(path, async (handle) => {
    let end = 0;
    for (const { tensor, offset } of placements) {
      if (offset > end) await writeAll(handle, new Uint8Array(offset - end));
      await writeAll(handle, tensor.rawData);
      end = offset + tensor.rawData.length;
    }
  });
}
