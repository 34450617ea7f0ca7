/**
 * The calibrate stage on brown-genre-mlp over calib.jsonl (200 samples), checked against an
 * independent computation: a plain onnxruntime run of a model with the intermediate tensors as
 * typed outputs, reduced value by value in float64.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, test } from "vitest";
import { create } from "@bufbuild/protobuf";
import { readClassificationJsonl } from "../../../src/eval/index.js";
import { GraphProtoSchema, ModelProtoSchema, readModel, serializeModel, modelFromProto } from "../../../src/onnx/index.js";
import type { TensorStats } from "../../../src/passes/calibrate/stats.js";
import { calibrate, MLP, MLP_DIR, params, type CalibrationRun } from "./rig.js";
import { value } from "./tiny-models.js";

const CALIB = join(MLP_DIR, "calib.jsonl");
const BATCH = 8;
const CHECKED = { "/fc1/Gemm_output_0": 256, "/relu1/Relu_output_0": 256, "/relu2/Relu_output_0": 128, logits: 15 } as const;

/** Every value of each checked tensor over the calibration samples, from a plain onnxruntime session. */
async function referenceValues(): Promise<Map<string, Float32Array>> {
  const model = await readModel(MLP);
  const graph = model.proto.graph!;
  const outputs = Object.entries(CHECKED).map(([name, width]) => value(name, width));
  const proto = create(ModelProtoSchema, { ...model.proto, graph: create(GraphProtoSchema, { ...graph, output: outputs }) });
  const session = await ort.InferenceSession.create(serializeModel(modelFromProto(proto)), { intraOpNumThreads: 1, graphOptimizationLevel: "all" });
  const data = await readClassificationJsonl(CALIB);
  const values = new Map<string, Float32Array>(Object.entries(CHECKED).map(([name, width]) => [name, new Float32Array(data.count * width)]));
  try {
    // The same batches as the stage, so the kernels (and their float rounding) are the same.
    for (let first = 0; first < data.count; first += BATCH) {
      const count = Math.min(BATCH, data.count - first);
      const features = data.features.slice(first * data.width, (first + count) * data.width);
      const result = await session.run({ features: new ort.Tensor("float32", features, [count, data.width]) });
      for (const [name, width] of Object.entries(CHECKED)) values.get(name)!.set(result[name]!.data as Float32Array, first * width);
    }
  } finally {
    await session.release();
  }
  values.set("features", data.features);
  return values;
}

function expectMatches(stats: TensorStats, values: Float32Array, features: number): void {
  let min = Infinity;
  let max = -Infinity;
  let zeros = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    if (v === 0) zeros++;
  }
  expect(stats.count).toBe(values.length);
  expect(stats.min).toBe(min);
  expect(stats.max).toBe(max);
  expect(stats.zeroFraction).toBe(zeros / values.length);
  // The range: a power of two, the smallest at least max|x|.
  const { range, counts } = stats.histogram;
  const absMax = Math.max(max, -min);
  expect(Number.isInteger(Math.log2(range))).toBe(true);
  expect(range >= absMax && range / 2 < absMax).toBe(true);
  // Bin by bin, each value placed on its own (bin width is a power of two: v / w is exact).
  const width = (2 * range) / counts.length;
  const expected = new Array<number>(counts.length).fill(0);
  for (const v of values) expected[Math.min(counts.length - 1, Math.floor(v / width) + counts.length / 2)]!++;
  expect(counts).toEqual(expected);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(stats.count);
  if (stats.channelSquareSums) {
    const sums = new Float64Array(features);
    values.forEach((v, i) => (sums[i % features]! += v * v));
    expect(stats.channelSquareSums.length).toBe(features);
    stats.channelSquareSums.forEach((sum, j) => expect(sum).toBeCloseTo(sums[j]!, 10));
  }
}

describe("calibrate on brown-genre-mlp", () => {
  let run: CalibrationRun;
  let reference: Map<string, Float32Array>;
  const digest = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");
  const before = digest(MLP);

  beforeAll(async () => {
    [run, reference] = await Promise.all([
      calibrate({ model: MLP, data: CALIB }, params({ task: "classifier", batch: BATCH })),
      referenceValues(),
    ]);
  });

  test("observes the graph input, every Gemm and Relu output and the logits, sorted, and nothing else", () => {
    expect(Object.keys(run.stats.tensors)).toEqual([
      "/fc1/Gemm_output_0",
      "/fc2/Gemm_output_0",
      "/relu1/Relu_output_0",
      "/relu2/Relu_output_0",
      "features",
      "logits",
    ]);
    expect(run.stats).toMatchObject({ version: 1, samples: 200 });
    expect(run.metrics).toMatchObject({ samples: 200, tensors: 6, deadTensors: [] });
    expect(run.warnings).toEqual([]);
  });

  test.each(["features", ...Object.keys(CHECKED)])("%s agrees with a plain onnxruntime run", (name) => {
    const width = name === "features" ? 1024 : CHECKED[name as keyof typeof CHECKED];
    expectMatches(run.stats.tensors[name]!, reference.get(name)!, width);
  });

  test("channel square sums are recorded exactly for the Gemm inputs (transA = 0)", () => {
    const withSums = Object.entries(run.stats.tensors).filter(([, t]) => t.channelSquareSums).map(([name]) => name);
    expect(withSums).toEqual(["/relu1/Relu_output_0", "/relu2/Relu_output_0", "features"]);
  });

  test("ReLU sparsity and ranges are close to models/README.md's (measured there on eval.jsonl)", () => {
    const { tensors } = run.stats;
    // README: relu1 0.8275 / max 0.16514; relu2 0.5637 / max 2.54487; features 0.8737 / max 0.1.
    expect(tensors["/relu1/Relu_output_0"]!.zeroFraction).toBeCloseTo(0.8275, 1);
    expect(tensors["/relu2/Relu_output_0"]!.zeroFraction).toBeCloseTo(0.5637, 1);
    expect(tensors.features!.zeroFraction).toBeCloseTo(0.8737, 1);
    expect(tensors["/relu1/Relu_output_0"]!.max / 0.16514).toBeGreaterThan(0.7);
    expect(tensors["/relu1/Relu_output_0"]!.max / 0.16514).toBeLessThan(1.3);
    expect(tensors["/relu2/Relu_output_0"]!.max / 2.54487).toBeGreaterThan(0.7);
    expect(tensors["/relu2/Relu_output_0"]!.max / 2.54487).toBeLessThan(1.3);
    expect(tensors.features!.max).toBeLessThanOrEqual(0.1 + 1e-7);
  });

  test("leaves only stats.json in the work folder and the input model untouched", () => {
    expect(run.files).toEqual(["stats.json"]);
    expect(digest(MLP)).toBe(before);
    expect(run.text.endsWith("}}\n")).toBe(true);
  });

  test("the samples param takes the first N samples", async () => {
    const first = await calibrate({ model: MLP, data: CALIB }, params({ task: "classifier", batch: 16, samples: 20 }));
    expect(first.stats.samples).toBe(20);
    expect(first.stats.tensors.logits!.count).toBe(20 * 15);
  });
});
