/**
 * Generic traversal of protobuf message trees through their descriptors, so code that must
 * reach every tensor or every doc_string (attribute tensors, subgraphs of If/Loop, model-local
 * functions, training graphs, ...) cannot miss a place a newer onnx.proto adds.
 */
import type { DescField, DescMessage, Message } from "@bufbuild/protobuf";

type Fields = Record<string, unknown>;

/** A child message and the field that holds it. */
interface Child {
  field: DescField & { message: DescMessage };
  value: Message;
}

/**
 * The value of `field` in `message` through reflection: for a oneof member, its value when
 * the oneof holds that member, else undefined; an unset singular message field is undefined.
 */
export function fieldValue(message: Message, field: DescField): unknown {
  const fields = message as unknown as Fields;
  if (!field.oneof) return fields[field.localName];
  const { case: which, value } = fields[field.oneof.localName] as { case: string | undefined; value?: unknown };
  return which === field.localName ? value : undefined;
}

/** The message-typed children of `message`, in the order the .proto declares the fields. */
function children(desc: DescMessage, message: Message): Child[] {
  const out: Child[] = [];
  for (const field of desc.fields) {
    if (field.fieldKind === "message") {
      const value = fieldValue(message, field) as Message | undefined;
      if (value !== undefined) out.push({ field, value });
    } else if (field.fieldKind === "list" && field.listKind === "message") {
      for (const value of fieldValue(message, field) as Message[]) out.push({ field, value });
    }
  }
  return out;
}

/** Calls `visit` for `message` and every message inside it, parents before children. */
export function forEachMessage(
  desc: DescMessage,
  message: Message,
  visit: (message: Message, desc: DescMessage) => void,
): void {
  visit(message, desc);
  for (const child of children(desc, message)) forEachMessage(child.field.message, child.value, visit);
}

/**
 * Copy-on-write rewrite: `edit` sees every message (children first) and returns it unchanged
 * or a changed copy; a parent is copied only when one of its children changed. The input
 * tree is never modified, and unchanged subtrees (with their tensor bytes) are shared.
 */
export function rewriteMessages<T extends Message>(
  desc: DescMessage,
  message: T,
  edit: (message: Message, desc: DescMessage) => Message,
): T {
  let result: Message = message;
  const fields = (): Fields => {
    if (result === message) result = shallowCopy(message);
    return result as unknown as Fields;
  };
  for (const field of desc.fields) {
    if (field.fieldKind === "message") {
      const before = fieldValue(message, field) as Message | undefined;
      if (before === undefined) continue;
      const after = rewriteMessages(field.message, before, edit);
      if (after === before) continue;
      if (field.oneof) fields()[field.oneof.localName] = { case: field.localName, value: after };
      else fields()[field.localName] = after;
    } else if (field.fieldKind === "list" && field.listKind === "message") {
      const before = fieldValue(message, field) as Message[];
      const after = before.map((item) => rewriteMessages(field.message, item, edit));
      if (after.some((item, i) => item !== before[i])) fields()[field.localName] = after;
    }
  }
  return edit(result, desc) as T;
}

/**
 * A copy of `message` that shares field values with it: same prototype (so proto2 defaults
 * and presence behave the same), same own fields including `$unknown`.
 */
export function shallowCopy<T extends Message>(message: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(message) as object) as T, message);
}
