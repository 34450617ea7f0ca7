import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { tokenizeTextFile } from "../../src/eval/index.js";
import { loadTokenizer } from "../../src/eval/tokenizer.js";
import { evalIdsFlat, lm } from "./fixtures.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "slm-eval-tokenizer-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadTokenizer", () => {
  it("counts the added token in the vocabulary size", async () => {
    const tokenizer = await loadTokenizer(lm.tokenizer, lm.tokenizerConfig);
    expect(tokenizer.vocabSize).toBe(1024);
  });

  it("encodes without special tokens (the README's example sentence)", async () => {
    const tokenizer = await loadTokenizer(lm.tokenizer, lm.tokenizerConfig);
    const ids = tokenizer.encode("The jury said it did find that");
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids.length).toBeGreaterThan(0);
    // Byte-level BPE: ids 0–255 are bytes, so a single ASCII letter is its byte value.
    expect([...tokenizer.encode("Q")]).toEqual([81]);
    expect(tokenizer.encode("")).toHaveLength(0);
  });

  it("reproduces eval-ids.json: the first 64 windows of eval.txt encoded in one piece", async () => {
    const { ids, vocabSize } = await tokenizeTextFile({
      tokenizerPath: lm.tokenizer,
      tokenizerConfigPath: lm.tokenizerConfig,
      textPath: lm.evalText,
    });
    const expected = evalIdsFlat();
    expect(vocabSize).toBe(1024);
    expect(ids.length).toBe(237_823); // eval_tokens in metrics.json
    expect(ids.subarray(0, expected.length)).toEqual(expected);
  });

  it("names a missing tokenizer file", async () => {
    const missing = join(dir, "nope", "tokenizer.json");
    const error = await loadTokenizer(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location?.file).toBe(missing);
    expect((error as InputError).message).toMatch(/tokenizer does not exist/);
  });

  it("names a tokenizer file that is not JSON", async () => {
    const broken = join(dir, "broken.json");
    await writeFile(broken, '{"model": {');
    await expect(loadTokenizer(broken)).rejects.toThrow(InputError);
    await expect(loadTokenizer(broken)).rejects.toMatchObject({ location: { file: broken } });
  });

  it("names a JSON file that is not a tokenizer", async () => {
    const notTokenizer = join(dir, "not-tokenizer.json");
    await writeFile(notTokenizer, JSON.stringify({ hello: "world" }));
    await expect(loadTokenizer(notTokenizer)).rejects.toThrow(/no "model" object/);
    // A tokenizer.json the library rejects (here: without a decoder) is an InputError too.
    const json = JSON.parse(await readFile(lm.tokenizer, "utf8")) as Record<string, unknown>;
    delete json["decoder"];
    const incomplete = join(dir, "incomplete.json");
    await writeFile(incomplete, JSON.stringify(json));
    const error = await loadTokenizer(incomplete).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/invalid tokenizer: .*decoder/);
  });

  it("names an invalid tokenizer config", async () => {
    const config = join(dir, "tokenizer_config.json");
    await writeFile(config, "[1, 2]");
    await expect(loadTokenizer(lm.tokenizer, config)).rejects.toMatchObject({
      name: "InputError",
      location: { file: config },
    });
  });
});
