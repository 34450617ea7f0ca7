/**
 * The config and recipe JSON Schemas, written once (style.md item 4). `schemas/*.json` are
 * this module's output for an empty catalog (a test checks they do not drift); with the plugin
 * registry's catalog the same functions give the full schema that validation uses, each pass's
 * and target's declared params included (style.md item 9), so editors, `--set` coercion,
 * defaults and did-you-mean all read one description of the params.
 */
import type { Json } from "../util/canonical-json.js";
import type { PluginParamsCatalog } from "./types.js";

export const TASKS = ["causal-lm", "classifier"] as const;
export const DATA_FORMATS = ["text", "jsonl"] as const;
export const OPTIMIZATION_LEVELS = ["disabled", "basic", "extended", "all"] as const;
/** Config names, recipe names and the names of passes and targets. */
export const NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]*$";
/** A recipe reference: a name (→ `recipes/<name>.yaml`) or a path to a `.yaml`/`.yml` file. */
export const RECIPE_REFERENCE_PATTERN = `${NAME_PATTERN}|\\.ya?ml$`;
/** The `$defs` key of a pass's params and of a target's item schema. */
export const passDef = (name: string): string => `pass.${name}`;
export const targetDef = (name: string): string => `target.${name}`;

/** A JSON Schema (or any JSON object) as this module builds it. */
export type JsonObject = { [key: string]: Json };

const SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

const filePath = (description: string): JsonObject => ({ type: "string", minLength: 1, description });
const atLeast = (minimum: number, description: string, defaultValue?: number): JsonObject => ({
  type: "integer",
  minimum,
  ...(defaultValue === undefined ? {} : { default: defaultValue }),
  description,
});

const dataSet: JsonObject = {
  type: "object",
  description: "A data file and how much of it to use.",
  required: ["path"],
  additionalProperties: false,
  properties: {
    path: filePath("The data file, relative to the config's folder."),
    format: {
      enum: [...DATA_FORMATS],
      description: "text or jsonl; default from the extension (.jsonl → jsonl, else text).",
    },
    window: atLeast(2, "causal-lm: tokens per window.", 128),
    windows: atLeast(1, "causal-lm: use only the first N windows; absent = all."),
    samples: atLeast(1, "classifier: use only the first N lines; absent = all."),
  },
};

/** The limits of `gates:` (src/gates/spec.ts), globally and under `gates.targets.<name>`. */
const gateLimitProperties: JsonObject = {
  perplexity_increase: {
    type: "string",
    pattern: "^[0-9]+(\\.[0-9]+)? ?%$",
    description: "Most a row's perplexity may rise above the fp32 baseline's, in percent of it, e.g. 5%.",
  },
  accuracy_drop: {
    type: "number",
    minimum: 0,
    description: "Most a row's accuracy may fall below the fp32 baseline's, in percentage points, e.g. 1.",
  },
  energy_uj: { type: "number", minimum: 0, description: "Most estimated energy per inference, in µJ (simulated targets)." },
  latency_ms: {
    type: "number",
    exclusiveMinimum: 0,
    description: "Most latency per inference, in ms: measured (evaluation.latency_runs > 0) or estimated for simulated targets.",
  },
};

const gateLimits: JsonObject = {
  type: "object",
  description: "Limits for one target's rows.",
  additionalProperties: false,
  properties: gateLimitProperties,
};

const baseProperties: JsonObject = {
  name: { type: "string", pattern: NAME_PATTERN, description: "The project's name." },
  model: {
    type: "object",
    description: "The trained model and its tokenizer.",
    required: ["task", "onnx", "tokenizer"],
    additionalProperties: false,
    properties: {
      task: { enum: [...TASKS], description: "What the model does." },
      onnx: filePath("The ONNX model file."),
      tokenizer: filePath("The Hugging Face tokenizer.json."),
      tokenizer_config: filePath("tokenizer_config.json (special tokens)."),
      labels: filePath("classifier: a JSON list of class names, index = class id."),
    },
  },
  data: {
    type: "object",
    required: ["evaluation"],
    additionalProperties: false,
    properties: {
      evaluation: { $ref: "#/$defs/dataSet" },
      calibration: { $ref: "#/$defs/dataSet" },
    },
  },
  evaluation: {
    type: "object",
    description: "onnxruntime settings for evaluation and latency measurement.",
    default: {},
    additionalProperties: false,
    properties: {
      threads: atLeast(1, "Intra-op threads.", 1),
      optimization: {
        enum: [...OPTIMIZATION_LEVELS],
        default: "all",
        description: "onnxruntime graph optimization level.",
      },
      batch: atLeast(1, "Windows or samples per session.run.", 8),
      latency_runs: atLeast(0, "Timed runs for latency; 0 = do not measure.", 20),
    },
  },
  recipe: {
    description: "Compression steps, inline or a reference to a recipe file.",
    default: [],
    if: { type: "string" },
    then: {
      type: "string",
      pattern: RECIPE_REFERENCE_PATTERN,
      description: "A recipe name (recipes/<name>.yaml) or the path of a .yaml/.yml file.",
    },
    else: { $ref: "#/$defs/recipe" },
  },
  targets: { type: "array", default: [], items: { $ref: "#/$defs/target" } },
  gates: {
    type: "object",
    description: "Budgets the build must meet: a row over a limit makes `slm build` exit 3 after writing the report (docs/ci.md).",
    default: {},
    additionalProperties: false,
    properties: {
      ...gateLimitProperties,
      targets: {
        type: "object",
        description: "Limits for one target's rows, by target name; they replace the global limits of the same name there.",
        default: {},
        additionalProperties: { $ref: "#/$defs/gateLimits" },
      },
    },
  },
  build: {
    type: "object",
    default: {},
    additionalProperties: false,
    properties: {
      out_dir: {
        ...filePath("Where the final outputs and the report go: a folder of its own, which every build replaces (not the project folder, a folder holding its inputs, or the store)."),
        default: "build",
      },
      store: { ...filePath("The content-addressed store."), default: ".slm" },
      jobs: atLeast(1, "Stages run at once.", 2),
    },
  },
};

/** The full schema of `slm.config.yaml`, including every catalog pass's and target's params. */
export function buildConfigSchema(catalog: PluginParamsCatalog): JsonObject {
  return {
    $schema: SCHEMA_DIALECT,
    title: "slm config",
    description: "slm.config.yaml: a model, its data, a compression recipe and hardware targets.",
    type: "object",
    required: ["name", "model", "data"],
    additionalProperties: false,
    properties: baseProperties,
    $defs: { dataSet, gateLimits, ...recipeDefs(catalog), ...targetDefs(catalog) },
  };
}

/** The schema of a recipe file (`recipes/<name>.yaml`). */
export function buildRecipeSchema(catalog: PluginParamsCatalog): JsonObject {
  const { recipe, ...defs } = recipeDefs(catalog);
  return {
    $schema: SCHEMA_DIALECT,
    title: "slm recipe",
    ...(recipe as JsonObject),
    $defs: defs,
  };
}

function recipeDefs(catalog: PluginParamsCatalog): JsonObject {
  const steps: JsonObject = { type: "array", items: { $ref: "#/$defs/recipeStep" } };
  const names = sortedNames(catalog.passes);
  const defs: JsonObject = {
    recipe: {
      description: "A list of steps, or a mapping with `steps` and an optional `description`.",
      type: ["array", "object"],
      if: { type: "array" },
      then: steps,
      else: {
        required: ["steps"],
        additionalProperties: false,
        properties: { description: { type: "string" }, steps },
      },
    },
    recipeStep: {
      description: "One pass: a mapping with exactly one key, the pass name, whose value is its params.",
      type: "object",
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: false,
      properties: Object.fromEntries(names.map((name) => [name, { $ref: defRef(passDef(name)) }])),
    },
  };
  for (const name of names) defs[passDef(name)] = paramsSchema("pass", name, catalog.passes.get(name)!.schema);
  return defs;
}

function targetDefs(catalog: PluginParamsCatalog): JsonObject {
  const names = sortedNames(catalog.targets);
  // With no targets registered, any name is unknown: `false` rejects every value.
  const knownName: Json = names.length > 0 ? { enum: names } : false;
  const byName = names.map((name) => ({
    if: { properties: { name: { const: name } }, required: ["name"] },
    then: { $ref: defRef(targetDef(name)) },
  }));
  const defs: JsonObject = {
    target: {
      description: "A target name, or a mapping with `name` and that target's params.",
      type: ["string", "object"],
      if: { type: "string" },
      then: knownName,
      else: {
        required: ["name"],
        properties: { name: knownName },
        ...(byName.length > 0 ? { allOf: byName } : {}),
      },
    },
  };
  for (const name of names) defs[targetDef(name)] = targetItemSchema(name, catalog.targets.get(name)!.schema);
  return defs;
}

/** A target's params schema with `name` added, since params sit beside `name` in the mapping. */
function targetItemSchema(name: string, schema: object): JsonObject {
  const params = paramsSchema("target", name, schema);
  const properties = (params.properties ?? {}) as JsonObject;
  if ("name" in properties) throw new Error(`target "${name}": a param may not be called "name" (it names the target)`);
  const required = Array.isArray(params.required) ? params.required : [];
  return {
    ...params,
    required: ["name", ...required],
    properties: { name: { const: name }, ...properties },
  };
}

/**
 * A plugin's params schema as embedded here: an object schema without `$schema`, and without
 * `$ref`/`$id`, which would resolve against the config schema instead of the plugin's.
 */
function paramsSchema(kind: "pass" | "target", name: string, schema: object): JsonObject {
  const where = `${kind} "${name}"`;
  if (!new RegExp(NAME_PATTERN).test(name)) throw new Error(`${where}: the name must match ${NAME_PATTERN}`);
  const { $schema: _dialect, ...rest } = schema as JsonObject;
  if (rest.type !== "object") throw new Error(`${where}: the params schema must have type "object"`);
  const reference = findKey(rest, ["$ref", "$id", "$dynamicRef"]);
  if (reference) throw new Error(`${where}: the params schema must be self-contained (found ${reference})`);
  return rest;
}

function findKey(value: Json, keys: readonly string[]): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (!Array.isArray(value) && keys.includes(key)) return key;
    const found = findKey(item, keys);
    if (found) return found;
  }
  return undefined;
}

const defRef = (key: string): string => `#/$defs/${key}`;
const sortedNames = (map: ReadonlyMap<string, unknown>): string[] => [...map.keys()].sort();
