/**
 * Test rig for the config module: a temporary project with the files a test writes, a small
 * plugin catalog (a test fixture: passes and targets with declared params), and a helper that
 * turns a failed load into the one-line messages a user would read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";
import { formatLocation, InputErrors, SlmError } from "../../src/errors.js";
import { type LoadedConfig, loadConfig } from "../../src/config/index.js";
import type { PluginParamsCatalog } from "../../src/config/types.js";

export const catalog: PluginParamsCatalog = {
  passes: new Map([
    [
      "prune",
      {
        schema: {
          type: "object",
          additionalProperties: false,
          properties: {
            sparsity: { type: "number", minimum: 0, exclusiveMaximum: 1, default: 0.5 },
            scope: { enum: ["global", "per-layer"], default: "global" },
          },
        },
      },
    ],
    [
      "quantize",
      {
        schema: {
          type: "object",
          additionalProperties: false,
          properties: {
            bits: { enum: [4, 8], default: 8 },
            per_channel: { type: "boolean", default: true },
          },
        },
      },
    ],
  ]),
  targets: new Map([
    ["cpu-int8", { schema: { type: "object", additionalProperties: false, properties: { threads: { type: "integer", minimum: 1, default: 1 } } } }],
    [
      "loihi2-sim",
      {
        schema: {
          type: "object",
          additionalProperties: false,
          properties: { timesteps: { type: "integer", minimum: 1, default: 16 }, threshold: { type: "number", default: 1 } },
        },
      },
    ],
    ["akida-sim", { schema: { type: "object", additionalProperties: false, properties: {} } }],
  ]),
};

export const emptyCatalog: PluginParamsCatalog = { passes: new Map(), targets: new Map() };

/** The model part of a valid causal-lm config (paths into the bundled models). */
export const LM_MODEL = `model:
  task: causal-lm
  onnx: models/gpt-relu-brown/model.onnx
  tokenizer: models/gpt-relu-brown/tokenizer.json
data:
  evaluation:
    path: models/gpt-relu-brown/eval.txt
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary project holding `files` (path → text); returns its folder. */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "slm-config-"));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Loads `slm.config.yaml` from a project made of `files`. */
export function load(files: Record<string, string>, overrides: string[] = [], plugins = catalog): LoadedConfig {
  return loadConfig({ path: join(project(files), "slm.config.yaml"), overrides, catalog: plugins });
}

/**
 * The messages a failed load prints, one line each (`file:line:col: message`), file names
 * relative to the project; fails the test if the load succeeds.
 */
export function problems(files: Record<string, string>, overrides: string[] = [], plugins = catalog): string[] {
  return errorsOf(() => load(files, overrides, plugins)).map((error) => oneLine(error));
}

/** The SlmErrors that `run` throws (one per problem). */
export function errorsOf(run: () => unknown): SlmError[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputErrors) return [...error.errors];
    if (error instanceof SlmError) return [error];
    throw error;
  }
  throw new Error("expected the config to be rejected, but it loaded");
}

export function oneLine(error: SlmError): string {
  const line = error.location ? `${formatLocation(error.location)}: ${error.message}` : error.message;
  return line.replace(/\/\S*slm-config-[^/]+\//g, "");
}
