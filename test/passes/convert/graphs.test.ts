/**
 * The converter on other graphs: QDQ int8 models from the real quantize pass (integer weights
 * kept), a GELU MLP (host op, or spiking when approximated), a model with nothing to convert,
 * and gpt-relu-brown (hybrid: spiking FFNs, the rest on the host as ONNX models onnxruntime runs).
 */
import { create } from "@bufbuild/protobuf";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.js";
import {
  arrayToTensor,
  DataType,
  GraphProtoSchema,
  modelFromProto,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  readModel,
  serializeModel,
  tensorToArray,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type NodeProto,
  type ValueInfoProto,
} from "../../../src/onnx/index.js";
import { quantizePass } from "../../../src/passes/quantize/index.js";
import type { DenseLayer, HostLayer } from "../../../src/snn/ir.js";
import { convertKind } from "../../../src/passes/convert/index.js";
import { classifierStats, convert, convertParams, lmStats, LM, MLP, stageContext, tempDir } from "./rig.js";

function floatValue(name: string, dims: (number | string)[]): ValueInfoProto {
  const shape = { dim: dims.map((d) => ({ value: typeof d === "number" ? { case: "dimValue" as const, value: BigInt(d) } : { case: "dimParam" as const, value: d } })) };
  const tensorType = create(TypeProto_TensorSchema, { elemType: DataType.FLOAT, shape });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: "tensorType", value: tensorType } }) });
}

const node = (opType: string, input: string[], output: string[], name: string): NodeProto => create(NodeProtoSchema, { opType, input, output, name });

/** Writes a classifier-shaped model (features [batch, 1024] → logits [batch, 15]) and returns its path. */
function writeClassifier(nodes: NodeProto[], initializers: [string, number[], Float32Array][]): string {
  const graph = create(GraphProtoSchema, {
    name: "test",
    node: nodes,
    initializer: initializers.map(([name, dims, values]) => arrayToTensor(name, dims, values, DataType.FLOAT)),
    input: [floatValue("features", ["batch", 1024])],
    output: [floatValue("logits", ["batch", 15])],
  });
  const proto = create(ModelProtoSchema, { irVersion: 7n, opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: 14n })], graph });
  const path = join(tempDir("graph"), "model.onnx");
  writeFileSync(path, serializeModel(modelFromProto(proto)));
  return path;
}

/** Seeded values in [−scale, scale]. */
function values(n: number, seed: number, scale: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 2 * scale;
  });
}

/** features → MatMul → Add → GELU (erf form, as torch exports it) → MatMul → Add → logits. */
function geluMlp(): string {
  return writeClassifier(
    [
      node("MatMul", ["features", "w1"], ["h"], "/fc1/MatMul"),
      node("Add", ["h", "b1"], ["a"], "/fc1/Add"),
      node("Div", ["a", "sqrt2"], ["d"], "/act/Div"),
      node("Erf", ["d"], ["e"], "/act/Erf"),
      node("Add", ["e", "one"], ["e1"], "/act/Add"),
      node("Mul", ["a", "e1"], ["m"], "/act/Mul"),
      node("Mul", ["m", "half"], ["g"], "/act/Mul_1"),
      node("MatMul", ["g", "w2"], ["o"], "/fc2/MatMul"),
      node("Add", ["o", "b2"], ["logits"], "/fc2/Add"),
    ],
    [
      ["w1", [1024, 32], values(1024 * 32, 1, 0.5)],
      ["b1", [32], values(32, 2, 0.1)],
      ["w2", [32, 15], values(32 * 15, 3, 0.5)],
      ["b2", [15], values(15, 4, 0.1)],
      ["sqrt2", [], Float32Array.of(Math.SQRT2)],
      ["one", [], Float32Array.of(1)],
      ["half", [], Float32Array.of(0.5)],
    ],
  );
}

async function quantized(mode: "weight-only" | "static" | "int4"): Promise<string> {
  const { ctx } = stageContext("quantize");
  const common = { symmetric: true, op_types: ["MatMul", "Gemm"], include: [], exclude: [] };
  const params =
    mode === "int4"
      ? { mode: "weight-only", bits: 4, block_size: 32, format: "matmulnbits", ...common }
      : {
          mode,
          bits: 8,
          granularity: "per-channel",
          reduce_range: false,
          ...common,
          ...(mode === "static" ? { activation_type: "uint8", calibration: { method: "percentile", percentile: 99.999 }, activation_matmuls: false } : {}),
        };
  const inputs = { model: MLP, ...(mode === "static" ? { calibration: await classifierStats() } : {}) };
  const result = await quantizePass.kind.run(ctx, inputs, params);
  return join(ctx.workDir, result.outputs["model.onnx"]!);
}

describe("quantized models", () => {
  it("weight-only int8 (per output channel): the IR keeps the integers and their scales", async () => {
    const model = await quantized("weight-only");
    const { loaded } = await convert(model, await classifierStats(model));
    const fc1 = loaded.ir.layers[1] as DenseLayer;
    expect(fc1.weight).toMatchObject({ dtype: "int8", shape: [1024, 256], scale: { dtype: "float32", shape: [256] } });
    expect(fc1.source.nodes).toContain("fc1.weight_DequantizeLinear");
    const graph = (await readModel(model)).proto.graph!;
    const tensor = (name: string) => tensorToArray(graph.initializer.find((t) => t.name === name)!);
    const q = tensor("fc1.weight_quantized") as Int8Array; // [256, 1024], Gemm transB
    const scale = tensor("fc1.weight_scale") as Float32Array;
    const stored = loaded.arrays.get(fc1.weight.file) as Int8Array;
    for (const [i, j] of [[0, 0], [1023, 255], [100, 7]] as const) expect(stored[i * 256 + j]).toBe(q[j * 1024 + i]);
    expect(loaded.arrays.get((fc1.weight.scale as { file: string }).file)).toEqual(scale);
  });

  it("static QDQ: activation quantize/dequantize pairs are absorbed, nothing runs on the host", async () => {
    const model = await quantized("static");
    const { loaded } = await convert(model, await classifierStats(model));
    expect(loaded.ir.layers.map((layer) => layer.type)).toEqual(["encoder", "spiking", "spiking", "readout"]);
    const fc2 = loaded.ir.layers[2] as DenseLayer;
    expect(fc2.input).toBe("/relu1/Relu_output_0");
    expect(fc2.weight.dtype).toBe("int8");
    expect(fc2.source.nodes).toEqual(expect.arrayContaining(["/relu1/Relu_output_0_QuantizeLinear", "/relu1/Relu_output_0_DequantizeLinear", "/fc2/Gemm", "/relu2/Relu"]));
  });

  it("4-bit MatMulNBits weights cannot spike: a warning says why, and with nothing left to spike, an input error", async () => {
    const model = await quantized("int4");
    const { ctx, warnings } = stageContext("convert-int4");
    await expect(convertKind.run(ctx, { model, calibration: await classifierStats(model) }, convertParams())).rejects.toThrow("no layer that can spike");
    expect(warnings).toEqual([expect.stringContaining("3 MatMulNBits node(s) run on the host")]);
  });
});

describe("activations other than ReLU", () => {
  it("a GELU MLP has no spiking layer unless GELU is approximated by ReLU", async () => {
    const model = geluMlp();
    const stats = await classifierStats(model);
    await expect(convert(model, stats)).rejects.toThrow("none followed by ReLU");
    const { loaded } = await convert(model, stats, { approximate_gelu: true });
    expect(loaded.ir.layers.map((layer) => [layer.type, layer.name])).toEqual([
      ["encoder", "encoder:features"],
      ["spiking", "fc1"],
      ["readout", "fc2"],
    ]);
    const fc1 = loaded.ir.layers[1] as DenseLayer;
    expect(fc1.output).toBe("g");
    expect(fc1.source).toEqual({
      nodes: ["/fc1/MatMul", "/fc1/Add", "/act/Div", "/act/Erf", "/act/Add", "/act/Mul", "/act/Mul_1"],
      approximations: ["GELU after fc1 runs as ReLU"],
    });
  });

  it("a model with no MatMul/Gemm followed by ReLU is an input error", async () => {
    const model = writeClassifier([node("Gemm", ["features", "w", "b"], ["logits"], "/fc/Gemm")], [
      ["w", [1024, 15], values(1024 * 15, 5, 0.1)],
      ["b", [15], values(15, 6, 0.1)],
    ]);
    const error = await convert(model, await classifierStats(model)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain("no layer that can spike");
  });
});

describe("gpt-relu-brown", () => {
  it("spiking FFNs (fc → ReLU spiking, fc_out read out) between host segments that onnxruntime loads", async () => {
    const { loaded, metrics } = await convert(LM, await lmStats());
    const { ir } = loaded;
    const shape = ir.layers.map((layer) => layer.type);
    expect(shape).toEqual(["host", ...Array.from({ length: 4 }, () => ["encoder", "spiking", "readout", "host"]).flat()]);
    expect(ir.layers.filter((l) => l.type === "spiking").map((l) => l.name)).toEqual(["blocks.0/fc", "blocks.1/fc", "blocks.2/fc", "blocks.3/fc"]);
    expect(ir.layers[3]).toMatchObject({ type: "readout", name: "blocks.0/fc_out", inFeatures: 512, outFeatures: 128, output: "/blocks.0/fc_out/Add_output_0" });
    const host0 = ir.layers[0] as HostLayer;
    expect(host0.inputs).toEqual([{ name: "input_ids", dtype: "INT64" }]);
    // Attention (QKᵀ, softmax, attention·V), LayerNorm and the embeddings run on the host.
    expect(host0.ops).toMatchObject({ Softmax: 1, MatMul: 4, Gather: expect.any(Number), ReduceMean: 4 });
    expect(host0.macProbes).toHaveLength(4);
    const host1 = ir.layers[4] as HostLayer;
    expect(host1.inputs.map((i) => i.name).sort()).toEqual(["/blocks.0/Add_output_0", "/blocks.0/fc_out/Add_output_0"]);
    expect((ir.layers[16] as HostLayer).outputs[0]).toEqual({ name: "logits", dtype: "FLOAT" });
    for (const layer of ir.layers) {
      if (layer.type !== "host") continue;
      const session = await ort.InferenceSession.create(loaded.blobs.get(layer.model.file)!);
      expect(session.inputNames).toEqual(layer.inputs.map((i) => i.name));
      await session.release();
    }
    expect(metrics).toMatchObject({ spikingLayers: 4, readoutLayers: 4, encoders: 4, hostLayers: 5 });
  });
});
