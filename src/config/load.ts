/**
 * Step 1 of the build (DESIGN.md, "Load"): read `slm.config.yaml`, resolve a referenced
 * recipe, apply `--set` overrides, validate against the schema (defaults applied) and the
 * cross-field rules, and hand on a typed Config with the sources of every value. Every problem
 * found is reported at once, each at the file:line:column (or `--set`) it came from.
 */
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { InputError, InputErrors, type SlmError } from "../errors.js";
import { isRecord, recipeIsMapping } from "./config-path.js";
import { issuesFromAjv } from "./messages.js";
import { expandTargetNames, toConfig, type ValidatedConfig } from "./normalize.js";
import { applyOverrides, type Override, parseOverrides, takeRecipeOverride } from "./overrides.js";
import { readRecipeFile } from "./recipe-file.js";
import { crossFieldIssues } from "./rules.js";
import { buildConfigSchema } from "./schema.js";
import { SourceText } from "./source-text.js";
import { ConfigSources, type OverrideOrigin, type SourceEntry } from "./sources.js";
import type { Config, PluginParamsCatalog } from "./types.js";
import { validatorFor } from "./validate.js";
import { parseYaml } from "./yaml-file.js";

/** What to load: the config file, `--set` overrides, and the plugins' param schemas. */
export interface LoadOptions {
  /** The config file; its folder is the project folder. */
  path: string;
  /** `--set` expressions, `PATH=VALUE`, applied in order. */
  overrides?: readonly string[];
  /** The param schemas of the passes and targets a config may name. */
  catalog: PluginParamsCatalog;
}

/** A loaded config: typed, validated, defaulted, with the sources of its values. */
export interface LoadedConfig {
  config: Config;
  /** Absolute folder of the config file; relative paths in the config resolve against it. */
  projectDir: string;
  /** Where each value was written, for messages of later stages. */
  sources: ConfigSources;
  /** Every config and recipe file read, relative to projectDir (the plan's inputs). */
  files: string[];
}

/** Loads, resolves, overrides and validates a config; throws InputErrors listing every problem. */
export function loadConfig(options: LoadOptions): LoadedConfig {
  const projectDir = resolve(dirname(options.path));
  const files = [new SourceText(options.path, readConfigText(options.path))];
  const parsed = parseYaml(files[0]!);
  const entries: SourceEntry[] = parsed.entries.map((entry) => ({ file: 0, ...entry }));
  // An empty file (or one of only comments) is a config with nothing set yet.
  const value = parsed.value ?? {};
  const { reference, replacement, rest } = takeRecipeOverride(parseOverrides(options.overrides ?? []));
  const schema = buildConfigSchema(options.catalog);
  let origins: OverrideOrigin[] = [];
  if (isRecord(value)) {
    if (!replacement) resolveRecipe(value, reference, files, entries);
    origins = applyOverrides(value, replacement ? [replacement, ...rest] : rest, schema);
    expandTargetNames(value);
  }

  const written = structuredClone(value);
  const validate = validatorFor(schema);
  const valid = validate(value);
  const sources = new ConfigSources({ files, entries, overrides: origins, recipeIsMapping: recipeIsMapping(value) });
  const issues = [...(valid ? [] : issuesFromAjv(validate.errors ?? [], value)), ...crossFieldIssues({ value, written })];
  if (issues.length > 0) throw new InputErrors(inSourceOrder(issues.map((issue) => sources.issueError(issue)), files, origins));

  return {
    config: toConfig(value as ValidatedConfig),
    projectDir,
    sources,
    files: files.map((file) => relative(projectDir, resolve(file.name)).split("\\").join("/")),
  };
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read the config file (${code ?? (error as Error).message})`, { location: { file: path } });
  }
}

/** Replaces a `recipe:` reference (or a `--set recipe=NAME`) with the recipe file's contents. */
function resolveRecipe(value: Record<string, unknown>, reference: Override | undefined, files: SourceText[], entries: SourceEntry[]): void {
  const config = files[0]!;
  if (reference) value.recipe = reference.raw;
  if (typeof value.recipe !== "string") return;
  // Problems with the reference are shown where it was written: the `--set` or the `recipe:` value.
  const fail = reference
    ? (message: string) => new InputError(message, { location: { file: `--set ${reference.expression}` } })
    : (message: string) => {
        const entry = entries.find((e) => e.path.length === 1 && e.path[0] === "recipe")!;
        return new InputError(message, { location: config.location(entry.valueOffset), snippet: config.snippet(entry.valueOffset) });
      };
  const recipe = readRecipeFile(value.recipe, config.name, fail);
  if (typeof recipe.parsed.value === "string") {
    // Would read as another reference; recipe files do not name further recipe files.
    throw new InputError("a recipe file must hold a list of steps or a mapping with steps (got a string)", {
      location: recipe.source.location(0),
      snippet: recipe.source.snippet(0),
    });
  }
  files.push(recipe.source);
  entries.push(...recipe.parsed.entries.map((entry) => ({ ...entry, file: files.length - 1, path: ["recipe", ...entry.path] })));
  value.recipe = recipe.parsed.value;
}

/** Errors by file (the config first, then recipe files, then each `--set` in order), line and column. */
function inSourceOrder(errors: InputError[], files: readonly SourceText[], origins: readonly OverrideOrigin[]): SlmError[] {
  const names = [...files.map((file) => file.name), ...origins.map((origin) => `--set ${origin.expression}`)];
  const rank = (e: SlmError): number[] => [names.indexOf(e.location?.file ?? ""), e.location?.line ?? 0, e.location?.column ?? 0];
  return errors
    .map((error) => ({ error, key: rank(error) }))
    .sort((a, b) => a.key[0]! - b.key[0]! || a.key[1]! - b.key[1]! || a.key[2]! - b.key[2]!)
    .map(({ error }) => error);
}
