/**
 * The import stage on models as older exporters wrote them: IR < 4, every initializer also
 * listed among the graph inputs (where it is a constant).
 */
import { create } from "@bufbuild/protobuf";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  NodeProtoSchema,
  readModel,
  ValueInfoProtoSchema,
  writeModel,
  type TensorProto,
} from "../../src/onnx/index.js";
import { importKind } from "../../src/stages/import.js";

const MLP = join(import.meta.dirname, "../../models/brown-genre-mlp/model.onnx");
const root = mkdtempSync(join(tmpdir(), "slm-import-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function inputOf(tensor: TensorProto) {
  const dim = tensor.dims.map((d) => ({ value: { case: "dimValue" as const, value: d } }));
  return create(ValueInfoProtoSchema, { name: tensor.name, type: { value: { case: "tensorType", value: { elemType: tensor.dataType, shape: { dim } } } } });
}

async function imported(irVersion: bigint, label: string): Promise<{ source: string; output: string }> {
  const model = await readModel(MLP);
  model.proto.irVersion = irVersion;
  const graph = model.proto.graph!;
  graph.input.push(...graph.initializer.map(inputOf));
  const source = join(root, `${label}.onnx`);
  await writeModel(model, source);
  const workDir = mkdtempSync(join(root, `${label}-work-`));
  await importKind.run({ projectDir: root, workDir, signal: new AbortController().signal, warn: () => {} }, { model: source }, {});
  return { source, output: join(workDir, "model.onnx") };
}

describe("import", () => {
  it("an IR 3 model's initializers leave the graph inputs (IR 4, same meaning, same outputs)", async () => {
    const { source, output } = await imported(3n, "ir3");
    const model = await readModel(output);
    expect(model.proto.irVersion).toBe(4n);
    expect(model.proto.graph!.input.map((v) => v.name)).toEqual(["features"]);
    const features = new ort.Tensor("float32", Float32Array.from({ length: 2 * 1024 }, (_, i) => (i % 7) / 7), [2, 1024]);
    const before = await ort.InferenceSession.create(source);
    const after = await ort.InferenceSession.create(output);
    expect(after.inputNames).toEqual(["features"]);
    const [a, b] = [await before.run({ features }), await after.run({ features })];
    expect(Array.from(b[after.outputNames[0]!]!.data as Float32Array)).toEqual(Array.from(a[before.outputNames[0]!]!.data as Float32Array));
  });

  it("Constant nodes holding weights (exports without constant folding) become initializers", async () => {
    const model = await readModel(MLP);
    const graph = model.proto.graph!;
    const weights = graph.initializer.map((t) => t.name);
    graph.node.unshift(
      ...graph.initializer.map((tensor) =>
        create(NodeProtoSchema, { opType: "Constant", name: `const_${tensor.name}`, output: [tensor.name], attribute: [create(AttributeProtoSchema, { name: "value", type: AttributeProto_AttributeType.TENSOR, t: tensor })] }),
      ),
    );
    graph.initializer = [];
    const source = join(root, "constants.onnx");
    await writeModel(model, source);
    const workDir = mkdtempSync(join(root, "constants-work-"));
    await importKind.run({ projectDir: root, workDir, signal: new AbortController().signal, warn: () => {} }, { model: source }, {});
    const imported = await readModel(join(workDir, "model.onnx"));
    expect(imported.proto.graph!.initializer.map((t) => t.name)).toEqual(weights);
    expect(imported.proto.graph!.node.some((node) => node.opType === "Constant")).toBe(false);
    const features = new ort.Tensor("float32", Float32Array.from({ length: 1024 }, (_, i) => (i % 5) / 5), [1, 1024]);
    const [before, after] = [await ort.InferenceSession.create(source), await ort.InferenceSession.create(join(workDir, "model.onnx"))];
    const [a, b] = [await before.run({ features }), await after.run({ features })];
    expect(Array.from(b[after.outputNames[0]!]!.data as Float32Array)).toEqual(Array.from(a[before.outputNames[0]!]!.data as Float32Array));
  });

  it("from IR 4 an initializer listed as an input stays an input (a default the caller may override)", async () => {
    const { output } = await imported(7n, "ir7");
    const model = await readModel(output);
    expect(model.proto.irVersion).toBe(7n);
    expect(model.proto.graph!.input.length).toBe(1 + model.proto.graph!.initializer.length);
  });
});
