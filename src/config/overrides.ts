/**
 * `--set PATH=VALUE` overrides. PATH uses dots and `[i]` indices (`recipe[0].prune.sparsity`,
 * `targets[1].name`); VALUE is read as the type the schema declares at PATH (integer, number,
 * boolean, one of an enum, string; `{...}`/`[...]` as YAML where a mapping or list belongs).
 * `PATH=null` removes the setting, so that its default applies again. Overrides apply after a
 * referenced recipe is read, so `recipe[0]...` works whether the recipe is inline or a file;
 * `--set recipe=NAME` instead names the recipe file to read.
 */
import { parse as parseYamlValue } from "yaml";
import { InputError, InputErrors } from "../errors.js";
import { dataPath, formatPath, isRecord, parsePath, recipeIsMapping, type Segment } from "./config-path.js";
import { unknownKeyIssue } from "./messages.js";
import { targetAsMapping } from "./normalize.js";
import type { JsonObject } from "./schema.js";
import { applicableSchemas, declaredKeys, itemSchemas, possibleSchemas, propertySchemas, type Schema } from "./schema-walk.js";
import type { OverrideOrigin } from "./sources.js";

/** One parsed `--set`. */
export interface Override {
  path: Segment[];
  /** The text after the first `=`. */
  raw: string;
  /** `PATH=VALUE` as given. */
  expression: string;
}

/** Parses `--set` expressions; throws InputErrors naming every malformed one. */
export function parseOverrides(expressions: readonly string[]): Override[] {
  const errors: InputError[] = [];
  const overrides: Override[] = [];
  for (const expression of expressions) {
    const equals = expression.indexOf("=");
    const path = equals > 0 ? parsePath(expression.slice(0, equals)) : undefined;
    if (path) overrides.push({ path, raw: expression.slice(equals + 1), expression });
    else errors.push(overrideError(expression, "expected PATH=VALUE, e.g. data.evaluation.windows=8"));
  }
  if (errors.length > 0) throw new InputErrors(errors);
  return overrides;
}

/**
 * Splits off the `--set recipe=...` that decides where the recipe comes from (the last one): a
 * name or path is a `reference`, read as `recipe:` in the config would be; a list or mapping is
 * a `replacement`, applied before the other overrides (and no referenced file is read).
 */
export function takeRecipeOverride(overrides: readonly Override[]): { reference?: Override; replacement?: Override; rest: Override[] } {
  const isWholeRecipe = (o: Override): boolean => o.path.length === 1 && o.path[0] === "recipe";
  const last = overrides.filter(isWholeRecipe).at(-1);
  const rest = overrides.filter((o) => !isWholeRecipe(o));
  if (!last) return { rest };
  return YAML_COLLECTION.test(last.raw) ? { replacement: last, rest } : { reference: last, rest };
}

/**
 * Applies `overrides` in order to `root`, each value coerced by `schema`; returns where each
 * came from, for messages. Throws InputErrors for paths the schema does not have.
 */
export function applyOverrides(root: Record<string, unknown>, overrides: readonly Override[], schema: JsonObject): OverrideOrigin[] {
  const errors: InputError[] = [];
  const origins: OverrideOrigin[] = [];
  for (const override of overrides) {
    const path = dataPath(override.path, recipeIsMapping(root));
    const problem = applyOne(root, path, override.raw, schema);
    if (problem === undefined) origins.push({ path, expression: override.expression });
    else errors.push(overrideError(override.expression, problem));
  }
  if (errors.length > 0) throw new InputErrors(errors);
  return origins;
}

/** Sets one value; returns what is wrong instead, if something is. */
function applyOne(root: Record<string, unknown>, path: readonly Segment[], raw: string, schema: JsonObject): string | undefined {
  let container: unknown = root;
  let schemas = applicableSchemas(schema, root, schema);
  for (const [i, segment] of path.entries()) {
    const here = path.slice(0, i);
    let next: unknown[] | undefined;
    if (typeof segment === "number") {
      if (!Array.isArray(container)) return `${formatPath(here) || "the config"} is not a list`;
      if (segment > container.length) {
        const items = `${container.length} item${container.length === 1 ? "" : "s"}`;
        return `${formatPath(here)} has ${items}; index ${segment} is past the end`;
      }
      next = itemSchemas(schemas);
    } else {
      if (!isRecord(container)) return `${formatPath(here) || "the config"} is not a mapping`;
      // Removing what is written is always allowed, a key the schema does not know included.
      if (raw === "null" && i === path.length - 1 && Object.hasOwn(container, segment)) {
        delete container[segment];
        return undefined;
      }
      next = propertySchemas(schemas, segment);
      if (next === undefined) return unknownKeyIssue(segment, here, declaredKeys(schemas)).message;
    }
    const slots = container as Record<Segment, unknown>;
    if (i === path.length - 1) return setValue(slots, segment, raw, next.flatMap((s) => possibleSchemas(s, schema)));
    // A target written as its name takes params once it is a mapping; missing levels are made.
    if (here.length === 1 && here[0] === "targets") slots[segment] = targetAsMapping(slots[segment]);
    slots[segment] ??= typeof path[i + 1] === "number" ? [] : {};
    container = slots[segment];
    schemas = next.flatMap((s) => applicableSchemas(s, container, schema));
  }
  return undefined;
}

/** Sets (or, for `null`, removes) one value, read as a type one of `schemas` declares. */
function setValue(slots: Record<Segment, unknown>, segment: Segment, raw: string, schemas: readonly Schema[]): string | undefined {
  if (raw === "null") {
    if (Array.isArray(slots) && typeof segment === "number") slots.splice(segment, 1);
    else delete slots[segment];
    return undefined;
  }
  try {
    slots[segment] = coerce(raw, schemas);
  } catch (error) {
    return `is not valid YAML: ${(error as Error).message}`;
  }
  return undefined;
}

const YAML_COLLECTION = /^\s*[[{]/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `raw` as the type the schemas declare; left a string when it is not one (validation says so). */
function coerce(raw: string, schemas: readonly Schema[]): unknown {
  const members = schemas.flatMap((s) => (Array.isArray(s.enum) ? s.enum : "const" in s ? [s.const] : []));
  const member = members.find((m) => m !== null && typeof m !== "object" && String(m) === raw);
  if (member !== undefined) return member;
  const types = new Set(schemas.flatMap((s) => (Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type])));
  // Where no type is declared (e.g. an enum alone), read the value the way YAML would.
  const untyped = types.size === 0;
  if ((untyped || types.has("object") || types.has("array")) && YAML_COLLECTION.test(raw)) return parseYamlValue(raw, { prettyErrors: false, logLevel: "error" });
  // A number written for an integer (4.0, 1e2, 2.5) is a number: the schema then accepts it or says why not.
  if ((untyped || types.has("integer") || types.has("number")) && NUMBER.test(raw)) return Number(raw);
  if ((untyped || types.has("boolean")) && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}

function overrideError(expression: string, message: string): InputError {
  return new InputError(message, { location: { file: `--set ${expression}` } });
}
