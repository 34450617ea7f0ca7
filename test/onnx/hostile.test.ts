import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { modelFromProto, readModel, writeModel } from "../../src/onnx/model.js";
import { ModelProtoSchema, StringStringEntryProtoSchema } from "../../src/onnx/proto/onnx_pb.js";
import { GPT, tempDir, tinyAddModel, valuesOf } from "./helpers.js";

async function expectInputError(promise: Promise<unknown>, ...fragments: (string | RegExp)[]): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  const message = (error as InputError).message;
  for (const fragment of fragments) expect(message).toMatch(fragment);
  return error as InputError;
}

describe("hostile model files", () => {
  it("truncated: the first 1000 bytes of a model", async () => {
    const path = join(await tempDir(), "cut.onnx");
    await writeFile(path, (await readFile(GPT)).subarray(0, 1000));
    await expectInputError(readModel(path), path, /not a valid ONNX model \(truncated: protobuf parse failed at byte \d+: /);
  });

  it("random bytes", async () => {
    const path = join(await tempDir(), "noise.onnx");
    // Deterministic "random" bytes: a sha256 chain.
    const blocks: Buffer[] = [];
    for (let block = createHash("sha256").update("slm").digest(); blocks.length < 128; block = createHash("sha256").update(block).digest()) {
      blocks.push(block);
    }
    await writeFile(path, Buffer.concat(blocks));
    await expectInputError(readModel(path), path, /not a valid ONNX model \(.*protobuf parse failed at byte \d+/);
  });

  it("an empty file, a missing file, a folder, and protobuf without a graph", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "empty.onnx"), new Uint8Array(0));
    await expectInputError(readModel(join(dir, "empty.onnx")), join(dir, "empty.onnx"), "empty file (0 bytes)");
    await expectInputError(readModel(join(dir, "absent.onnx")), join(dir, "absent.onnx"), "no such file");
    await expectInputError(readModel(dir), dir, "is a directory");
    const noGraph = join(dir, "no-graph.onnx");
    await writeFile(noGraph, toBinary(ModelProtoSchema, create(ModelProtoSchema, { irVersion: 7n, producerName: "x" })));
    await expectInputError(readModel(noGraph), noGraph, "has no graph");
  });
});

describe("hostile external data", () => {
  /** Writes the tiny model with W as external data, then rewrites W's external_data entries. */
  async function tampered(entries: Record<string, string>): Promise<{ dir: string; path: string }> {
    const dir = await tempDir();
    const path = join(dir, "model.onnx");
    await writeModel(modelFromProto(tinyAddModel()), path, { externalData: { minBytes: 0 } });
    const proto = fromBinary(ModelProtoSchema, await readFile(path));
    const weight = proto.graph!.initializer[0]!;
    const current = Object.fromEntries(weight.externalData.map((e) => [e.key, e.value]));
    weight.externalData = Object.entries({ ...current, ...entries }).map(([key, value]) =>
      create(StringStringEntryProtoSchema, { key, value }),
    );
    await writeFile(path, toBinary(ModelProtoSchema, proto));
    return { dir, path };
  }

  it("reads the untampered file, and a data file whose name merely starts with '..'", async () => {
    const { path } = await tampered({});
    const model = await readModel(path);
    expect(valuesOf(model.proto.graph!.initializer[0]!)).toEqual([1, 2, 3, 4]);
    const dotted = await tampered({ location: "..weights.bin" });
    await rename(join(dotted.dir, "model.onnx.data"), join(dotted.dir, "..weights.bin"));
    expect(valuesOf((await readModel(dotted.path)).proto.graph!.initializer[0]!)).toEqual([1, 2, 3, 4]);
  });

  it("refuses a location with '..'", async () => {
    const { dir, path } = await tampered({ location: "../outside.bin" });
    await writeFile(join(dir, "..", "outside.bin"), new Uint8Array(16));
    await expectInputError(readModel(path), path, "tensor 'W'", "'../outside.bin'", "escapes the model's folder");
  });

  it("refuses an absolute location", async () => {
    const outside = join(await tempDir(), "abs.bin");
    await writeFile(outside, new Uint8Array(16));
    const { path } = await tampered({ location: outside });
    await expectInputError(readModel(path), path, "tensor 'W'", outside, "is an absolute path");
  });

  it("refuses a symlink that resolves outside the folder, and follows one that stays inside", async () => {
    const outside = join(await tempDir(), "target.bin");
    await writeFile(outside, new Uint8Array(16));
    const { dir, path } = await tampered({ location: "escape.bin" });
    await symlink(outside, join(dir, "escape.bin"));
    await expectInputError(readModel(path), path, "tensor 'W'", "'escape.bin'", "outside the model's folder");

    const inside = await tampered({ location: "sub/linked.bin" });
    await mkdir(join(inside.dir, "sub"));
    await symlink(join(inside.dir, "model.onnx.data"), join(inside.dir, "sub", "linked.bin"));
    expect((await readModel(inside.path)).externalSources.size).toBe(1);
  });

  it("reports a missing data file", async () => {
    const { dir, path } = await tampered({});
    await rename(join(dir, "model.onnx.data"), join(dir, "moved.data"));
    await expectInputError(readModel(path), path, "tensor 'W'", "'model.onnx.data' is missing");
  });

  it("reports a length or offset beyond the end of the file", async () => {
    const long = await tampered({ length: "1000" });
    await expectInputError(readModel(long.path), long.path, "tensor 'W'", "too short", "file has 16");
    const late = await tampered({ offset: "64" });
    await expectInputError(readModel(late.path), late.path, "tensor 'W'", "offset 64 is beyond the end");
  });

  it("reports a length that does not match the tensor's dims, and malformed numbers", async () => {
    const short = await tampered({ length: "8" });
    await expectInputError(readModel(short.path), short.path, "tensor 'W'", "holds 8 bytes but dims [2, 2] of FLOAT need 16");
    const bad = await tampered({ offset: "0x10" });
    await expectInputError(readModel(bad.path), bad.path, "tensor 'W'", "offset '0x10' is not a non-negative integer");
  });

  it("refuses external data when parsing bytes without a folder", async () => {
    const { path } = await tampered({});
    const proto = fromBinary(ModelProtoSchema, await readFile(path));
    expect(() => modelFromProto(proto, path)).toThrow(/tensor 'W' uses external data/);
  });
});
