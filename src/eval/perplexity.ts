/**
 * Causal-LM perplexity, with the fixtures' protocol (models/README.md): the ids of the whole text
 * cut into non-overlapping windows from token 0, the incomplete tail dropped; in each window the
 * logits at positions 0…w-2 scored against the tokens at 1…w-1; perplexity = exp(sum NLL /
 * predictions). Windows are independent, so batching them changes nothing but speed.
 */
import { availableParallelism } from "node:os";
import type { Tensor } from "onnxruntime-node";
import { InputError, SlmError } from "../errors.js";
import { batchSize, CAUSAL_LM_INTERFACE, findModelInterface, fixedDim } from "./model-interface.js";
import { inlineScorer, workerScorer } from "./nll-scorer.js";
import { runSession, type EvalSession } from "./session.js";

/** How to evaluate; every field has a default. */
export interface PerplexityOptions {
  /** Tokens per window; default 128. */
  window?: number;
  /** Evaluate only the first N windows; default all complete windows. */
  windows?: number;
  /**
   * Windows per `session.run`. Default: up to 16, fewer when the logits of a batch
   * (batch × window × vocab float32) would pass 256 MiB.
   */
  batch?: number;
  /** The tokenizer's vocabulary size; larger than the model's is a vocabulary mismatch. */
  tokenizerVocabSize?: number;
  /**
   * Worker threads that score while onnxruntime runs the next batch. Default: the cores left
   * over by onnxruntime's threads, at most 4; 0 scores on the main thread.
   */
  scoringWorkers?: number;
  signal?: AbortSignal;
}

/** Perplexity of one evaluation. */
export interface PerplexityResult {
  perplexity: number;
  /** Mean negative log-likelihood per prediction, in nats (ln perplexity). */
  nll: number;
  /** Scored positions: windows × (window − 1). */
  predictions: number;
  /** Windows evaluated. */
  windows: number;
  /** Tokens in the given ids, evaluated or not (the tail and skipped windows included). */
  tokens: number;
}

const DEFAULT_WINDOW = 128;
const MAX_DEFAULT_BATCH = 16;
const MAX_DEFAULT_BATCH_BYTES = 256 * 1024 * 1024;
const MAX_DEFAULT_WORKERS = 4;


/** Perplexity of the session's model on `ids` (token ids of the whole text, in order). */
export async function computePerplexity(
  opened: EvalSession,
  ids: Int32Array,
  options: PerplexityOptions = {},
): Promise<PerplexityResult> {
  const { input, output } = findModelInterface(opened, CAUSAL_LM_INTERFACE);
  const { window, windows, used } = selectWindows(ids, options.window, options.windows);
  const declaredVocab = fixedDim(output, 2);
  const requested = options.batch ?? defaultBatch(window, declaredVocab);
  requireIntegerAtLeast("batch", requested, 1);
  const batch = batchSize(opened, input, requested, windows);
  if (declaredVocab !== undefined) checkVocabulary(opened, used, declaredVocab, options.tokenizerVocabSize);

  const batches = Math.ceil(windows / batch);
  const workers = options.scoringWorkers ?? (batches > 1 ? defaultWorkers(opened.threads) : 0);
  requireIntegerAtLeast("scoringWorkers", workers, 0);
  const scorer = workers === 0 ? inlineScorer() : workerScorer(workers);
  try {
    const sums = new Float64Array(windows);
    const pending: Promise<void>[] = [];
    for (let first = 0; first < windows; first += batch) {
      options.signal?.throwIfAborted();
      const count = Math.min(batch, windows - first);
      const batchIds = used.slice(first * window, (first + count) * window);
      const logits = await runBatch(opened, input.name, input.type, output.name, batchIds, count, window);
      const vocab = logits.dims[2]!;
      if (first === 0 && declaredVocab === undefined) {
        checkVocabulary(opened, used, vocab, options.tokenizerVocabSize);
      }
      const scored = scorer
        .score(logits.data as Float32Array, batchIds, window, vocab)
        .then((batchSums) => sums.set(batchSums, first));
      // Marked handled now: if a later batch fails first, this one's rejection is not "unhandled".
      scored.catch(() => undefined);
      pending.push(scored);
      if (pending.length >= scorer.capacity) await pending.shift();
    }
    await Promise.all(pending);
    return summarize(opened, sums, window, ids.length);
  } finally {
    await scorer.close();
  }
}

/** The windows a text yields: `window` tokens each (default 128), the first `windows` (default all complete ones). */
export interface SelectedWindows {
  window: number;
  windows: number;
  /** The ids of those windows, back to back (a view of the given ids). */
  used: Int32Array;
}

/**
 * Cuts `ids` into non-overlapping windows from token 0, dropping the incomplete tail, and keeps
 * the first `windows`. InputError when the text is shorter than one window or than `windows`.
 */
export function selectWindows(ids: Int32Array, window = DEFAULT_WINDOW, windows?: number): SelectedWindows {
  requireIntegerAtLeast("window", window, 2);
  const available = Math.floor(ids.length / window);
  if (available === 0) {
    throw new InputError(`the text has ${ids.length} tokens, fewer than one window of ${window}`);
  }
  const selected = windows ?? available;
  requireIntegerAtLeast("windows", selected, 1);
  if (selected > available) {
    throw new InputError(`asked for ${selected} windows of ${window} tokens but the text has only ${available}`);
  }
  return { window, windows: selected, used: ids.subarray(0, selected * window) };
}

/** `count` windows of token ids as the model's input tensor `[count, window]`, int64 or int32. */
export function idsTensor(opened: EvalSession, type: Tensor.Type, batchIds: Int32Array, count: number, window: number): Tensor {
  const data = type === "int64" ? BigInt64Array.from(batchIds, (id) => BigInt(id)) : Int32Array.from(batchIds);
  return new opened.ort.Tensor(type, data, [count, window]);
}

async function runBatch(
  opened: EvalSession,
  inputName: string,
  inputType: Tensor.Type,
  outputName: string,
  batchIds: Int32Array,
  count: number,
  window: number,
): Promise<Tensor> {
  const result = await runSession(opened, { [inputName]: idsTensor(opened, inputType, batchIds, count, window) });
  const logits = result[outputName]!;
  const [b, s, vocab] = logits.dims;
  if (logits.type !== "float32" || logits.dims.length !== 3 || b !== count || s !== window || !vocab) {
    throw new InputError(
      `the model's ${outputName} for input [${count}, ${window}] is ${logits.type} [${logits.dims.join(", ")}], ` +
        `not float32 [${count}, ${window}, vocab]`,
      { location: { file: opened.modelPath } },
    );
  }
  return logits;
}

function checkVocabulary(opened: EvalSession, ids: Int32Array, modelVocab: number, tokenizerVocab: number | undefined): void {
  // A tokenizer smaller than the logits is accepted: models often pad their vocabulary.
  if (tokenizerVocab !== undefined && tokenizerVocab > modelVocab) {
    throw new InputError(
      `tokenizer/model vocabulary mismatch: the tokenizer has ${tokenizerVocab} tokens but the model's logits ` +
        `have ${modelVocab} (last dimension)`,
      { location: { file: opened.modelPath } },
    );
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= modelVocab) {
      throw new InputError(
        `tokenizer/model vocabulary mismatch: token id ${id} at position ${i} is outside the model's ` +
          `vocabulary of ${modelVocab} (logits' last dimension)`,
        { location: { file: opened.modelPath } },
      );
    }
  }
}

function summarize(opened: EvalSession, sums: Float64Array, window: number, tokens: number): PerplexityResult {
  let total = 0;
  for (const sum of sums) total += sum;
  const predictions = sums.length * (window - 1);
  const nll = total / predictions;
  if (!Number.isFinite(nll)) {
    throw new SlmError(`${opened.modelPath} produced non-finite logits: the mean NLL is ${nll}`);
  }
  return { perplexity: Math.exp(nll), nll, predictions, windows: sums.length, tokens };
}

function defaultBatch(window: number, vocab: number | undefined): number {
  if (vocab === undefined) return MAX_DEFAULT_BATCH;
  const fits = Math.floor(MAX_DEFAULT_BATCH_BYTES / (window * vocab * Float32Array.BYTES_PER_ELEMENT));
  return Math.max(1, Math.min(MAX_DEFAULT_BATCH, fits));
}

/** Worker threads for work that overlaps inference: the cores onnxruntime's `threads` leave free, at most 4. */
export function defaultWorkers(threads: number): number {
  return Math.max(0, Math.min(MAX_DEFAULT_WORKERS, availableParallelism() - threads));
}

function requireIntegerAtLeast(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new InputError(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
}
