/**
 * Resolves `recipe: <reference>` to a recipe file and reads it: a name means
 * `recipes/<name>.yaml` beside the config, anything ending in .yaml/.yml is a path (relative
 * to the config's folder unless absolute). Problems are reported at the reference.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { InputError } from "../errors.js";
import { didYouMean } from "./did-you-mean.js";
import { NAME_PATTERN } from "./schema.js";
import { SourceText } from "./source-text.js";
import { type ParsedYaml, parseYaml } from "./yaml-file.js";

/** A recipe file read: its text (for positions) and its value. */
export interface RecipeFile {
  source: SourceText;
  parsed: ParsedYaml;
}

const RECIPES_DIR = "recipes";
const isPath = (reference: string): boolean => /\.ya?ml$/.test(reference);

/**
 * Reads the recipe `reference` names. `configName` is the config file as messages show it;
 * `fail` makes an error located where the reference was written.
 */
export function readRecipeFile(reference: string, configName: string, fail: (message: string) => InputError): RecipeFile {
  if (!isPath(reference) && !new RegExp(NAME_PATTERN).test(reference)) {
    throw fail(`recipe "${reference}" must be a recipe name (${RECIPES_DIR}/<name>.yaml) or the path of a .yaml or .yml file`);
  }
  const relative = isPath(reference) ? reference : `${RECIPES_DIR}/${reference}.yaml`;
  const name = isAbsolute(relative) ? relative : join(dirname(configName), relative);
  let text: string;
  try {
    text = readFileSync(resolve(name), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      const hint = isPath(reference) ? "" : didYouMean(reference, recipeNames(dirname(configName)));
      throw fail(`recipe "${reference}" not found: ${name} does not exist${hint}`);
    }
    throw fail(`recipe "${reference}": cannot read ${name} (${code ?? (error as Error).message})`);
  }
  const source = new SourceText(name, text);
  return { source, parsed: parseYaml(source) };
}

/** The recipe names in the project's recipes folder (none if there is no such folder). */
function recipeNames(projectDir: string): string[] {
  try {
    return readdirSync(join(projectDir, RECIPES_DIR))
      .filter((file) => file.endsWith(".yaml"))
      .map((file) => file.slice(0, -".yaml".length));
  } catch {
    return [];
  }
}
