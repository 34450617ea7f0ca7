import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { openSession, withSession, type GraphOptimization } from "../../src/eval/session.js";
import { lm, mlp, readJson } from "./fixtures.js";

interface Reference {
  input_ids?: number[];
  logits_first20?: number[];
  logits?: number[];
  argmax: number;
  tolerance: number;
}
const lmReference = readJson<{ reference: Reference }>(lm.metrics).reference;
const mlpReference = readJson<{ reference: Reference }>(mlp.metrics).reference;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "slm-eval-session-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function maxAbsDiff(actual: ArrayLike<number>, expected: readonly number[]): number {
  return Math.max(...expected.map((value, i) => Math.abs(actual[i]! - value)));
}

describe("sessions", () => {
  it.each<GraphOptimization>(["disabled", "basic", "extended", "all"])(
    "reproduce the LM's reference logits with optimization %s",
    async (optimization) => {
      const ids = lmReference.input_ids!;
      await withSession(lm.model, { threads: 2, optimization }, async ({ ort, session }) => {
        const input = new ort.Tensor("int64", BigInt64Array.from(ids, (id) => BigInt(id)), [1, ids.length]);
        const { logits } = await session.run({ input_ids: input });
        const data = logits!.data as Float32Array;
        const row = data.subarray(127 * 1024, 128 * 1024);
        expect(maxAbsDiff(row, lmReference.logits_first20!)).toBeLessThan(lmReference.tolerance);
        expect(row.indexOf(Math.max(...row))).toBe(lmReference.argmax);
      });
    },
  );

  it("reproduce the classifier's reference logits for eval.jsonl line 0", async () => {
    const firstLine = (await import("node:fs")).readFileSync(mlp.evalJsonl, "utf8").split("\n", 1)[0]!;
    const features = Float32Array.from((JSON.parse(firstLine) as { features: number[] }).features);
    await withSession(mlp.model, { threads: 1 }, async ({ ort, session }) => {
      const { logits } = await session.run({ features: new ort.Tensor("float32", features, [1, 1024]) });
      expect(maxAbsDiff(logits!.data as Float32Array, mlpReference.logits!)).toBeLessThan(mlpReference.tolerance);
    });
  });

  it("record threads and optimization", async () => {
    const opened = await openSession(mlp.model, { threads: 3, optimization: "basic" });
    try {
      expect(opened).toMatchObject({ modelPath: mlp.model, threads: 3, optimization: "basic" });
    } finally {
      await opened.session.release();
    }
    await expect(openSession(mlp.model, { threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
  });

  it("save the optimized graph atomically where asked, and it loads", async () => {
    const saved = join(dir, "optimized.onnx");
    await withSession(lm.model, { optimization: "extended", optimizedModelFilePath: saved }, async () => {});
    expect(await readdir(dir)).toContain("optimized.onnx");
    expect((await readdir(dir)).filter((name) => name.includes(".tmp"))).toEqual([]);
    const reopened = await openSession(saved);
    expect(reopened.session.outputNames).toEqual(["logits"]);
    await reopened.session.release();
  });

  it("turn a model onnxruntime cannot load into an InputError naming the file", async () => {
    const corrupt = join(dir, "corrupt.onnx");
    await writeFile(corrupt, "this is not a protobuf");
    const error = await openSession(corrupt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location?.file).toBe(corrupt);
    expect((error as InputError).message).toMatch(/^onnxruntime cannot load the model: .*Protobuf parsing failed/);

    const missing = join(dir, "missing.onnx");
    await expect(openSession(missing)).rejects.toMatchObject({ name: "InputError", location: { file: missing } });
  });
});
