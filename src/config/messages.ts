/**
 * ajv's errors as messages a person reads: `must be one of 4, 8 (got 3)`, `must be an integer
 * ≥ 1 (got 0)`, `unknown key "windwos" in data.evaluation (did you mean "windows"?)`. Each
 * becomes an Issue at a data path; sources.ts turns it into file:line:column.
 */
import type { ErrorObject } from "ajv";
import { type ConfigPath, formatPath, isRecord, pointerToPath, type Segment } from "./config-path.js";
import { didYouMean } from "./did-you-mean.js";
import type { Issue } from "./sources.js";

/** Issues for ajv's errors on `root`; `if` bookkeeping and repeated type errors are dropped. */
export function issuesFromAjv(errors: readonly ErrorObject[], root: unknown): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const typeErrorAt = new Set<string>();
  for (const error of errors) {
    // `if` errors only say a then/else branch failed; that branch's own errors say why.
    if (error.keyword === "if") continue;
    if (error.keyword === "type") {
      // A value of the wrong type fails every branch that checks it; the first says it best.
      if (typeErrorAt.has(error.instancePath)) continue;
      typeErrorAt.add(error.instancePath);
    }
    const issue = issueFor(error, pointerToPath(error.instancePath, root));
    const id = JSON.stringify([issue.path, issue.message]);
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}

/** Fields whose accepted form is better said in words than as a type or a pattern. */
const WORDED_FIELDS: Record<string, string> = {
  perplexity_increase: "a percentage of the baseline's perplexity, written with %, e.g. 5%",
};

function issueFor(error: ErrorObject, path: Segment[]): Issue {
  const schema = (isRecord(error.parentSchema) ? error.parentSchema : {}) as Record<string, unknown>;
  const params = error.params as Record<string, unknown>;
  const worded = WORDED_FIELDS[String(path[path.length - 1])];
  if (worded !== undefined && (error.keyword === "type" || error.keyword === "pattern")) return { path, message: `must be ${worded} (got ${show(error.data)})` };
  switch (error.keyword) {
    case "type":
      return { path, message: `must be ${expected(schema)} (got ${typeOrValue(error.data, schema)})` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { path, message: `must be ${expected(schema)} (got ${show(error.data)})` };
    case "enum":
    case "const":
    case "false schema":
      if (isTargetName(path) && typeof error.data === "string") {
        // The target names are the enum (none: a `false` schema, as no targets are registered).
        const names = Array.isArray(schema.enum) ? schema.enum.map(String) : [];
        return unknownName("target", error.data, path, names);
      }
      if (error.keyword === "false schema") return { path, message: "is not allowed here" };
      return { path, message: `must be ${expected(schema)} (got ${show(error.data)})` };
    case "required":
      return { path: [...path, String(params.missingProperty)], message: "is required" };
    case "additionalProperties":
      return unknownKeyIssue(String(params.additionalProperty), path, Object.keys(isRecord(schema.properties) ? schema.properties : {}));
    case "minProperties":
    case "maxProperties":
      if (isRecipeStep(path)) {
        const keys = Object.keys(isRecord(error.data) ? error.data : {});
        return { path, message: `must have exactly one key, the pass name (got ${keys.length > 0 ? keys.join(", ") : "none"})` };
      }
      return { path, message: error.message ?? error.keyword };
    case "pattern":
      return { path, message: `must match ${String(params.pattern)} (got ${show(error.data)})` };
    case "minLength":
      return { path, message: params.limit === 1 ? "must not be empty" : `must have at least ${String(params.limit)} characters` };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

/**
 * `unknown key "windwos" in data.evaluation (did you mean "windows"?)`; in a recipe step the
 * key is a pass name: `unknown pass "quantise" in recipe[1] (did you mean "quantize"?)`.
 */
export function unknownKeyIssue(key: string, parent: ConfigPath, known: readonly string[]): Issue {
  const path = [...parent, key];
  if (isRecipeStep(parent)) return unknownName("pass", key, path, known);
  const where = parent.length > 0 ? ` in ${formatPath(parent)}` : "";
  return { path, message: `unknown key "${key}"${where}${didYouMean(key, known)}`, standalone: true };
}

function unknownName(kind: "pass" | "target", name: string, path: ConfigPath, known: readonly string[]): Issue {
  const item = formatPath(path.slice(0, kind === "pass" ? -1 : 2));
  const hint = known.length > 0 ? didYouMean(name, known) : ` (no ${kind === "pass" ? "passes" : "targets"} are available)`;
  return { path, message: `unknown ${kind} "${name}" in ${item}${hint}`, standalone: true };
}

/** `recipe[i]` (a list) or `recipe.steps[i]` (a mapping with steps). */
function isRecipeStep(path: ConfigPath): boolean {
  if (path[0] !== "recipe") return false;
  return path.length === 2 ? typeof path[1] === "number" : path.length === 3 && path[1] === "steps" && typeof path[2] === "number";
}

/** `targets[i].name` (targets written as a bare name are read as `{name}`). */
function isTargetName(path: ConfigPath): boolean {
  return path[0] === "targets" && typeof path[1] === "number" && (path.length === 2 || (path.length === 3 && path[2] === "name"));
}

/** What a schema accepts, in words: `an integer ≥ 1`, `one of text, jsonl`, `a string or a mapping`. */
function expected(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => (typeof v === "string" ? v : show(v))).join(", ")}`;
  if ("const" in schema) return show(schema.const);
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t): t is string => typeof t === "string");
  if (types.length === 1 && (types[0] === "integer" || types[0] === "number")) {
    const bounds = [
      ["≥", schema.minimum],
      [">", schema.exclusiveMinimum],
      ["≤", schema.maximum],
      ["<", schema.exclusiveMaximum],
    ].flatMap(([sign, limit]) => (typeof limit === "number" ? [`${sign} ${limit}`] : []));
    return [TYPE_WORDS[types[0]], ...(bounds.length > 0 ? [bounds.join(" and ")] : [])].join(" ");
  }
  if (types.length === 1 && types[0] === "string" && typeof schema.minLength === "number" && schema.minLength > 0) {
    return "a non-empty string";
  }
  return types.map((t) => TYPE_WORDS[t] ?? t).join(" or ") || "valid";
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
  null: "null",
};

/** The kind of a wrong value (`number`, `list`); a number where an integer belongs, itself. */
function typeOrValue(data: unknown, schema: Record<string, unknown>): string {
  if (typeof data === "number" && (schema.type === "integer" || (Array.isArray(schema.type) && schema.type.includes("integer")))) {
    return show(data);
  }
  return data === null ? "null" : Array.isArray(data) ? "list" : typeof data === "object" ? "mapping" : typeof data;
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}
