/**
 * Bytes → ModelProto, with errors a user can act on: an empty file, a truncated file and a
 * file that is not protobuf at all each say so, with the byte where decoding stopped.
 */
import { fromBinary, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { InputError } from "../errors.js";
import { ModelProtoSchema, type ModelProto } from "./proto/onnx_pb.js";

/**
 * Decodes an ONNX model. `file` names the source in messages. The returned message keeps
 * views into `bytes` for every bytes field (raw_data above all): the caller hands `bytes`
 * over and must not change them afterwards.
 */
export function decodeModelProto(bytes: Uint8Array, file: string): ModelProto {
  if (bytes.length === 0) throw new InputError(`${file}: empty file (0 bytes), not an ONNX model`);
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch (cause) {
    throw new InputError(`${file}: not a valid ONNX model (${describeFailure(bytes, cause)})`, { cause });
  }
  if (model.graph === undefined) {
    throw new InputError(`${file}: not a valid ONNX model (it decodes as protobuf but has no graph)`);
  }
  if (model.irVersion <= 0n) {
    throw new InputError(`${file}: not a valid ONNX model (no ir_version)`);
  }
  return model;
}

interface Failure {
  at: number;
  reason: string;
  truncated: boolean;
}

/**
 * protobuf-es reports what failed but not where, so walk the wire records again, descending
 * into the message fields the schema knows, to find the first record that does not fit.
 */
function describeFailure(bytes: Uint8Array, cause: unknown): string {
  const failure = locateFailure(ModelProtoSchema, new BinaryReader(bytes), bytes.length, bytes.length);
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (!failure) return `protobuf parse failed: ${detail}`;
  const where = `protobuf parse failed at byte ${failure.at}: ${failure.reason}`;
  return failure.truncated ? `truncated: ${where}` : where;
}

function locateFailure(desc: DescMessage, reader: BinaryReader, end: number, fileLength: number): Failure | undefined {
  const fields = new Map<number, DescField>(desc.fields.map((f) => [f.number, f]));
  while (reader.pos < end) {
    const at = reader.pos;
    try {
      const [fieldNo, wireType] = reader.tag();
      const field = fields.get(fieldNo);
      const message = field?.fieldKind === "message" || field?.fieldKind === "list" ? field.message : undefined;
      if (wireType === WireType.LengthDelimited && field && message) {
        const length = reader.uint32();
        const bodyEnd = reader.pos + length;
        if (bodyEnd > end) {
          return {
            at,
            reason: `${field.toString()} needs ${length} bytes but ${end - reader.pos} remain`,
            truncated: bodyEnd > fileLength,
          };
        }
        const inner = locateFailure(message, reader, bodyEnd, fileLength);
        if (inner) return inner;
        reader.pos = bodyEnd;
      } else {
        reader.skip(wireType, fieldNo);
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // The reader only runs out of bytes at the end of the file, not of a nested message.
      return { at, reason, truncated: reason.includes("premature EOF") };
    }
    if (reader.pos > end) {
      return { at, reason: `a record runs past the end of its enclosing ${desc.name}`, truncated: false };
    }
  }
  return undefined;
}
