/**
 * Writing an SNN IR folder: binary files first (each atomically), snn.json last, so a folder
 * whose snn.json exists is complete. Same IR and arrays → same bytes: keys sorted, numbers as
 * JavaScript prints them, arrays stored as their little-endian bytes.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { SlmError } from "../errors.js";
import { sha256Hex } from "../util/canonical-json.js";
import { writeFileAtomic } from "../util/file-io.js";
import { arrayBytes, dtypeOf, shapeSize, type IrArray } from "./binary.js";
import { SNN_IR_FILE, type BinaryRef, type SnnIr } from "./ir.js";

/** Collects an IR folder's files as a converter produces them, then writes snn.json. */
export class IrFolderWriter {
  private readonly files = new Set<string>();

  /** `dir` is created if missing; it should be empty. */
  constructor(readonly dir: string) {}

  /** Writes `array` (shape `shape`) as `file` and returns its reference for snn.json. */
  async array(file: string, array: IrArray, shape: readonly number[]): Promise<BinaryRef> {
    if (shapeSize(shape) !== array.length) {
      throw new SlmError(`SNN IR file ${file}: ${array.length} values for shape [${shape.join(", ")}]`);
    }
    const bytes = arrayBytes(array);
    await this.write(file, bytes);
    return { file, dtype: dtypeOf(array), shape: [...shape], sha256: sha256Hex(bytes) };
  }

  /** Writes opaque bytes (a host layer's ONNX model) as `file`. */
  async blob(file: string, bytes: Uint8Array): Promise<{ file: string; sha256: string }> {
    await this.write(file, bytes);
    return { file, sha256: sha256Hex(bytes) };
  }

  /** Writes snn.json; the IR must refer only to files written through this writer. */
  async finish(ir: SnnIr): Promise<void> {
    await writeFileAtomic(join(this.dir, SNN_IR_FILE), formatSnnIr(ir));
  }

  private async write(file: string, bytes: Uint8Array): Promise<void> {
    if (file === SNN_IR_FILE || this.files.has(file)) throw new SlmError(`SNN IR: file name ${file} used twice`);
    this.files.add(file);
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, file), bytes);
  }
}

/** snn.json's text: keys sorted at every level, two-space indentation, a final newline. */
export function formatSnnIr(ir: SnnIr): string {
  return `${JSON.stringify(sortKeys(ir), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, v]) => [key, sortKeys(v)]));
}
