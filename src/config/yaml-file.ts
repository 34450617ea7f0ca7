/**
 * Reads one YAML file (the config or a recipe) into a plain value plus the offset of every
 * entry in it, so that later messages can point at the key or item they are about. YAML
 * errors, duplicate keys included, are reported all at once with file:line:column.
 */
import { type Document, isAlias, isMap, isNode, isScalar, isSeq, parseDocument } from "yaml";
import { InputError, InputErrors } from "../errors.js";
import { type ConfigPath, formatPath, type Segment } from "./config-path.js";
import type { SourceText } from "./source-text.js";

/** Where an entry is: `offset` is its key (mapping entries) or its node (list items, the root). */
export interface Entry {
  path: Segment[];
  offset: number;
  /** Where its value starts (the key's offset when the value is empty). */
  valueOffset: number;
}

/** A file's value as plain data, and the position of each entry in it. */
export interface ParsedYaml {
  value: unknown;
  entries: Entry[];
}

/** Deeper than this, aliases are not followed for positions (the value is still read). */
const MAX_DEPTH = 64;

/** Parses `source`; throws InputErrors listing every YAML error in it. */
export function parseYaml(source: SourceText): ParsedYaml {
  const doc = parseDocument(source.text, { prettyErrors: false, uniqueKeys: true });
  const entries: Entry[] = [];
  walk(doc, doc.contents, [], startOf(doc.contents) ?? 0, entries);
  if (doc.errors.length > 0) {
    throw new InputErrors(
      doc.errors.map((error) => {
        const offset = error.pos[0];
        const message = error.code === "DUPLICATE_KEY" ? duplicateKeyMessage(entries, offset) : error.message;
        return new InputError(message ?? error.message, { location: source.location(offset), snippet: source.snippet(offset) });
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // e.g. too many aliases: the YAML is well formed but cannot be read as plain data.
    throw new InputError((error as Error).message, { location: { file: source.name } });
  }
  return { value, entries };
}

function walk(doc: Document, node: unknown, path: Segment[], offset: number, out: Entry[]): void {
  if (path.length > MAX_DEPTH) return;
  if (isAlias(node)) return walk(doc, node.resolve(doc), path, offset, out);
  out.push({ path, offset, valueOffset: startOf(node) ?? offset });
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      walk(doc, pair.value, [...path, key], startOf(pair.key) ?? offset, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walk(doc, item, [...path, i], startOf(item) ?? offset, out));
  }
}

const startOf = (node: unknown): number | undefined => (isNode(node) ? node.range?.[0] : undefined);

/** `duplicate key "window" in data.evaluation`, from the entry whose key starts at `offset`. */
function duplicateKeyMessage(entries: readonly Entry[], offset: number): string | undefined {
  const entry = entries.find((e) => e.offset === offset && typeof e.path.at(-1) === "string");
  if (!entry) return undefined;
  const parent: ConfigPath = entry.path.slice(0, -1);
  return `duplicate key "${entry.path.at(-1)}"${parent.length > 0 ? ` in ${formatPath(parent)}` : ""}`;
}
