/**
 * A digest of what a model computes, blind to who produced it and how its data is stored,
 * so re-exporting or moving weights to external data does not invalidate cached stages.
 */
import { clearField, isFieldSet, type DescMessage, type Message } from "@bufbuild/protobuf";
import { createHash } from "node:crypto";
import { encodeChunks } from "./encode.js";
import type { OnnxModel } from "./model.js";
import { ModelProtoSchema, TensorProtoSchema, type TensorProto } from "./proto/onnx_pb.js";
import { rewriteMessages, shallowCopy } from "./walk.js";

/**
 * Fields left out of the digest, by message type:
 * - `ModelProto.producer_name`, `ModelProto.producer_version`: the exporting tool;
 * - `doc_string` of every message that has one (ModelProto, GraphProto, NodeProto,
 *   AttributeProto, TensorProto, ValueInfoProto, FunctionProto), at any depth (subgraphs,
 *   attribute tensors, model-local functions);
 * - `TensorProto.data_location` and `TensorProto.external_data`: in an OnnxModel every
 *   tensor's data is already in raw_data (external data is loaded when the model is read),
 *   so these only say where the bytes were stored.
 * Everything else counts, including unknown fields, field presence, and the field a tensor's
 * values are stored in (raw_data vs float_data give different digests).
 */
const IGNORED_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  [ModelProtoSchema.typeName, ["producerName", "producerVersion", "docString"]],
  [TensorProtoSchema.typeName, ["docString", "dataLocation", "externalData"]],
]);

/**
 * The model without the fields listed above (a new model; the input is not changed and
 * shares all unchanged parts, tensor bytes included). `externalSources` follows the tensors.
 */
export function canonicalModel(model: OnnxModel): OnnxModel {
  const copies = new Map<TensorProto, TensorProto>();
  const proto = rewriteMessages(ModelProtoSchema, model.proto, (message, desc) => {
    const result = withoutIgnoredFields(message, desc);
    // A tensor reaches `edit` as itself (nothing inside a TensorProto is ever edited), so
    // `message` is the original tensor here.
    if (result !== message && desc.typeName === TensorProtoSchema.typeName) {
      copies.set(message as TensorProto, result as TensorProto);
    }
    return result;
  });
  const externalSources = new Map(
    [...model.externalSources].map(([tensor, ref]) => [copies.get(tensor) ?? tensor, ref]),
  );
  return { proto, externalSources };
}

/**
 * sha256 (hex) of the canonical model's protobuf encoding. The same weights and graph give
 * the same digest whether the file stored them inline or as external data.
 */
export function canonicalModelDigest(model: OnnxModel): string {
  const hash = createHash("sha256");
  const { chunks } = encodeChunks(ModelProtoSchema, canonicalModel(model).proto);
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest("hex");
}

function withoutIgnoredFields(message: Message, desc: DescMessage): Message {
  const names = IGNORED_FIELDS.get(desc.typeName) ?? ["docString"];
  const fields = desc.fields.filter((f) => names.includes(f.localName) && isFieldSet(message, f));
  if (fields.length === 0) return message;
  const copy = shallowCopy(message);
  for (const field of fields) clearField(copy, field);
  return copy;
}
