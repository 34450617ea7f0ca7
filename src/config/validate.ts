/**
 * Runs the config schema over a config value with ajv (defaults applied in place). The
 * validators for the schemas slm ships with (the config's, hardware profiles') are generated at
 * build time (ajv standalone code in generated/), so a normal load neither loads nor compiles ajv; any other
 * catalog (a test's, a plugin under development) is compiled here on first use.
 */
import { createRequire } from "node:module";
import type { ErrorObject, Options } from "ajv";
import { canonicalJson, sha256Hex } from "../util/canonical-json.js";
import * as generated from "./generated/config-validator.js";
import * as generatedTarget from "./generated/target-validator.js";
import type { JsonObject } from "./schema.js";

/** A compiled validator: true when valid; `errors` holds ajv's errors otherwise. */
export type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** The one set of ajv options, for the generated validator and for runtime compilation alike. */
export const AJV_OPTIONS = {
  allErrors: true,
  useDefaults: true,
  // Errors carry the failing schema and data, which messages.ts words them from.
  verbose: true,
  strict: true,
  allowUnionTypes: true,
} as const satisfies Options;

/** The digest that identifies a schema: sha256 of its canonical JSON. */
export function schemaDigest(schema: JsonObject): string {
  return sha256Hex(canonicalJson(schema));
}

const compiled = new Map<string, Validator>(
  [generated, generatedTarget].map((module) => [module.schemaDigest as string, module.validate as unknown as Validator]),
);

/** The validator for `schema`: the generated one if it was made from this schema, else compiled now. */
export function validatorFor(schema: JsonObject): Validator {
  const digest = schemaDigest(schema);
  let validator = compiled.get(digest);
  if (!validator) {
    validator = compile(schema);
    compiled.set(digest, validator);
  }
  return validator;
}

function compile(schema: JsonObject): Validator {
  // Loaded only here: ajv costs tens of milliseconds to load and compile with.
  const require = createRequire(import.meta.url);
  const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  try {
    return new Ajv2020(AJV_OPTIONS).compile(schema) as Validator;
  } catch (error) {
    // A plugin's params schema that ajv rejects in strict mode: a bug in the plugin, not the config.
    throw new Error(`the config schema does not compile (check the passes' and targets' params schemas): ${(error as Error).message}`);
  }
}
