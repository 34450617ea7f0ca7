/**
 * Where every part of a loaded config came from — a line of `slm.config.yaml`, a line of a
 * recipe file, or a `--set` — so that any later stage can report a problem at the place the
 * user wrote it: `sources.error("model.onnx", "file not found")`.
 */
import { InputError, type SourceLocation } from "../errors.js";
import { type ConfigPath, dataPath, formatPath, isPrefix, parsePath } from "./config-path.js";
import type { SourceText } from "./source-text.js";

/** A `--set PATH=VALUE` and the data path it set. */
export interface OverrideOrigin {
  path: ConfigPath;
  /** `PATH=VALUE` as given. */
  expression: string;
}

/** An entry of a source file: the file (index into `files`), the data path, the offset of its key or item. */
export interface SourceEntry {
  file: number;
  path: ConfigPath;
  offset: number;
  valueOffset: number;
}

/** A problem at a data path; shown as `<path> <message>` unless `standalone`. */
export interface Issue {
  path: ConfigPath;
  message: string;
  /** The message names its subject itself (`unknown key "x" in data`). */
  standalone?: boolean;
}

export interface ConfigSourcesInit {
  files: readonly SourceText[];
  entries: readonly SourceEntry[];
  overrides: readonly OverrideOrigin[];
  /** The recipe is written as `{steps: [...]}`: `recipe[i]` then means `recipe.steps[i]`. */
  recipeIsMapping: boolean;
}

interface Found {
  location: SourceLocation;
  snippet?: string;
  override?: OverrideOrigin;
}

/** The positions of a loaded config's values, and errors located at them. */
export class ConfigSources {
  private readonly files: readonly SourceText[];
  private readonly entries = new Map<string, { file: number; offset: number }>();
  private readonly overrides: readonly OverrideOrigin[];
  private readonly recipeIsMapping: boolean;

  constructor(init: ConfigSourcesInit) {
    this.files = init.files;
    this.overrides = init.overrides;
    this.recipeIsMapping = init.recipeIsMapping;
    // Later entries win: a referenced recipe file's root replaces the config's `recipe:` line.
    for (const entry of init.entries) this.entries.set(key(entry.path), { file: entry.file, offset: entry.offset });
  }

  /**
   * Where `path` (`"data.evaluation.windows"`, `"recipe[1].quantize.bits"`) was written: the
   * `--set` that last set it or one of its ancestors, else its key or item in a file, else the
   * nearest ancestor that is written (for values that come from defaults).
   */
  locate(path: string | ConfigPath): SourceLocation {
    return this.find(toPath(path)).location;
  }

  /** An InputError at `path`, with a snippet of the line; `message` is shown as given. */
  error(path: string | ConfigPath, message: string): InputError {
    const { location, snippet } = this.find(toPath(path));
    return new InputError(message, { location, snippet });
  }

  /** An InputError for an issue found while loading (`path` is a data path). */
  issueError(issue: Issue): InputError {
    const found = this.findData(issue.path);
    // `--set a.b=x: must be ...` already says which setting; elsewhere the path leads.
    const named = issue.standalone || (found.override !== undefined && samePath(found.override.path, issue.path));
    const message = named ? issue.message : `${formatPath(issue.path) || "the config"} ${issue.message}`;
    return new InputError(message, { location: found.location, snippet: found.snippet });
  }

  private find(path: ConfigPath): Found {
    return this.findData(dataPath(path, this.recipeIsMapping));
  }

  private findData(path: ConfigPath): Found {
    for (let i = this.overrides.length - 1; i >= 0; i--) {
      const override = this.overrides[i]!;
      if (isPrefix(override.path, path)) return { location: { file: `--set ${override.expression}` }, override };
    }
    for (let length = path.length; length >= 0; length--) {
      const entry = this.entries.get(key(path.slice(0, length)));
      if (!entry) continue;
      const file = this.files[entry.file]!;
      return { location: file.location(entry.offset), snippet: file.snippet(entry.offset) };
    }
    return { location: { file: this.files[0]?.name ?? "config" } };
  }
}

function toPath(path: string | ConfigPath): ConfigPath {
  if (typeof path !== "string") return path;
  const parsed = parsePath(path);
  if (!parsed) throw new Error(`ConfigSources: "${path}" is not a config path`);
  return parsed;
}

const key = (path: ConfigPath): string => JSON.stringify(path);
const samePath = (a: ConfigPath, b: ConfigPath): boolean => a.length === b.length && isPrefix(a, b);
