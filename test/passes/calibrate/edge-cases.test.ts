/** The calibrate stage on hand-built models: no calibrated ops, a dead layer, non-finite values, a wrong interface. */
import { describe, expect, test } from "vitest";
import { InputError } from "../../../src/errors.js";
import { create } from "@bufbuild/protobuf";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  readModel,
  TensorProto_DataType,
  TensorShapeProto_DimensionSchema,
  writeModel,
  type TypeProto_Tensor,
} from "../../../src/onnx/index.js";
import { calibrate, calibrationIds, MLP, MLP_DIR, params, tempDir } from "./rig.js";
import { node, value, writeJsonl, writeTinyModel } from "./tiny-models.js";

const ROWS = [
  [0, 0.5, -1, 2],
  [1, -0.25, 0, 0],
  [3, 1, -2, 0.125],
];

describe("calibrate on models without MatMul, Gemm, Conv or Relu", () => {
  test("observes the graph input and output", async () => {
    const dir = tempDir();
    const model = await writeTinyModel(dir, "tanh", { nodes: [node("Tanh", ["X"], ["Y"])], input: value("X", 4), output: value("Y", 4) });
    const run = await calibrate({ model, data: writeJsonl(dir, "data.jsonl", ROWS) }, params({ task: "classifier", batch: 2 }));
    expect(Object.keys(run.stats.tensors)).toEqual(["X", "Y"]);
    expect(run.stats.tensors.X).toMatchObject({ count: 12, min: -2, max: 3, zeroFraction: 3 / 12, histogram: { range: 4 } });
    const y = run.stats.tensors.Y!;
    expect(y).toMatchObject({ count: 12, zeroFraction: 3 / 12, histogram: { range: 1 } });
    expect(y.min).toBeCloseTo(Math.tanh(-2), 6);
    expect(y.max).toBeCloseTo(Math.tanh(3), 6);
    // Neither feeds a MatMul or Gemm.
    expect(run.stats.tensors.X!.channelSquareSums).toBeUndefined();
  });
});

describe("a model with external data", () => {
  test("is calibrated, and the temporary augmented model and its data file are removed", async () => {
    const dir = tempDir();
    const model = join(dir, "mlp.onnx");
    await writeModel(await readModel(MLP), model, { externalData: { minBytes: 1024 } });
    expect(existsSync(`${model}.data`)).toBe(true);
    const run = await calibrate({ model, data: join(MLP_DIR, "calib.jsonl") }, params({ task: "classifier", samples: 16 }));
    expect(run.files).toEqual(["stats.json"]);
    expect(run.stats.tensors["/relu2/Relu_output_0"]!.count).toBe(16 * 128);
  });
});

describe("a dead layer", () => {
  test("a tensor that is 0 everywhere gets range 0, zero fraction 1 and no NaN", async () => {
    const dir = tempDir();
    const model = await writeTinyModel(dir, "dead", {
      nodes: [node("Abs", ["X"], ["A"]), node("Neg", ["A"], ["N"]), node("Relu", ["N"], ["Y"])],
      input: value("X", 4),
      output: value("Y", 4),
    });
    const run = await calibrate({ model, data: writeJsonl(dir, "data.jsonl", ROWS) }, params({ task: "classifier", batch: 2 }));
    expect(Object.keys(run.stats.tensors)).toEqual(["N", "X", "Y"]); // Relu's input and output, and the graph's
    const dead = run.stats.tensors.Y!;
    expect(dead).toMatchObject({ count: 12, min: 0, max: 0, zeroFraction: 1, histogram: { range: 0 } });
    expect(dead.histogram.counts[dead.histogram.counts.length / 2]).toBe(12);
    expect(run.metrics.deadTensors).toEqual(["Y"]);
    expect(run.text).not.toMatch(/NaN|null|Infinity/);
  });
});

describe("bad input", () => {
  test("a non-finite activation is an InputError naming the tensor and the samples", async () => {
    const dir = tempDir();
    const model = await writeTinyModel(dir, "log", { nodes: [node("Log", ["X"], ["Y"])], input: value("X", 4), output: value("Y", 4) });
    const data = writeJsonl(dir, "data.jsonl", [[1, 2, 3, 4], [1, 1, 1, 1], [1, 0, 1, 1]]);
    const failure = calibrate({ model, data }, params({ task: "classifier", batch: 2 }));
    await expect(failure).rejects.toThrow(InputError);
    await expect(failure).rejects.toThrow(/NaN or infinite value in tensor 'Y' on calibration sample 3/);
  });

  test("a causal-LM calibration of a model without token-id input is an InputError", async () => {
    const dir = tempDir();
    const model = await writeTinyModel(dir, "float-input", { nodes: [node("Relu", ["X"], ["Y"])], input: value("X", 4), output: value("Y", 4) });
    const failure = calibrate({ model, ids: await calibrationIds() }, params({ task: "causal-lm", window: 16, windows: 2 }));
    await expect(failure).rejects.toThrow(InputError);
    await expect(failure).rejects.toThrow(/calibration feeds one int64 \(or int32\) input \[batch, sequence\] \(token ids\), but the model has inputs X \(float32/);
  });

  test("classifier data wider than the model's input is an InputError", async () => {
    const dir = tempDir();
    const model = await writeTinyModel(dir, "narrow", { nodes: [node("Relu", ["X"], ["Y"])], input: value("X", 3), output: value("Y", 3) });
    const failure = calibrate({ model, data: writeJsonl(dir, "data.jsonl", ROWS) }, params({ task: "classifier" }));
    await expect(failure).rejects.toThrow(/has 4 features per sample but the model's input X takes 3/);
    // Located at the user's model, not at the temporary augmented copy calibration runs.
    await expect(failure).rejects.toMatchObject({ location: { file: model } });
  });

  test("a classifier input of rank 3 is an InputError showing its shape", async () => {
    const dir = tempDir();
    const rank3 = (name: string) => {
      const info = value(name, 4);
      const shape = (info.type!.value.value as TypeProto_Tensor).shape!;
      shape.dim.splice(1, 0, create(TensorShapeProto_DimensionSchema, { value: { case: "dimValue", value: 1n } }));
      return info;
    };
    const model = await writeTinyModel(dir, "rank3", { nodes: [node("Relu", ["X"], ["Y"])], input: rank3("X"), output: rank3("Y") });
    const failure = calibrate({ model, data: writeJsonl(dir, "data.jsonl", ROWS) }, params({ task: "classifier" }));
    await expect(failure).rejects.toThrow(/calibration feeds one float32 input \[batch, features\], but the model has inputs X \(float32 \[batch, 1, 4\]\)/);
  });

  test("a float tensor of another element type is left out with a warning", async () => {
    const dir = tempDir();
    const model = await writeTinyModel(dir, "double", {
      nodes: [node("Cast", ["X"], ["D"]), node("Relu", ["D"], ["R"]), node("Cast", ["R"], ["Y"])],
      input: value("X", 4),
      output: value("Y", 4),
    });
    // Cast needs its target type: double (11) for D, float (1) for Y.
    const loaded = await readModel(model);
    const [toDouble, , toFloat] = loaded.proto.graph!.node;
    toDouble!.attribute.push(create(AttributeProtoSchema, { name: "to", type: AttributeProto_AttributeType.INT, i: BigInt(TensorProto_DataType.DOUBLE) }));
    toFloat!.attribute.push(create(AttributeProtoSchema, { name: "to", type: AttributeProto_AttributeType.INT, i: BigInt(TensorProto_DataType.FLOAT) }));
    await writeModel(loaded, model);
    const run = await calibrate({ model, data: writeJsonl(dir, "data.jsonl", ROWS) }, params({ task: "classifier" }));
    expect(Object.keys(run.stats.tensors)).toEqual(["X", "Y"]);
    expect(run.warnings).toEqual(["calibrate: no statistics for D (float64), R (float64): only float32 tensors are observed"]);
  });
});
