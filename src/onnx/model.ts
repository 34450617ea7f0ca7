/**
 * Reading and writing ONNX models. An `OnnxModel` is always self-contained: the data of
 * tensors stored as external data is loaded at read time, and where it came from is kept
 * beside the model so a write can put it in an external file again.
 */
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { InputError } from "../errors.js";
import { decodeModelProto } from "./decode.js";
import { encodeChunks, joinChunks, PROTOBUF_LIMIT, type Encoded } from "./encode.js";
import {
  allTensors,
  externalizedTensor,
  layoutExternalData,
  loadExternalData,
  usesExternalData,
  writeExternalDataFile,
  type ExternalDataRef,
} from "./external-data.js";
import { readRange, writeAll, writeFileAtomic } from "../util/file-io.js";
import {
  GraphProtoSchema,
  ModelProtoSchema,
  type GraphProto,
  type ModelProto,
  type TensorProto,
} from "./proto/onnx_pb.js";
import { tensorLabel } from "./tensor.js";
import { forEachMessage, rewriteMessages } from "./walk.js";

/** A parsed model whose tensor data is all in memory. */
export interface OnnxModel {
  /** The model; no tensor in it refers to external data. */
  readonly proto: ModelProto;
  /** The tensors whose data was read from external data files, and where from. */
  readonly externalSources: ReadonlyMap<TensorProto, ExternalDataRef>;
}

/**
 * Wraps a ModelProto built or decoded in memory. InputError when a tensor refers to external
 * data, which only `readModel` can load (it needs the model's folder).
 */
export function modelFromProto(proto: ModelProto, file = "<in-memory model>"): OnnxModel {
  const external = allTensors(proto).find(usesExternalData);
  if (external) {
    throw new InputError(
      `${file}: ${tensorLabel(external)} uses external data; read the model from its file with readModel`,
    );
  }
  return { proto, externalSources: new Map() };
}

/**
 * Parses model bytes (`file` names them in messages). The model keeps views into `bytes`:
 * hand them over and do not change them afterwards. External data is refused as in
 * `modelFromProto`.
 */
export function parseModel(bytes: Uint8Array, file = "<in-memory model>"): OnnxModel {
  return modelFromProto(decodeModelProto(bytes, file), file);
}

/**
 * Reads the model at `path` and the external data it refers to (relative to its folder).
 * InputError, naming the file and, where it applies, the tensor, for: a missing, empty,
 * truncated or corrupt file, a model without a graph, and external data that is missing,
 * too short, or located outside the model's folder.
 */
export async function readModel(path: string): Promise<OnnxModel> {
  const proto = decodeModelProto(await readModelBytes(path), path);
  const externalSources = await loadExternalData(proto, path);
  return { proto, externalSources };
}

async function readModelBytes(path: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : `cannot open (${code ?? String(cause)})`;
    throw new InputError(`${path}: ${why}`, { cause });
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new InputError(`${path}: is a directory, not an ONNX model file`);
    if (info.size > PROTOBUF_LIMIT) {
      throw new InputError(
        `${path}: ${info.size} bytes is beyond protobuf's 2 GiB limit, so it is not a valid ONNX model file`,
      );
    }
    return await readRange(handle, 0, info.size);
  } finally {
    await handle.close();
  }
}

/** The model as one self-contained .onnx file's bytes. SlmError when it exceeds 2 GiB. */
export function serializeModel(model: OnnxModel): Uint8Array {
  return joinChunks(encodeChunks(ModelProtoSchema, model.proto));
}

async function writeEncoded(path: string, encoded: Encoded): Promise<void> {
  await writeFileAtomic(path, async (handle) => {
    for (const chunk of encoded.chunks) await writeAll(handle, chunk);
  });
}

/**
 * Which tensors `writeModel` stores in `<model file>.data` instead of the .onnx file:
 * - `"preserve"` (default): the tensors that were read from external data;
 * - `"inline"`: none;
 * - `{ minBytes }`: every graph initializer (subgraphs included) with at least `minBytes`
 *   of raw data, as onnx's `convert_model_to_external_data(size_threshold=...)` does.
 * Only raw data can be external; tensors stored in typed fields stay inline.
 */
export type ExternalDataPolicy = "preserve" | "inline" | { minBytes: number };

export interface WriteModelOptions {
  externalData?: ExternalDataPolicy;
}

/** The files `writeModel` wrote. */
export interface WrittenModel {
  modelPath: string;
  /** `<modelPath>.data`, when any tensor went to external data. */
  dataPath?: string;
}

/**
 * Writes the model to `path` atomically, with external data as `options.externalData` says.
 * The same model and options always give the same bytes. The data file is written first and
 * the model last, so the model file never refers to data that is not there yet; replacing
 * both together atomically is the caller's job (a stage writes into a fresh folder). An
 * existing `<path>.data` is left alone when no tensor goes to external data.
 */
export async function writeModel(
  model: OnnxModel,
  path: string,
  options: WriteModelOptions = {},
): Promise<WrittenModel> {
  const chosen = externalCandidates(model, options.externalData ?? "preserve");
  if (chosen.length === 0) {
    await writeEncoded(path, encodeChunks(ModelProtoSchema, model.proto));
    return { modelPath: path };
  }
  const dataPath = `${path}.data`;
  const placements = layoutExternalData(chosen);
  const replacements = new Map(placements.map((p) => [p.tensor, externalizedTensor(p, basename(dataPath))]));
  const proto = rewriteMessages(
    ModelProtoSchema,
    model.proto,
    (message) => replacements.get(message as TensorProto) ?? message,
  );
  const encoded = encodeChunks(ModelProtoSchema, proto);
  await writeExternalDataFile(dataPath, placements);
  await writeEncoded(path, encoded);
  return { modelPath: path, dataPath };
}

function externalCandidates(model: OnnxModel, policy: ExternalDataPolicy): TensorProto[] {
  if (policy === "inline") return [];
  const tensors =
    policy === "preserve"
      ? allTensors(model.proto).filter((t) => model.externalSources.has(t))
      : allInitializers(model.proto);
  const minBytes = policy === "preserve" ? 1 : Math.max(1, policy.minBytes);
  return tensors.filter((t) => t.rawData.length >= minBytes);
}

function allInitializers(proto: ModelProto): TensorProto[] {
  const tensors: TensorProto[] = [];
  forEachMessage(ModelProtoSchema, proto, (message) => {
    if (message.$typeName === GraphProtoSchema.typeName) tensors.push(...(message as GraphProto).initializer);
  });
  return tensors;
}
