/**
 * Finds the schema for a place in the config, the way a validator would see it: following
 * `$ref`, `allOf` and `if`/`then`/`else` (testing `if` against the value there). `--set` uses
 * it to coerce a value to the type declared at its path and to name unknown keys.
 */
import { isRecord } from "./config-path.js";
import type { JsonObject } from "./schema.js";

/** A (sub)schema object. */
export type Schema = Record<string, unknown>;

/** Every schema that applies to `value` under `schema` (all must hold, as in allOf). */
export function applicableSchemas(schema: unknown, value: unknown, root: JsonObject): Schema[] {
  return collect(schema, root, (condition) => [matches(condition, value) ? "then" : "else"]);
}

/** Every schema a new value under `schema` might meet: both branches of each `if`. */
export function possibleSchemas(schema: unknown, root: JsonObject): Schema[] {
  return collect(schema, root, () => ["then", "else"]);
}

function collect(schema: unknown, root: JsonObject, branches: (condition: unknown) => Array<"then" | "else">): Schema[] {
  const out: Schema[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (!isRecord(node) || depth > 32) return;
    out.push(node);
    if (typeof node.$ref === "string") visit(resolveRef(node.$ref, root), depth + 1);
    if (Array.isArray(node.allOf)) for (const part of node.allOf) visit(part, depth + 1);
    if (node.if !== undefined) for (const branch of branches(node.if)) visit(node[branch], depth + 1);
  };
  visit(schema, 0);
  return out;
}

/**
 * The schemas of property `key` under `schemas`, or undefined when one of them forbids the key
 * (`additionalProperties: false` without it in `properties`).
 */
export function propertySchemas(schemas: readonly Schema[], key: string): unknown[] | undefined {
  const found: unknown[] = [];
  for (const schema of schemas) {
    const properties = isRecord(schema.properties) ? schema.properties : {};
    if (Object.hasOwn(properties, key)) found.push(properties[key]);
    else if (schema.additionalProperties === false) return undefined;
    else if (isRecord(schema.additionalProperties)) found.push(schema.additionalProperties);
  }
  return found;
}

/** The names declared in `properties` of any of `schemas`, sorted. */
export function declaredKeys(schemas: readonly Schema[]): string[] {
  return [...new Set(schemas.flatMap((s) => (isRecord(s.properties) ? Object.keys(s.properties) : [])))].sort();
}

/** The schemas of the items of a list under `schemas`. */
export function itemSchemas(schemas: readonly Schema[]): unknown[] {
  return schemas.flatMap((s) => (s.items === undefined ? [] : [s.items]));
}

function resolveRef(ref: string, root: JsonObject): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = isRecord(node) ? node[key] : undefined;
  }
  return node;
}

/**
 * Whether `value` matches an `if` schema. Only `type`, `const`, `enum`, `properties` and
 * `required` are tested — what slm's own conditions use; other keywords count as met, so an
 * unusual plugin condition makes both branches' keys known rather than neither.
 */
function matches(schema: unknown, value: unknown): boolean {
  if (typeof schema === "boolean") return schema;
  if (!isRecord(schema)) return true;
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => hasType(value, type))) return false;
  }
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) return false;
  if (Array.isArray(schema.enum) && !schema.enum.some((member) => JSON.stringify(member) === JSON.stringify(value))) return false;
  if (!isRecord(value)) return true;
  if (Array.isArray(schema.required) && !schema.required.every((key) => Object.hasOwn(value, String(key)))) return false;
  if (isRecord(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties)) {
      if (Object.hasOwn(value, key) && !matches(sub, value[key])) return false;
    }
  }
  return true;
}

function hasType(value: unknown, type: unknown): boolean {
  switch (type) {
    case "object":
      return isRecord(value);
    case "array":
      return Array.isArray(value);
    case "null":
      return value === null;
    case "integer":
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}
