/**
 * Hugging Face tokenizers (`tokenizer.json`) through `@huggingface/tokenizers`, a pure-JS port
 * that gives the same ids as the Rust/Python library for the fixtures' byte-level BPE.
 */
import { InputError } from "../errors.js";
import { readJsonFile } from "./data.js";

/** A loaded tokenizer. */
export interface TextTokenizer {
  /** The `tokenizer.json` it was loaded from. */
  readonly path: string;
  /** Number of token ids, added tokens included: the largest id + 1. */
  readonly vocabSize: number;
  /** Token ids of `text`, without special tokens (no BOS/EOS added). */
  encode(text: string): Int32Array;
}

/**
 * Loads `tokenizer.json` and, when given, `tokenizer_config.json` (special-token names and
 * cleanup flags). A missing, unreadable or invalid file is an InputError naming it.
 */
export async function loadTokenizer(tokenizerPath: string, configPath?: string): Promise<TextTokenizer> {
  const [json, config] = await Promise.all([
    readJsonFile(tokenizerPath, "tokenizer"),
    configPath === undefined ? Promise.resolve({}) : readJsonFile(configPath, "tokenizer config"),
  ]);
  if (!isObject(json) || !isObject(json["model"])) {
    throw new InputError('tokenizer is not a Hugging Face tokenizer.json (no "model" object)', {
      location: { file: tokenizerPath },
    });
  }
  if (!isObject(config)) {
    throw new InputError("tokenizer config is not a JSON object", { location: { file: configPath ?? tokenizerPath } });
  }
  // Loaded here rather than at the top: only commands that tokenize pay for it.
  const { Tokenizer } = await import("@huggingface/tokenizers");
  let tokenizer: InstanceType<typeof Tokenizer>;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (error) {
    throw new InputError(`invalid tokenizer: ${(error as Error).message}`, {
      location: { file: tokenizerPath },
      cause: error,
    });
  }
  let largestId = -1;
  for (const id of tokenizer.get_vocab(true).values()) largestId = Math.max(largestId, id);
  if (largestId < 0) throw new InputError("tokenizer has an empty vocabulary", { location: { file: tokenizerPath } });

  return {
    path: tokenizerPath,
    vocabSize: largestId + 1,
    encode(text: string): Int32Array {
      const { ids, tokens } = tokenizer.encode(text, { add_special_tokens: false });
      const out = new Int32Array(ids.length);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        // A token the vocabulary lacks comes back as undefined, which Int32Array would turn into 0.
        if (!Number.isInteger(id)) {
          throw new InputError(`tokenizer produced no id for token ${JSON.stringify(tokens[i])}`, {
            location: { file: tokenizerPath },
          });
        }
        out[i] = id!;
      }
      return out;
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
