/**
 * Reading evaluation inputs: UTF-8 text, JSON files and JSONL classification sets. Every failure
 * is an InputError that names the file (and the line, for JSONL).
 */
import { readFile } from "node:fs/promises";
import { InputError } from "../errors.js";

/** Reads a whole file; a missing or unreadable file is an InputError naming it and saying what it was for. */
export async function readInputFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : "cannot be read";
    throw new InputError(`${what} ${reason}: ${(error as Error).message}`, { location: { file: path }, cause: error });
  }
}

/**
 * Reads a UTF-8 text file exactly: invalid UTF-8 is an error rather than silently replaced,
 * and a byte-order mark is kept, as Python's `open(encoding="utf-8")` keeps it.
 */
export async function readTextFile(path: string, what: string): Promise<string> {
  const bytes = await readInputFile(path, what);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new InputError(`${what} is not valid UTF-8`, { location: { file: path }, cause: error });
  }
}

/** Reads and parses a JSON file. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  const text = await readTextFile(path, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`${what} is not valid JSON: ${(error as Error).message}`, {
      location: { file: path },
      cause: error,
    });
  }
}

/** Labelled feature vectors, packed row-major for feeding batches without copying per sample. */
export interface ClassificationSet {
  /** `count × width` float32 features. */
  readonly features: Float32Array;
  readonly labels: Int32Array;
  /** 1-based line of each sample in its file, for messages about one sample. */
  readonly lines: Int32Array;
  readonly count: number;
  readonly width: number;
  readonly path: string;
}

/**
 * Reads a JSONL file of `{"features": [numbers], "label": k}` lines. Numbers are parsed as JSON
 * doubles and then rounded to float32, the values the reference numbers were made with. Blank
 * lines are skipped; `samples` keeps only the first N samples (and asks for at least N).
 */
export async function readClassificationJsonl(path: string, samples?: number): Promise<ClassificationSet> {
  if (samples !== undefined && (!Number.isInteger(samples) || samples < 1)) {
    throw new InputError(`samples must be a positive integer, got ${samples}`);
  }
  const text = await readTextFile(path, "classification data");
  const rows: { features: number[]; label: number; line: number }[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length && (samples === undefined || rows.length < samples); index++) {
    const line = lines[index]!.trim();
    if (line === "") continue;
    const row = parseSample(line, path, index + 1);
    const first = rows[0];
    if (first !== undefined && row.features.length !== first.features.length) {
      throw new InputError(
        `sample has ${row.features.length} features but the first sample (line ${first.line}) has ${first.features.length}`,
        { location: { file: path, line: index + 1 } },
      );
    }
    rows.push(row);
  }
  if (rows.length === 0) throw new InputError("classification data has no samples", { location: { file: path } });
  if (samples !== undefined && rows.length < samples) {
    throw new InputError(`asked for the first ${samples} samples but the file has only ${rows.length}`, {
      location: { file: path },
    });
  }
  const width = rows[0]!.features.length;
  const features = new Float32Array(rows.length * width);
  rows.forEach((row, i) => features.set(row.features, i * width));
  return {
    features,
    labels: Int32Array.from(rows, (row) => row.label),
    lines: Int32Array.from(rows, (row) => row.line),
    count: rows.length,
    width,
    path,
  };
}

function parseSample(line: string, path: string, lineNumber: number): { features: number[]; label: number; line: number } {
  const fail = (message: string, cause?: unknown): InputError =>
    new InputError(message, { location: { file: path, line: lineNumber }, cause });
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw fail(`invalid JSON: ${(error as Error).message}`, error);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw fail('expected an object {"features": [...], "label": k}');
  }
  const { features, label } = value as { features?: unknown; label?: unknown };
  if (!Array.isArray(features) || features.length === 0 || !features.every((x) => typeof x === "number")) {
    throw fail('"features" must be a non-empty array of numbers');
  }
  if (typeof label !== "number" || !Number.isInteger(label) || label < 0) {
    throw fail(`"label" must be a non-negative integer, got ${JSON.stringify(label)}`);
  }
  return { features: features as number[], label, line: lineNumber };
}
