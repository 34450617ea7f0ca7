/**
 * The calibration data as batches of model input, fed the way evaluation feeds it (src/eval):
 * a causal LM gets non-overlapping windows of the tokenized text as int64 (or int32)
 * `[batch, window]`; a classifier gets JSONL feature rows as float32 `[batch, features]`.
 */
import type { InferenceSession, Tensor } from "onnxruntime-node";
import type { Task } from "../../config/types.js";
import { InputError } from "../../errors.js";
import { readClassificationJsonl, readIdsFile } from "../../eval/index.js";
import { fixedDim } from "../../eval/model-interface.js";
import { idsTensor, selectWindows } from "../../eval/perplexity.js";
import { describeValues, type EvalSession } from "../../eval/session.js";

/** Which data, and how much of it. */
export interface FeedOptions {
  task: Task;
  /** causal-lm: the ids artifact (little-endian int32) of the calibration text. */
  idsPath?: string;
  window?: number;
  windows?: number;
  /** classifier: the JSONL file of `{"features": [...], "label": k}` lines. */
  jsonlPath?: string;
  samples?: number;
}

/** One batch: the feeds for session.run and, for a float input, its values (a fresh copy). */
export interface FeedBatch {
  feeds: InferenceSession.FeedsType;
  values?: Float32Array;
  /** The input's last dimension. */
  features: number;
}

/** The calibration data of one session. */
export interface CalibrationFeeder {
  /** The model's input. */
  readonly input: InferenceSession.TensorValueMetadata;
  /** Windows or samples in all. */
  readonly samples: number;
  /** What a sample is, for messages: "window", "sample". */
  readonly unit: string;
  /** Samples `first` … `first + count − 1`. */
  batch(first: number, count: number): FeedBatch;
}

/** Reads the calibration data and checks it against the model's single input. */
export async function openFeeder(opened: EvalSession, options: FeedOptions): Promise<CalibrationFeeder> {
  return options.task === "causal-lm" ? windowFeeder(opened, options) : sampleFeeder(opened, options);
}

async function windowFeeder(opened: EvalSession, options: FeedOptions): Promise<CalibrationFeeder> {
  const input = singleInput(opened, ["int64", "int32"], "one int64 (or int32) input [batch, sequence] (token ids)");
  const { window, windows, used } = selectWindows(await readIdsFile(required(options.idsPath, "ids")), options.window, options.windows);
  return {
    input,
    samples: windows,
    unit: "window",
    batch: (first, count) => ({
      feeds: { [input.name]: idsTensor(opened, input.type, used.subarray(first * window, (first + count) * window), count, window) },
      features: window,
    }),
  };
}

async function sampleFeeder(opened: EvalSession, options: FeedOptions): Promise<CalibrationFeeder> {
  const input = singleInput(opened, ["float32"], "one float32 input [batch, features]");
  const data = await readClassificationJsonl(required(options.jsonlPath, "data"), options.samples);
  const width = fixedDim(input, 1);
  if (width !== undefined && width !== data.width) {
    throw new InputError(`${data.path} has ${data.width} features per sample but the model's input ${input.name} takes ${width}`, {
      location: { file: opened.modelPath },
    });
  }
  return {
    input,
    samples: data.count,
    unit: "sample",
    batch(first, count) {
      // A copy, not a view: the statistics workers take ownership of the values' buffer.
      const values = data.features.slice(first * data.width, (first + count) * data.width);
      const tensor: Tensor = new opened.ort.Tensor("float32", values, [count, data.width]);
      return { feeds: { [input.name]: tensor }, values, features: data.width };
    },
  };
}

/** The model's only input, of one of `types` and rank 2 (or a rank the metadata leaves unknown). */
function singleInput(opened: EvalSession, types: readonly Tensor.Type[], expected: string): InferenceSession.TensorValueMetadata {
  const inputs = opened.session.inputMetadata;
  const input = inputs.length === 1 ? inputs[0] : undefined;
  if (input?.isTensor === true && types.includes(input.type) && (input.shape.length === 0 || input.shape.length === 2)) return input;
  throw new InputError(`calibration feeds ${expected}, but the model has inputs ${describeValues(inputs)}`, {
    location: { file: opened.modelPath },
  });
}

function required(path: string | undefined, slot: string): string {
  if (path === undefined) throw new Error(`calibrate: the planner gave no '${slot}' input`);
  return path;
}
