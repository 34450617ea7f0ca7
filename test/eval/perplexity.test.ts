import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { evaluateCausalLm, tokenizeTextFile } from "../../src/eval/index.js";
import { evalIdsFlat, lm, mlp, readJson } from "./fixtures.js";

interface LmMetrics {
  results: { fp32_first64: { ppl: number; mean_nll: number; tokens_predicted: number } };
}
const first64 = readJson<LmMetrics>(lm.metrics).results.fp32_first64;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "slm-eval-ppl-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("evaluateCausalLm", () => {
  it("reproduces fp32_first64 from metrics.json on the 64 windows of eval-ids.json", async () => {
    const ids = evalIdsFlat();
    const result = await evaluateCausalLm({ modelPath: lm.model, ids, window: 128, threads: 2 });
    expect(result.windows).toBe(64);
    expect(result.predictions).toBe(first64.tokens_predicted);
    expect(result.tokens).toBe(64 * 128);
    // metrics.json rounds to 4 (ppl) and 6 (mean NLL) decimals.
    expect(Math.abs(result.perplexity - first64.ppl)).toBeLessThan(1e-4);
    expect(Math.abs(result.nll - first64.mean_nll)).toBeLessThan(1e-6);
    expect(result.perplexity).toBeCloseTo(Math.exp(result.nll), 12);
  });

  it("gives the same figure from eval.txt tokenized in one piece, first 64 windows", async () => {
    const { ids, vocabSize } = await tokenizeTextFile({ tokenizerPath: lm.tokenizer, textPath: lm.evalText });
    const result = await evaluateCausalLm({ modelPath: lm.model, ids, windows: 64, tokenizerVocabSize: vocabSize });
    expect(result.windows).toBe(64);
    expect(result.tokens).toBe(237_823);
    expect(Math.abs(result.perplexity - first64.ppl)).toBeLessThan(1e-4);
  });

  it("does not depend on the batch size or on where scoring runs", async () => {
    const ids = evalIdsFlat().subarray(0, 20 * 128);
    const inline = await evaluateCausalLm({ modelPath: lm.model, ids, batch: 20, scoringWorkers: 0 });
    const workers = await evaluateCausalLm({ modelPath: lm.model, ids, batch: 6, scoringWorkers: 2 });
    const single = await evaluateCausalLm({ modelPath: lm.model, ids, batch: 1, scoringWorkers: 1 });
    expect(inline.windows).toBe(20);
    expect(workers.perplexity).toBeCloseTo(inline.perplexity, 9);
    expect(single.perplexity).toBeCloseTo(inline.perplexity, 9);
  });

  it("cuts windows from token 0 and drops the incomplete tail", async () => {
    const ids = evalIdsFlat();
    const cut = await evaluateCausalLm({ modelPath: lm.model, ids: ids.subarray(0, 2 * 128 + 50), window: 128 });
    const exact = await evaluateCausalLm({ modelPath: lm.model, ids, window: 128, windows: 2 });
    expect(cut.windows).toBe(2);
    expect(cut.tokens).toBe(2 * 128 + 50);
    expect(cut.perplexity).toBeCloseTo(exact.perplexity, 9);
    // A shorter window is a different protocol, hence a different figure: 5 windows of 64.
    const short = await evaluateCausalLm({ modelPath: lm.model, ids: ids.subarray(0, 320), window: 64 });
    expect(short).toMatchObject({ windows: 5, predictions: 5 * 63 });
  });

  it("rejects a tokenizer with a larger vocabulary than the model's logits, naming both sizes", async () => {
    const json = JSON.parse(await readFile(lm.tokenizer, "utf8")) as { added_tokens: Record<string, unknown>[] };
    const template = json.added_tokens[0]!;
    json.added_tokens.push({ ...template, id: 1024, content: "<|pad|>" }, { ...template, id: 1025, content: "<|sep|>" });
    const tokenizerPath = join(dir, "tokenizer.json");
    const textPath = join(dir, "text.txt");
    await writeFile(tokenizerPath, JSON.stringify(json));
    await writeFile(textPath, "The jury said<|sep|> it did find that ".repeat(20));
    const { ids, vocabSize } = await tokenizeTextFile({ tokenizerPath, textPath });
    expect(vocabSize).toBe(1026);
    expect(ids).toContain(1025);

    const mismatch = await evaluateCausalLm({ modelPath: lm.model, ids, window: 32, tokenizerVocabSize: vocabSize }).catch(
      (e: unknown) => e,
    );
    expect(mismatch).toBeInstanceOf(InputError);
    expect((mismatch as InputError).message).toMatch(/vocabulary mismatch: the tokenizer has 1026 tokens .* have 1024/);

    // Without the tokenizer's size, the out-of-range id itself is caught.
    const outOfRange = await evaluateCausalLm({ modelPath: lm.model, ids, window: 32 }).catch((e: unknown) => e);
    expect(outOfRange).toBeInstanceOf(InputError);
    expect((outOfRange as InputError).message).toMatch(/token id 1025 at position \d+ is outside the model's vocabulary of 1024/);
  });

  it("rejects a model that is not a causal LM, naming what it found", async () => {
    const error = await evaluateCausalLm({ modelPath: mlp.model, ids: evalIdsFlat() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/does not look like a causal language model/);
    expect((error as InputError).message).toMatch(/found inputs features \(float32 \[batch, 1024\]\) and outputs logits \(float32 \[batch, 15\]\)/);
    expect((error as InputError).location?.file).toBe(mlp.model);
  });

  it("rejects texts shorter than one window and requests for more windows than there are", async () => {
    const ids = evalIdsFlat();
    await expect(evaluateCausalLm({ modelPath: lm.model, ids: ids.subarray(0, 100) })).rejects.toThrow(
      /100 tokens, fewer than one window of 128/,
    );
    await expect(evaluateCausalLm({ modelPath: lm.model, ids, windows: 65 })).rejects.toThrow(
      /asked for 65 windows of 128 tokens but the text has only 64/,
    );
    await expect(evaluateCausalLm({ modelPath: lm.model, ids, batch: 0 })).rejects.toThrow(InputError);
  });
});

describe("evaluateCausalLm cancellation", () => {
  it("stops when the build is interrupted", async () => {
    await expect(
      evaluateCausalLm({ modelPath: lm.model, ids: evalIdsFlat(), signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: "AbortError" });
  });
});
