/**
 * Reading an SNN IR folder, trusting nothing: snn.json must parse and match the schema, every
 * file it names must exist with the promised size and sha256, float arrays must be finite,
 * per-channel arrays must have one value per neuron, and every layer must read tensors that an
 * earlier layer (or the graph's inputs) provides, of the right kind. Each failure is an
 * InputError naming snn.json's field and, where it applies, the file.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { ErrorObject } from "ajv";
import { InputError } from "../errors.js";
import { sha256Hex } from "../util/canonical-json.js";
import { bytesToArray, dtypeSize, shapeSize, type IrArray } from "./binary.js";
import { snnIrSchema } from "./ir-schema.js";
import { SNN_IR_FILE, type BinaryRef, type SnnIr } from "./ir.js";
import { checkTopology } from "./ir-topology.js";

/** An IR with its files loaded and checked. */
export interface LoadedSnnIr {
  readonly ir: SnnIr;
  readonly dir: string;
  /** Binary arrays by file name. */
  readonly arrays: ReadonlyMap<string, IrArray>;
  /** Host layers' ONNX models by file name. */
  readonly blobs: ReadonlyMap<string, Uint8Array>;
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validator: Validate | undefined;

/** Reads and checks the IR folder `dir`. */
export async function readSnnIr(dir: string): Promise<LoadedSnnIr> {
  const jsonPath = join(dir, SNN_IR_FILE);
  const fail = (message: string): InputError => new InputError(`SNN IR: ${message}`, { location: { file: jsonPath } });
  let text: string;
  try {
    text = await readFile(jsonPath, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === "ENOENT" ? `${dir} holds no ${SNN_IR_FILE}` : `cannot read ${SNN_IR_FILE} (${code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw fail(`${SNN_IR_FILE} is not valid JSON: ${(error as Error).message}`);
  }
  validator ??= compileSchema();
  if (!validator(value)) {
    throw fail((validator.errors ?? []).slice(0, 5).map(describeSchemaError).join("; "));
  }
  const ir = value as SnnIr;
  const arrays = new Map<string, IrArray>();
  const blobs = new Map<string, Uint8Array>();
  const readChecked = async (field: string, file: string, sha256: string): Promise<Uint8Array> => {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(join(dir, file));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw fail(`${field} names file ${file}, which ${code === "ENOENT" ? "does not exist" : `cannot be read (${code})`}`);
    }
    if (sha256Hex(bytes) !== sha256) throw fail(`${field}: file ${file} does not match its sha256 (corrupt or replaced)`);
    return bytes;
  };
  const loadArray = async (field: string, ref: BinaryRef): Promise<void> => {
    if (arrays.has(ref.file)) throw fail(`${field} names file ${ref.file}, which another field already uses`);
    const bytes = await readChecked(field, ref.file, ref.sha256);
    const expected = shapeSize(ref.shape) * dtypeSize(ref.dtype);
    if (bytes.length !== expected) {
      throw fail(`${field}: file ${ref.file} has ${bytes.length} bytes, but ${ref.dtype} [${ref.shape.join(", ")}] needs ${expected}`);
    }
    const array = bytesToArray(bytes, ref.dtype);
    if (array instanceof Float32Array) {
      const bad = array.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw fail(`${field}: file ${ref.file} holds a non-finite value (${array[bad]}) at element ${bad}`);
    }
    arrays.set(ref.file, array);
  };
  for (const [index, layer] of ir.layers.entries()) {
    const at = `layers[${index}]`;
    if (layer.type === "host") {
      if (blobs.has(layer.model.file)) throw fail(`${at}.model names file ${layer.model.file}, which another host layer uses`);
      blobs.set(layer.model.file, await readChecked(`${at}.model`, layer.model.file, layer.model.sha256));
      continue;
    }
    for (const [field, ref] of binaryFields(layer)) await loadArray(`${at}.${field}`, ref);
  }
  checkTopology(ir, arrays, fail);
  return { ir, dir, arrays, blobs };
}

/** Every binary array a non-host layer refers to, with its field path. */
function binaryFields(layer: SnnIr["layers"][number]): [string, BinaryRef][] {
  const out: [string, BinaryRef][] = [];
  const add = (field: string, value: unknown): void => {
    if (typeof value === "object" && value !== null && "file" in value) out.push([field, value as BinaryRef]);
  };
  if (layer.type === "host") return out;
  if (layer.type !== "encoder") {
    add("weight", layer.weight);
    add("weight.scale", layer.weight.scale);
    add("bias", layer.bias);
    if (layer.spikeNeuron && layer.spikeNeuron.model !== "sigma-delta") add("spikeNeuron.threshold", layer.spikeNeuron.threshold);
  }
  const neuron = layer.neuron;
  if (neuron) add(neuron.model === "sigma-delta" ? "neuron.scale" : "neuron.threshold", neuron.model === "sigma-delta" ? neuron.scale : neuron.threshold);
  return out;
}

function compileSchema(): Validate {
  // Loaded on first use: only the stages that read an IR pay for ajv.
  const require = createRequire(import.meta.url);
  const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  return new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(snnIrSchema) as Validate;
}

/** `layers[2].weight.sha256 must match pattern "^[0-9a-f]{64}$"` from an ajv error. */
function describeSchemaError(error: ErrorObject): string {
  const path = error.instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((text, part) => (/^\d+$/.test(part) ? `${text}[${part}]` : text === "" ? part : `${text}.${part}`), "");
  const where = path === "" ? SNN_IR_FILE : path;
  if (error.keyword === "additionalProperties") {
    return `${where} has an unknown field '${(error.params as { additionalProperty: string }).additionalProperty}'`;
  }
  if (error.keyword === "const" || error.keyword === "enum") {
    const allowed = error.keyword === "const" ? [(error.params as { allowedValue: unknown }).allowedValue] : (error.params as { allowedValues: unknown[] }).allowedValues;
    return `${where} must be ${allowed.map((v) => JSON.stringify(v)).join(" or ")}`;
  }
  return `${where} ${error.message ?? "is invalid"}`;
}
