/**
 * The SNN IR's writer and reader: deterministic bytes, a lossless round trip, the checked-in
 * schema file in step with the code, and hostile folders refused with an InputError that names
 * the field and the file.
 */
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { sha256Hex } from "../../src/util/canonical-json.js";
import { snnIrSchemaText } from "../../src/snn/ir-schema.js";
import { readSnnIr } from "../../src/snn/ir-read.js";
import { formatSnnIr, IrFolderWriter } from "../../src/snn/ir-write.js";
import type { DenseLayer, SnnIr } from "../../src/snn/ir.js";
import { tempDir, tinyIr, type TinySpec } from "./tiny-ir.js";

const SPEC: TinySpec = {
  encoding: { type: "rate", timesteps: 16 },
  rate: { model: "lif", leak: 0.125, reset: "subtract", initialPotential: 0.5 },
  encoderThreshold: [1, 0.5, 0.25],
  inputs: 3,
  layers: [
    { type: "spiking", weight: [[1, -0.5], [0.25, 1], [0.5, 0.5]], bias: [0, 0.25], threshold: [0.75, 1.5], int8Scale: 0.25 },
    { type: "readout", weight: [[1], [0.5]] },
  ],
};

/** A copy of a valid IR folder with `edit` applied to its snn.json (and files), read back. */
async function tampered(edit: (ir: SnnIr, dir: string) => void): Promise<unknown> {
  const source = await tinyIr(SPEC);
  const dir = tempDir("ir-hostile");
  cpSync(source.dir, dir, { recursive: true });
  const ir = JSON.parse(readFileSync(join(dir, "snn.json"), "utf8")) as SnnIr;
  edit(ir, dir);
  writeFileSync(join(dir, "snn.json"), JSON.stringify(ir));
  return readSnnIr(dir).then(
    () => new Error("read without complaint"),
    (error: unknown) => error,
  );
}

/** Replaces a file's bytes and fixes its digest in snn.json, so only the content is wrong. */
function replaceFile(ir: SnnIr, dir: string, file: string, bytes: Uint8Array): void {
  writeFileSync(join(dir, file), bytes);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if (record.file === file) record.sha256 = sha256Hex(bytes);
      Object.values(record).forEach(visit);
    }
  };
  visit(ir);
}

function expectInputError(error: unknown, ...fragments: string[]): void {
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).exitCode).toBe(2);
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

describe("writing and reading", () => {
  it("round-trips: reading a folder and writing its IR again gives the same bytes", async () => {
    const loaded = await tinyIr(SPEC);
    const text = readFileSync(join(loaded.dir, "snn.json"), "utf8");
    expect(formatSnnIr(loaded.ir)).toBe(text);
    // Arrays come back with their type and values.
    const weight = (loaded.ir.layers[1] as DenseLayer).weight;
    expect(weight).toMatchObject({ dtype: "int8", shape: [3, 2], scale: 0.25 });
    expect(Array.from(loaded.arrays.get(weight.file)!)).toEqual([4, -2, 1, 4, 2, 2]);
    // Rewriting every file from the loaded arrays reproduces the folder byte for byte.
    const copy = tempDir("ir-copy");
    const writer = new IrFolderWriter(copy);
    for (const [file, array] of loaded.arrays) await writer.array(file, array, [array.length]);
    await writer.finish(loaded.ir);
    for (const file of readdirSync(loaded.dir)) expect(readFileSync(join(copy, file))).toEqual(readFileSync(join(loaded.dir, file)));
  });

  it("writes keys sorted, so the same IR built in another order gives the same text", async () => {
    const loaded = await tinyIr(SPEC);
    const reversed = JSON.parse(JSON.stringify(loaded.ir), (_key, value: unknown) =>
      value && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value,
    ) as SnnIr;
    expect(formatSnnIr(reversed)).toBe(formatSnnIr(loaded.ir));
  });

  it("schemas/snn-ir.schema.json is the schema the reader uses", () => {
    const checkedIn = readFileSync(fileURLToPath(new URL("../../schemas/snn-ir.schema.json", import.meta.url)), "utf8");
    expect(checkedIn).toBe(snnIrSchemaText());
  });
});

describe("hostile IR folders", () => {
  it("a folder without snn.json", async () => {
    expectInputError(await readSnnIr(tempDir("empty")).catch((e: unknown) => e), "holds no snn.json");
  });

  it("snn.json that is not JSON", async () => {
    const dir = tempDir("bad-json");
    writeFileSync(join(dir, "snn.json"), "{ not json");
    expectInputError(await readSnnIr(dir).catch((e: unknown) => e), "not valid JSON");
  });

  it("timesteps 0, an unknown field, a bad dtype: schema errors naming the field", async () => {
    expectInputError(await tampered((ir) => ((ir.encoding as { timesteps: number }).timesteps = 0)), "encoding.timesteps must be >= 1");
    expectInputError(await tampered((ir) => ((ir as unknown as Record<string, unknown>).extra = 1)), "unknown field 'extra'");
    expectInputError(
      await tampered((ir) => ((ir.layers[1] as { weight: { dtype: string } }).weight.dtype = "float64")),
      "layers[1].weight.dtype must be",
    );
  });

  it("a file name that leaves the folder", async () => {
    expectInputError(await tampered((ir) => ((ir.layers[1] as { weight: { file: string } }).weight.file = "../etc/passwd")), "layers[1].weight.file must match pattern");
  });

  it("a missing file, a corrupt file, a file of the wrong size", async () => {
    expectInputError(await tampered((_ir, dir) => rmSync(join(dir, "layer0.weight.bin"))), "layers[1].weight names file layer0.weight.bin, which does not exist");
    expectInputError(
      await tampered((_ir, dir) => writeFileSync(join(dir, "layer0.bias.bin"), new Uint8Array(8))),
      "layers[1].bias: file layer0.bias.bin does not match its sha256",
    );
    expectInputError(
      await tampered((ir, dir) => replaceFile(ir, dir, "layer0.bias.bin", new Uint8Array(12))),
      "layers[1].bias: file layer0.bias.bin has 12 bytes, but float32 [2] needs 8",
    );
  });

  it("NaN in a float file, a negative per-channel threshold", async () => {
    expectInputError(
      await tampered((ir, dir) => replaceFile(ir, dir, "layer0.bias.bin", new Uint8Array(Float32Array.of(0, Number.NaN).buffer))),
      "layer0.bias.bin holds a non-finite value (NaN) at element 1",
    );
    expectInputError(
      await tampered((ir, dir) => replaceFile(ir, dir, "layer0.threshold.bin", new Uint8Array(Float32Array.of(0.75, -1).buffer))),
      "layers[1].neuron.threshold: file layer0.threshold.bin holds -1 at element 1",
    );
  });

  it("a layer reading a stream nobody provides, the wrong weight shape, a tensor written twice", async () => {
    expectInputError(await tampered((ir) => ((ir.layers[2] as { input: string }).input = "nowhere")), "layers[2].input 'nowhere' is not a spike stream");
    expectInputError(await tampered((ir) => ((ir.layers[2] as { inFeatures: number }).inFeatures = 3)), "layers[2].inFeatures is 3 but its input stream");
    expectInputError(await tampered((ir) => ((ir.layers[2] as { output: string }).output = "x")), "writes tensor 'x', which an earlier layer or a graph input already provides");
  });

  it("a neuron model that does not fit the encoding, a graph output nobody makes", async () => {
    expectInputError(await tampered((ir) => (ir.encoding = { type: "sigma-delta", timesteps: 1, theta: 0.1 })), "does not fit the network's sigma-delta encoding");
    expectInputError(await tampered((ir) => (ir.outputs[0]!.name = "missing")), "outputs[0] 'missing' is not produced by any layer");
  });
});
