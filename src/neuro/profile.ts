/**
 * Hardware profiles: `targets/<name>/target.yaml` (or a project's own copy), validated against
 * schemas/target.schema.json. Every number is a Fact with its unit, source and evidence tag,
 * grouped by the stage that reads it: `constraints` (legalize, map), `timing` and `energy`
 * (estimate). Errors are InputErrors (exit 2) at the file:line:column of the offending entry.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { formatPath, isRecord, type ConfigPath } from "../config/config-path.js";
import { issuesFromAjv } from "../config/messages.js";
import { SourceText } from "../config/source-text.js";
import { validatorFor } from "../config/validate.js";
import { parseYaml, type Entry } from "../config/yaml-file.js";
import type { JsonObject } from "../config/schema.js";
import { InputError, InputErrors, type SourceLocation } from "../errors.js";
import { sha256Hex, type Json } from "../util/canonical-json.js";
import targetSchema from "../../schemas/target.schema.json" with { type: "json" };
import { packageRoot } from "./package-root.js";

/** How a number is known, strongest first (docs/targets.md, "Evidence"). */
export const EVIDENCE = ["measured", "simulated", "derived", "extrapolated", "assumed"] as const;
export type Evidence = (typeof EVIDENCE)[number];

export type FactValue = number | string | boolean | Array<number | string>;

/** One number (or setting) of a profile, with where it comes from. */
export interface Fact {
  value: FactValue;
  unit: string;
  source: string;
  evidence: Evidence;
  /** The arithmetic or reasoning behind a derived, extrapolated or assumed value. */
  note?: string;
}

/** A group of facts; groups nest (`constraints.v1.weight_bits`). */
export interface FactGroup {
  [key: string]: Fact | FactGroup;
}

/** A published whole-system measurement the estimates are compared with (docs only). */
export interface CrossCheck {
  name: string;
  value: number;
  unit: string;
  source: string;
  evidence: Evidence;
  note?: string;
}

/** The profile file's data, as the schema describes it. */
export interface ProfileData {
  name: string;
  description: string;
  constraints: FactGroup;
  timing: FactGroup;
  energy: FactGroup;
  host_ops: string[];
  cross_checks?: CrossCheck[];
}

/** A validated profile: its data, the file it came from, and typed access to its facts. */
export class Profile implements ProfileData {
  readonly name: string;
  readonly description: string;
  readonly constraints: FactGroup;
  readonly timing: FactGroup;
  readonly energy: FactGroup;
  readonly host_ops: string[];
  readonly cross_checks: CrossCheck[];

  /** `file` is the profile as messages show it (package- or project-relative). */
  constructor(
    data: ProfileData,
    readonly file: string,
  ) {
    this.name = data.name;
    this.description = data.description;
    this.constraints = data.constraints;
    this.timing = data.timing;
    this.energy = data.energy;
    this.host_ops = data.host_ops;
    this.cross_checks = data.cross_checks ?? [];
  }

  /** The fact at a dotted path, e.g. `energy.synaptic_op`; an InputError naming the field and file when absent. */
  fact(path: string): Fact {
    let node: unknown = this as unknown as Record<string, unknown>;
    const parts = path.split(".");
    if (!["constraints", "timing", "energy"].includes(parts[0] ?? "")) {
      throw new InputError(`${this.name} profile: "${path}" is not a fact path (it starts with constraints, timing or energy)`, { location: { file: this.file } });
    }
    for (const part of parts) node = isRecord(node) && Object.hasOwn(node, part) ? node[part] : undefined;
    if (!isFact(node)) {
      throw new InputError(`${this.name} profile has no fact ${path} (the ${this.name} target reads it)`, { location: { file: this.file } });
    }
    return node;
  }

  /** The fact's value, which must be a number. */
  number(path: string): number {
    const value = this.fact(path).value;
    if (typeof value !== "number") {
      throw new InputError(`${this.name} profile: ${path}.value must be a number (got ${JSON.stringify(value)})`, { location: { file: this.file } });
    }
    return value;
  }
}

/** Where a profile comes from: the one shipped in targets/<name>/, or a project's own file. */
export interface ProfileSource {
  /** The target's name. */
  name: string;
  /** A project-relative (or absolute) path to the project's copy; absent: the shipped profile. */
  path?: string;
  /** The project folder `path` is relative to. */
  projectDir?: string;
  /** Where the config names `path` (`targets[1].profile`), for the error when it cannot be read. */
  field?: SourceLocation;
  /**
   * A folder (in the store) that remembers profiles already validated, by the digest of their
   * text, so a no-op build does not parse and validate YAML again (~10 ms a profile).
   */
  cacheDir?: string;
}

/** The shipped profile of a target: targets/<name>/target.yaml under the slm package. */
export function shippedProfilePath(name: string): string {
  return join(packageRoot(), "targets", name, "target.yaml");
}

/** Reads and validates a profile; throws located InputErrors (every schema violation at once). */
export function loadProfile(source: ProfileSource): Profile {
  const root = packageRoot();
  const absolute = source.path === undefined ? shippedProfilePath(source.name) : resolve(source.projectDir ?? process.cwd(), source.path);
  // Messages name the file as the user knows it: package-relative when shipped, as configured otherwise.
  const shown = source.path ?? relative(root, absolute);
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read the ${source.name} hardware profile ${shown} (${code === "ENOENT" ? "no such file" : code ?? String(error)})`, {
      location: source.field ?? { file: shown },
    });
  }
  // Keyed by everything validation depends on: the schema, the target's name and the text.
  const cached = source.cacheDir && join(source.cacheDir, `${sha256Hex(`${VALIDATOR_KEY}\0${source.name}\0${text}`)}.json`);
  if (cached) {
    try {
      return new Profile(JSON.parse(readFileSync(cached, "utf8")) as ProfileData, shown);
    } catch {
      // Not validated before (or the entry is damaged): validate below.
    }
  }
  const data = parseAndValidate(source.name, new SourceText(shown, text));
  if (cached) remember(cached, data);
  return new Profile(data, shown);
}

const VALIDATOR_KEY = sha256Hex(JSON.stringify(targetSchema));

/** Writes a cache entry atomically; a cache that cannot be written only costs speed. */
function remember(path: string, data: ProfileData): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(temp, JSON.stringify(data));
    renameSync(temp, path);
  } catch {
    // Read-only store or full disk: the next load validates again.
  }
}

function parseAndValidate(name: string, sourceText: SourceText): ProfileData {
  const parsed = parseYaml(sourceText);
  const validate = validatorFor(targetSchema as JsonObject);
  if (!validate(parsed.value)) {
    const issues = issuesFromAjv(validate.errors ?? [], parsed.value);
    throw new InputErrors(issues.map((issue) => located(sourceText, parsed.entries, issue.path, issue.standalone ? issue.message : `${formatPath(issue.path)} ${explain(issue.path, issue.message)}`)));
  }
  const data = parsed.value as ProfileData;
  if (data.name !== name) {
    throw located(sourceText, parsed.entries, ["name"], `name is "${data.name}", but the profile is used for target ${name}`);
  }
  return data;
}

/** A fact is a mapping with a `value` (the schema's rule); anything else is a group. */
export function isFact(value: unknown): value is Fact {
  return isRecord(value) && "value" in value && typeof value.evidence === "string";
}

/** The weakest evidence among facts: an estimate is only as strong as its weakest input. */
export function weakestEvidence(facts: ReadonlyArray<Pick<Fact, "evidence">>): Evidence {
  return facts.reduce<Evidence>((weakest, fact) => (EVIDENCE.indexOf(fact.evidence) > EVIDENCE.indexOf(weakest) ? fact.evidence : weakest), "measured");
}

/** A fact as a stage param (JSON), for estimate stages that label figures with its evidence. */
export function factJson(fact: Fact): Record<string, Json> {
  return { value: fact.value, unit: fact.unit, source: fact.source, evidence: fact.evidence, ...(fact.note ? { note: fact.note } : {}) };
}

function explain(path: ConfigPath, message: string): string {
  // The schema's if/then asks for a note on derived, extrapolated and assumed facts.
  return path.at(-1) === "note" && message === "is required" ? "is required: a derived, extrapolated or assumed fact says how its value was obtained" : message;
}

/** An InputError at the entry for `path`, or its nearest ancestor that the file has. */
function located(source: SourceText, entries: readonly Entry[], path: ConfigPath, message: string): InputError {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    const entry = entries.find((e) => e.path.length === prefix.length && e.path.every((segment, i) => segment === prefix[i]));
    if (entry) return new InputError(message, { location: source.location(entry.offset), snippet: source.snippet(entry.offset) });
  }
  return new InputError(message, { location: { file: source.name } });
}
