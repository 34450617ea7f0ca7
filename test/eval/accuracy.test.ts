import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { evaluateClassifier } from "../../src/eval/index.js";
import { readModel, TensorShapeProto_DimensionSchema, writeModel, type TypeProto_Tensor } from "../../src/onnx/index.js";
import { create } from "@bufbuild/protobuf";
import { lm, mlp, readJson } from "./fixtures.js";

interface MlpMetrics {
  labels: { id: number; name: string }[];
  results_accuracy: { fp32: number };
  per_class_accuracy_fp32: Record<string, { n: number; acc: number }>;
}
const metrics = readJson<MlpMetrics>(mlp.metrics);

let dir: string;
let lines: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "slm-eval-acc-"));
  lines = (await readFile(mlp.evalJsonl, "utf8")).split("\n").filter((line) => line !== "");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function jsonl(name: string, content: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content.join("\n") + "\n");
  return path;
}

/** The MLP exported with a fixed batch dimension of `n`. */
async function fixedBatchMlp(n: number): Promise<string> {
  const model = await readModel(mlp.model);
  const input = model.proto.graph!.input[0]!;
  (input.type!.value.value as TypeProto_Tensor).shape!.dim[0] = create(TensorShapeProto_DimensionSchema, { value: { case: "dimValue", value: BigInt(n) } });
  const path = join(dir, `batch${n}.onnx`);
  await writeModel(model, path);
  return path;
}

describe("evaluateClassifier", () => {
  it("runs a model exported with a fixed batch of 1 one sample at a time, whatever batch is asked", async () => {
    const result = await evaluateClassifier({ modelPath: await fixedBatchMlp(1), jsonlPath: mlp.evalJsonl, batch: 64 });
    expect(result.correct).toBe(205);
  });

  it("a fixed batch the samples do not split into is an InputError naming the input", async () => {
    const modelPath = await fixedBatchMlp(4);
    const path = await jsonl("thirty.jsonl", lines.slice(0, 30));
    await expect(evaluateClassifier({ modelPath, jsonlPath: path, batch: 64 })).rejects.toThrow(InputError);
    await expect(evaluateClassifier({ modelPath, jsonlPath: path, batch: 64 })).rejects.toThrow(/input features \[4, 1024\] takes batches of exactly 4, and 30 samples do not split/);
    const even = await jsonl("twenty-eight.jsonl", lines.slice(0, 28));
    expect((await evaluateClassifier({ modelPath, jsonlPath: even, batch: 64 })).total).toBe(28);
  });

  it("reproduces the fp32 accuracy and per-genre accuracy of metrics.json on eval.jsonl", async () => {
    const result = await evaluateClassifier({ modelPath: mlp.model, jsonlPath: mlp.evalJsonl, batch: 64 });
    expect(result.total).toBe(600);
    expect(result.correct).toBe(205);
    expect(result.accuracy).toBeCloseTo(metrics.results_accuracy.fp32, 4);
    expect(result.perClass).toHaveLength(15);
    for (const { id, name } of metrics.labels) {
      const expected = metrics.per_class_accuracy_fp32[name]!;
      const actual = result.perClass.find((entry) => entry.label === id)!;
      expect(actual.total, name).toBe(expected.n);
      expect(actual.accuracy, name).toBeCloseTo(expected.acc, 4);
    }
  });

  it("does not depend on the batch size, and evaluates only the first N samples when asked", async () => {
    const all = await evaluateClassifier({ modelPath: mlp.model, jsonlPath: mlp.evalJsonl, batch: 7 });
    expect(all.correct).toBe(205);
    const first = await evaluateClassifier({ modelPath: mlp.model, jsonlPath: mlp.evalJsonl, samples: 10, batch: 4 });
    expect(first.total).toBe(10);
    // Line 0's reference logits in metrics.json have argmax 0 = its label: the first sample is right.
    const one = await evaluateClassifier({ modelPath: mlp.model, jsonlPath: mlp.evalJsonl, samples: 1 });
    expect(one).toMatchObject({ correct: 1, total: 1, accuracy: 1 });
    await expect(evaluateClassifier({ modelPath: mlp.model, jsonlPath: mlp.evalJsonl, samples: 601 })).rejects.toThrow(
      /first 601 samples but the file has only 600/,
    );
  });

  it("names the file and line of a bad JSONL line", async () => {
    const path = await jsonl("bad-json.jsonl", [lines[0]!, lines[1]!, '{"features": [0.1, 0.2', lines[3]!]);
    const error = await evaluateClassifier({ modelPath: mlp.model, jsonlPath: path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location).toEqual({ file: path, line: 3 });
    expect((error as InputError).format()).toMatch(new RegExp(`^${escape(path)}:3: invalid JSON`));

    const noLabel = await jsonl("no-label.jsonl", [lines[0]!, JSON.stringify({ features: [0.5, 0.5] })]);
    await expect(evaluateClassifier({ modelPath: mlp.model, jsonlPath: noLabel })).rejects.toMatchObject({
      location: { file: noLabel, line: 2 },
      message: expect.stringMatching(/"label" must be a non-negative integer, got undefined/),
    });

    const ragged = await jsonl("ragged.jsonl", [lines[0]!, "", JSON.stringify({ features: [0.5, 0.5], label: 1 })]);
    await expect(evaluateClassifier({ modelPath: mlp.model, jsonlPath: ragged })).rejects.toMatchObject({
      location: { file: ragged, line: 3 },
      message: "sample has 2 features but the first sample (line 1) has 1024",
    });
  });

  it("rejects a feature width other than the model's input width, naming both", async () => {
    const narrow = lines.slice(0, 3).map((line) => {
      const sample = JSON.parse(line) as { features: number[]; label: number };
      return JSON.stringify({ features: sample.features.slice(0, 1000), label: sample.label });
    });
    const path = await jsonl("narrow.jsonl", narrow);
    const error = await evaluateClassifier({ modelPath: mlp.model, jsonlPath: path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/1000 features per sample but the model's input features takes 1024/);
  });

  it("rejects a label the model has no class for, at its line", async () => {
    const sample = JSON.parse(lines[0]!) as { features: number[] };
    const path = await jsonl("label.jsonl", [lines[0]!, JSON.stringify({ features: sample.features, label: 15 })]);
    await expect(evaluateClassifier({ modelPath: mlp.model, jsonlPath: path })).rejects.toMatchObject({
      name: "InputError",
      location: { file: path, line: 2 },
      message: expect.stringMatching(/label 15 is not a class .* which has 15/),
    });
  });

  it("rejects a model that is not a classifier", async () => {
    await expect(evaluateClassifier({ modelPath: lm.model, jsonlPath: mlp.evalJsonl, samples: 2 })).rejects.toThrow(
      /does not look like a classifier: .* found inputs input_ids \(int64 \[batch, sequence\]\)/,
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
