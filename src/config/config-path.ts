/**
 * Paths into the config as users write them (`recipe[0].prune.sparsity`) and as the code walks
 * them (`["recipe", 0, "prune", "sparsity"]`). A recipe written as `{steps: [...]}` is still
 * addressed as `recipe[i]`: `dataPath` inserts the `steps` key and `formatPath` hides it.
 */

/** A mapping key or a list index. */
export type Segment = string | number;
/** A path from the root of the config. */
export type ConfigPath = readonly Segment[];

const FIRST_SEGMENT = /^([^.[\]]+)/;
const NEXT_SEGMENT = /^(?:\.([^.[\]]+)|\[(\d+)\])/;

/** `a.b[2].c` → `["a", "b", 2, "c"]`; undefined when the text is not a path. */
export function parsePath(text: string): Segment[] | undefined {
  const path: Segment[] = [];
  let rest = text;
  while (rest.length > 0) {
    const match = (path.length === 0 ? FIRST_SEGMENT : NEXT_SEGMENT).exec(rest);
    if (!match) return undefined;
    path.push(match[1] ?? Number(match[2]));
    rest = rest.slice(match[0].length);
  }
  return path.length > 0 ? path : undefined;
}

/** `["recipe", "steps", 1, "quantize"]` → `recipe[1].quantize`; the root is "". */
export function formatPath(path: ConfigPath): string {
  const shown = path[0] === "recipe" && path[1] === "steps" && typeof path[2] === "number" ? [path[0], ...path.slice(2)] : path;
  return shown.map((segment, i) => (typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join("");
}

/**
 * The path in the data: `recipe[i]` → `recipe.steps[i]` when the recipe is written as a mapping
 * (`{description, steps}`) rather than as a list.
 */
export function dataPath(path: ConfigPath, recipeIsMapping: boolean): Segment[] {
  return recipeIsMapping && path[0] === "recipe" && typeof path[1] === "number" ? ["recipe", "steps", ...path.slice(1)] : [...path];
}

/** Whether the recipe in this (resolved) config value is written as a mapping. */
export function recipeIsMapping(root: unknown): boolean {
  return isRecord(root) && isRecord(root.recipe);
}

/** An ajv instancePath (`/recipe/1/quantize`) → segments, numbers where the data is a list. */
export function pointerToPath(pointer: string, root: unknown): Segment[] {
  const path: Segment[] = [];
  let value = root;
  for (const raw of pointer === "" ? [] : pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const segment: Segment = Array.isArray(value) ? Number(key) : key;
    path.push(segment);
    value = child(value, segment);
  }
  return path;
}

/** True when `prefix` is `path` or one of its ancestors. */
export function isPrefix(prefix: ConfigPath, path: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

/** The value at `path`, or undefined. */
export function valueAt(root: unknown, path: ConfigPath): unknown {
  let value = root;
  for (const segment of path) value = child(value, segment);
  return value;
}

/** A YAML mapping (a plain object, not a list or null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function child(value: unknown, segment: Segment): unknown {
  if (typeof segment === "number") return Array.isArray(value) ? value[segment] : undefined;
  return isRecord(value) && Object.hasOwn(value, segment) ? value[segment] : undefined;
}
