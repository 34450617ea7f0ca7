import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalModel, canonicalModelDigest } from "../../src/onnx/digest.js";
import { ALIGNMENT_BYTES, allTensors } from "../../src/onnx/external-data.js";
import { modelFromProto, readModel, serializeModel, writeModel, type OnnxModel } from "../../src/onnx/model.js";
import { TensorProto_DataType } from "../../src/onnx/proto/onnx_pb.js";
import { arrayToTensor } from "../../src/onnx/tensor.js";
import { expectSameBytes, GPT, MLP, reference, runOrt, tempDir, tinyAddModel } from "./helpers.js";

describe("written models run in onnxruntime-node exactly like the originals", () => {
  for (const [dir, path] of [
    ["brown-genre-mlp", MLP],
    ["gpt-relu-brown", GPT],
  ] as const) {
    it(`${dir}: read → write → run gives bit-identical outputs within the reference tolerance`, async () => {
      const ref = await reference(dir);
      const original = await runOrt(path, ref.feeds, ref.output);
      const out = join(await tempDir(), "model.onnx");
      await writeModel(await readModel(path), out);
      const written = await runOrt(out, ref.feeds, ref.output);
      expectSameBytes(written, original);
      const slice = written.subarray(ref.start, ref.start + ref.expected.length);
      ref.expected.forEach((value, i) => expect(Math.abs(slice[i]! - value)).toBeLessThanOrEqual(ref.tolerance));
    });
  }
});

describe("external data", () => {
  it("gpt-relu-brown with external data: onnxruntime and readModel load it; same outputs and digest", async () => {
    const dir = await tempDir();
    const inline = await readModel(GPT);
    const written = await writeModel(inline, join(dir, "model.onnx"), { externalData: { minBytes: 1024 } });
    expect(written.dataPath).toBe(join(dir, "model.onnx.data"));
    // The .onnx keeps the graph and small tensors only.
    expect((await stat(written.modelPath)).size).toBeLessThan(200_000);
    expect((await stat(written.dataPath!)).size).toBeGreaterThan(4_000_000);

    const ref = await reference("gpt-relu-brown");
    const expected = await runOrt(GPT, ref.feeds, ref.output);
    expectSameBytes(await runOrt(written.modelPath, ref.feeds, ref.output), expected);

    const reread = await readModel(written.modelPath);
    expect(reread.externalSources.size).toBeGreaterThan(0);
    for (const ref of reread.externalSources.values()) expect(ref.location).toBe("model.onnx.data");
    expect(canonicalModelDigest(reread)).toBe(canonicalModelDigest(inline));
    // Loaded external data makes the model self-contained again: the same bytes as the file.
    expectSameBytes(serializeModel(reread), await readFile(GPT));

    // The default policy writes tensors that came from external data back to external data.
    const again = await writeModel(reread, join(dir, "copy.onnx"));
    expect(again.dataPath).toBe(join(dir, "copy.onnx.data"));
    expectSameBytes(await runOrt(again.modelPath, ref.feeds, ref.output), expected);
  });

  it("writes the same bytes for the same model, and aligns tensors over 1 MiB to 64 KiB", async () => {
    const proto = tinyAddModel();
    const big = arrayToTensor("big", [3, 1 << 17], new Float32Array(3 << 17).fill(0.5), TensorProto_DataType.FLOAT); // 1.5 MiB
    proto.graph!.initializer.push(big);
    const model = modelFromProto(proto);
    const [a, b] = [await tempDir(), await tempDir()];
    const first = await writeModel(model, join(a, "m.onnx"), { externalData: { minBytes: 0 } });
    const second = await writeModel(model, join(b, "m.onnx"), { externalData: { minBytes: 0 } });
    expectSameBytes(await readFile(second.modelPath), await readFile(first.modelPath));
    expectSameBytes(await readFile(second.dataPath!), await readFile(first.dataPath!));

    const reread = await readModel(first.modelPath);
    const offsets = new Map([...reread.externalSources].map(([t, ref]) => [t.name, ref.offset]));
    expect(offsets.get("W")).toBe(0); // smallest first
    expect(offsets.get("big")! % ALIGNMENT_BYTES).toBe(0);
    expect(offsets.get("big")).toBe(ALIGNMENT_BYTES);
    expect(canonicalModelDigest(reread)).toBe(canonicalModelDigest(model));
    // Writing never changes the model it was given.
    expect(allTensors(model.proto).every((t) => t.externalData.length === 0 && t.rawData.length > 0)).toBe(true);
  });
});

describe("canonicalModelDigest", () => {
  async function variant(edit: (model: OnnxModel) => void): Promise<string> {
    const model = await readModel(MLP);
    edit(model);
    return canonicalModelDigest(model);
  }

  it("ignores producer and doc strings, but not weights or graph structure", async () => {
    const base = await variant(() => undefined);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(await variant((m) => (m.proto.producerName = "someone-else"))).toBe(base);
    expect(await variant((m) => (m.proto.producerVersion = "9.9"))).toBe(base);
    expect(await variant((m) => (m.proto.graph!.node[0]!.docString = "a note"))).toBe(base);
    expect(await variant((m) => (m.proto.graph!.initializer[0]!.docString = "a note"))).toBe(base);
    expect(await variant((m) => (m.proto.graph!.input[0]!.docString = "a note"))).toBe(base);
    expect(await variant((m) => (m.proto.graph!.docString = "a note"))).toBe(base);
    expect(await variant((m) => (m.proto.docString = "a note"))).toBe(base);
    expect(await variant((m) => (m.proto.graph!.initializer[1]!.rawData[0]! ^= 1))).not.toBe(base);
    expect(await variant((m) => (m.proto.graph!.node[1]!.opType = "Sigmoid"))).not.toBe(base);
    expect(await variant((m) => (m.proto.modelVersion = 2n))).not.toBe(base);
  });

  it("does not modify the model it digests", async () => {
    const model = await readModel(MLP);
    model.proto.producerName = "x";
    model.proto.graph!.node[0]!.docString = "kept";
    const before = serializeModel(model);
    canonicalModelDigest(model);
    expectSameBytes(serializeModel(model), before);
  });
});

describe("canonicalModel", () => {
  it("drops producer and doc strings, keeps the rest, and leaves its input alone", async () => {
    const model = await readModel(MLP);
    model.proto.graph!.initializer[0]!.docString = "note";
    const canonical = canonicalModel(model);
    expect(canonical.proto.producerName).toBe("");
    expect(canonical.proto.graph!.initializer[0]!.docString).toBe("");
    expect(canonical.proto.graph!.initializer[0]!.rawData).toBe(model.proto.graph!.initializer[0]!.rawData);
    expect(model.proto.producerName).toBe("pytorch");
    expect(model.proto.graph!.initializer[0]!.docString).toBe("note");
    expect(canonicalModelDigest(canonical)).toBe(canonicalModelDigest(model));
  });

  it("carries where external data came from over to the canonical tensors", async () => {
    const dir = await tempDir();
    const proto = tinyAddModel();
    proto.graph!.initializer[0]!.docString = "changes the tensor object";
    const written = await writeModel(modelFromProto(proto), join(dir, "m.onnx"), { externalData: { minBytes: 0 } });
    const canonical = canonicalModel(await readModel(written.modelPath));
    const weight = canonical.proto.graph!.initializer[0]!;
    expect(canonical.externalSources.get(weight)).toEqual({ location: "m.onnx.data", offset: 0, length: 16 });
  });
});
