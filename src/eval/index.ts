/**
 * Evaluation as build stages call it. Tokenizing and evaluating are separate steps so each can
 * be its own cached stage: `tokenizeTextFile` → `writeIdsFile` (the ids artifact), then later
 * `readIdsFile` → `evaluateCausalLm` for every model variant that shares the tokenizer.
 * Each call opens its own onnxruntime session and releases it before returning.
 */
import { computeAccuracy, type AccuracyOptions, type AccuracyResult } from "./accuracy.js";
import { readClassificationJsonl, readTextFile } from "./data.js";
import { measureLatency, singleInputFeeds, type LatencyOptions, type LatencyResult } from "./latency.js";
import { computePerplexity, type PerplexityOptions, type PerplexityResult } from "./perplexity.js";
import { withSession, type SessionSettings } from "./session.js";
import { loadTokenizer } from "./tokenizer.js";

export type { AccuracyOptions, AccuracyResult, ClassAccuracy } from "./accuracy.js";
export type { ClassificationSet } from "./data.js";
export type { LatencyOptions, LatencyResult } from "./latency.js";
export type { PerplexityOptions, PerplexityResult } from "./perplexity.js";
export type { EvalSession, GraphOptimization, SessionSettings } from "./session.js";
export type { TextTokenizer } from "./tokenizer.js";
export { computeAccuracy } from "./accuracy.js";
export { readClassificationJsonl, readTextFile } from "./data.js";
export { readIdsFile, writeIdsFile } from "./ids-file.js";
export { measureLatency, singleInputFeeds } from "./latency.js";
export { computePerplexity } from "./perplexity.js";
export { openSession, withSession } from "./session.js";
export { loadTokenizer } from "./tokenizer.js";

/** A text file and the tokenizer to encode it with. */
export interface TokenizeTextOptions {
  tokenizerPath: string;
  tokenizerConfigPath?: string;
  textPath: string;
}

/** A tokenized text: the ids artifact's content and the vocabulary it was drawn from. */
export interface TokenizedText {
  ids: Int32Array;
  /** The tokenizer's vocabulary size, to check against a model's logits later. */
  vocabSize: number;
}

/** Encodes a whole text file in one piece, without special tokens. */
export async function tokenizeTextFile(options: TokenizeTextOptions): Promise<TokenizedText> {
  const [tokenizer, text] = await Promise.all([
    loadTokenizer(options.tokenizerPath, options.tokenizerConfigPath),
    readTextFile(options.textPath, "evaluation text"),
  ]);
  return { ids: tokenizer.encode(text), vocabSize: tokenizer.vocabSize };
}

/** A causal LM and the token ids of its evaluation text. */
export interface CausalLmEvalOptions extends SessionSettings, PerplexityOptions {
  modelPath: string;
  ids: Int32Array;
}

/** Perplexity of a causal LM on `ids` (see {@link computePerplexity} for the protocol). */
export async function evaluateCausalLm(options: CausalLmEvalOptions): Promise<PerplexityResult> {
  const { modelPath, ids, threads, optimization, optimizedModelFilePath, ...perplexity } = options;
  return withSession(modelPath, { threads, optimization, optimizedModelFilePath }, (opened) =>
    computePerplexity(opened, ids, perplexity),
  );
}

/** A classifier and its labelled JSONL samples. */
export interface ClassifierEvalOptions extends SessionSettings, AccuracyOptions {
  modelPath: string;
  jsonlPath: string;
  /** Only the first N samples; default all. */
  samples?: number;
}

/** Accuracy of a classifier on a JSONL file of `{"features": [...], "label": k}` lines. */
export async function evaluateClassifier(options: ClassifierEvalOptions): Promise<AccuracyResult> {
  const { modelPath, jsonlPath, samples, threads, optimization, optimizedModelFilePath, ...accuracy } = options;
  const data = await readClassificationJsonl(jsonlPath, samples);
  return withSession(modelPath, { threads, optimization, optimizedModelFilePath }, (opened) =>
    computeAccuracy(opened, data, accuracy),
  );
}

/** A model and the one input to time it on. */
export interface ModelLatencyOptions extends SessionSettings, LatencyOptions {
  modelPath: string;
  /** Fed as `[1, input.length]`: token ids (e.g. one window) or one sample's features. */
  input: Int32Array | Float32Array;
}

/** Latency of one model on one input, measured with onnxruntime-node on this machine. */
export async function measureModelLatency(options: ModelLatencyOptions): Promise<LatencyResult> {
  const { modelPath, input, threads, optimization, optimizedModelFilePath, ...latency } = options;
  return withSession(modelPath, { threads, optimization, optimizedModelFilePath }, (opened) =>
    measureLatency(opened, singleInputFeeds(opened, input), latency),
  );
}
