import { createRequire } from "node:module";
import { InputError } from "../errors.js";
import type { Report } from "./model.js";
import { REPORT_SCHEMA } from "./report-schema.js";

type Validate = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };
let validate: Validate | undefined;

/**
 * A report.json's text as a Report, checked against schemas/report.schema.json; anything else
 * (not JSON, another version, a hand-edited file) is an InputError naming `source` and the first
 * problems, so `slm report --diff` never compares against half a report.
 */
export function parseReport(text: string, source: string): Report {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`not a report.json: ${(error as Error).message}`, { location: { file: source } });
  }
  // Loaded only here: ajv costs tens of milliseconds to load and compile with.
  if (!validate) {
    const { Ajv2020 } = createRequire(import.meta.url)("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    validate = new Ajv2020({ allErrors: true, strict: true }).compile(REPORT_SCHEMA) as Validate;
  }
  if (!validate(value)) {
    const problems = (validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
    throw new InputError(`not a valid slm report (schemas/report.schema.json): ${problems.join("; ")}`, { location: { file: source } });
  }
  return value as Report;
}
