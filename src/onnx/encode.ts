/**
 * Protobuf encoding that does not copy large byte fields. protobuf-es's `toBinary` copies
 * every raw_data several times on its way into one output buffer (appending, growing the
 * buffer, moving each enclosing message behind its length prefix), which dominates writing
 * and digesting a model with hundreds of megabytes of weights. Here the output is a list of
 * chunks: large bytes fields are passed through as they are, messages holding them are
 * framed by hand, and everything else is encoded by `toBinary`. The concatenated chunks are
 * byte for byte what `toBinary` produces.
 */
import {
  create,
  isFieldSet,
  ScalarType,
  toBinary,
  type DescField,
  type DescMessage,
  type Message,
} from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { SlmError } from "../errors.js";
import { fieldValue } from "./walk.js";

/** Byte fields of at least this size, and messages holding this much, are not copied. */
const LARGE_BYTES = 64 * 1024;

/** Protobuf cannot encode or decode a message of 2 GiB or more. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;

/** An encoded message as consecutive chunks. */
export interface Encoded {
  chunks: Uint8Array[];
  length: number;
}

type Fields = Record<string, unknown>;

/** Encodes `message`; SlmError when it (or a message inside it) would reach 2 GiB. */
export function encodeChunks(desc: DescMessage, message: Message): Encoded {
  const encoded = encode(desc, message, new WeakMap());
  checkLimit(encoded.length);
  return encoded;
}

/** The chunks joined into one buffer (what `toBinary` returns). */
export function joinChunks({ chunks, length }: Encoded): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function checkLimit(length: number): void {
  if (length > PROTOBUF_LIMIT) {
    throw new SlmError(`the model needs ${length} bytes, beyond protobuf's 2 GiB limit: write it with external data`);
  }
}

function encode(desc: DescMessage, message: Message, sizes: WeakMap<Message, number>): Encoded {
  if (bytesInside(desc, message, sizes) < LARGE_BYTES) {
    const bytes = toBinary(desc, message);
    return { chunks: [bytes], length: bytes.length };
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  const add = (chunk: Uint8Array): void => {
    chunks.push(chunk);
    length += chunk.length;
  };
  const addDelimited = (fieldNo: number, inner: Encoded): void => {
    checkLimit(inner.length);
    add(new BinaryWriter().tag(fieldNo, WireType.LengthDelimited).uint32(inner.length).finish());
    for (const chunk of inner.chunks) add(chunk);
  };
  // toBinary's order: known fields by number, then unknown fields.
  for (const field of [...desc.fields].sort((a, b) => a.number - b.number)) {
    if (!isFieldSet(message, field)) continue;
    const value = fieldValue(message, field);
    if (field.fieldKind === "message") {
      addDelimited(field.number, encode(field.message, value as Message, sizes));
    } else if (field.fieldKind === "list" && field.listKind === "message") {
      for (const item of value as Message[]) addDelimited(field.number, encode(field.message, item, sizes));
    } else if (isLargeBytes(field, value)) {
      addDelimited(field.number, { chunks: [value], length: value.length });
    } else {
      add(toBinary(desc, onlyField(desc, message, field)));
    }
  }
  if (message.$unknown !== undefined && message.$unknown.length > 0) {
    add(toBinary(desc, Object.assign(create(desc), { $unknown: message.$unknown })));
  }
  return { chunks, length };
}

function isLargeBytes(field: DescField, value: unknown): value is Uint8Array {
  const isBytes = field.fieldKind === "scalar" && field.scalar === ScalarType.BYTES;
  return isBytes && (value as Uint8Array).length >= LARGE_BYTES;
}

/** A message of the same type with only `field` set, to encode that one field. */
function onlyField(desc: DescMessage, message: Message, field: DescField): Message {
  const copy = create(desc) as unknown as Fields;
  const name = field.oneof ? field.oneof.localName : field.localName;
  copy[name] = (message as unknown as Fields)[name];
  return copy as unknown as Message;
}

/** Bytes held in byte fields anywhere inside `message` (memoized per message). */
function bytesInside(desc: DescMessage, message: Message, sizes: WeakMap<Message, number>): number {
  const known = sizes.get(message);
  if (known !== undefined) return known;
  let total = 0;
  for (const field of desc.fields) {
    if (!isFieldSet(message, field)) continue;
    const value = fieldValue(message, field);
    if (field.fieldKind === "message") total += bytesInside(field.message, value as Message, sizes);
    else if (field.fieldKind === "list" && field.listKind === "message") {
      for (const item of value as Message[]) total += bytesInside(field.message, item, sizes);
    } else if (field.scalar === ScalarType.BYTES) {
      const values = field.fieldKind === "list" ? (value as Uint8Array[]) : [value as Uint8Array];
      for (const bytes of values) total += bytes.length;
    }
  }
  sizes.set(message, total);
  return total;
}
