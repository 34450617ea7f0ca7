/**
 * Classifier accuracy: the fraction of samples whose argmax logit is their label, overall and
 * per class.
 */
import type { Tensor } from "onnxruntime-node";
import { InputError } from "../errors.js";
import type { ClassificationSet } from "./data.js";
import { batchSize, CLASSIFIER_INTERFACE, findModelInterface, fixedDim } from "./model-interface.js";
import { runSession, type EvalSession } from "./session.js";

/** How to evaluate; every field has a default. */
export interface AccuracyOptions {
  /** Samples per `session.run`; default 64. */
  batch?: number;
  signal?: AbortSignal;
}

/** Accuracy on the samples of one class. */
export interface ClassAccuracy {
  label: number;
  correct: number;
  total: number;
  accuracy: number;
}

/** Accuracy of one evaluation. */
export interface AccuracyResult {
  accuracy: number;
  correct: number;
  total: number;
  /** Every label present in the data, in label order. */
  perClass: ClassAccuracy[];
}

const DEFAULT_BATCH = 64;


/** Accuracy of the session's model on `data`. */
export async function computeAccuracy(
  opened: EvalSession,
  data: ClassificationSet,
  options: AccuracyOptions = {},
): Promise<AccuracyResult> {
  const { input, output } = findModelInterface(opened, CLASSIFIER_INTERFACE);
  const width = fixedDim(input, 1);
  if (width !== undefined && width !== data.width) {
    throw new InputError(
      `${data.path} has ${data.width} features per sample but the model's input ${input.name} takes ${width}`,
      { location: { file: opened.modelPath } },
    );
  }
  const requested = options.batch ?? DEFAULT_BATCH;
  if (!Number.isInteger(requested) || requested < 1) throw new InputError(`batch must be a positive integer, got ${requested}`);
  const batch = batchSize(opened, input, requested, data.count);
  const declaredClasses = fixedDim(output, 1);
  if (declaredClasses !== undefined) checkLabels(opened, data, declaredClasses);

  const predicted = new Int32Array(data.count);
  for (let first = 0; first < data.count; first += batch) {
    options.signal?.throwIfAborted();
    const count = Math.min(batch, data.count - first);
    const features = data.features.subarray(first * data.width, (first + count) * data.width);
    const result = await runSession(opened, {
      [input.name]: new opened.ort.Tensor("float32", features, [count, data.width]),
    });
    const logits = checkedLogits(opened, result[output.name]!, count);
    const classes = logits.dims[1]!;
    if (first === 0 && declaredClasses === undefined) checkLabels(opened, data, classes);
    argmaxRows(logits.data as Float32Array, classes, predicted, first);
  }
  return tally(data.labels, predicted);
}

function checkedLogits(opened: EvalSession, logits: Tensor, count: number): Tensor {
  if (logits.type !== "float32" || logits.dims.length !== 2 || logits.dims[0] !== count || !logits.dims[1]) {
    throw new InputError(
      `the model's output for ${count} samples is ${logits.type} [${logits.dims.join(", ")}], not float32 [${count}, classes]`,
      { location: { file: opened.modelPath } },
    );
  }
  return logits;
}

function checkLabels(opened: EvalSession, data: ClassificationSet, classes: number): void {
  const bad = data.labels.findIndex((label) => label >= classes);
  if (bad >= 0) {
    throw new InputError(
      `label ${data.labels[bad]} is not a class of the model ${opened.modelPath}, which has ${classes} (0…${classes - 1})`,
      { location: { file: data.path, line: data.lines[bad]! } },
    );
  }
}

/** Writes the index of each row's largest logit (the first on ties) into `out` from `offset`. */
function argmaxRows(logits: Float32Array, classes: number, out: Int32Array, offset: number): void {
  const rows = logits.length / classes;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c]! > logits[r * classes + best]!) best = c;
    out[offset + r] = best;
  }
}

function tally(labels: Int32Array, predicted: Int32Array): AccuracyResult {
  const byLabel = new Map<number, { correct: number; total: number }>();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const entry = byLabel.get(label) ?? { correct: 0, total: 0 };
    const hit = predicted[i] === label ? 1 : 0;
    entry.total += 1;
    entry.correct += hit;
    correct += hit;
    byLabel.set(label, entry);
  }
  const perClass = [...byLabel.entries()]
    .sort(([a], [b]) => a - b)
    .map(([label, { correct: right, total }]) => ({ label, correct: right, total, accuracy: right / total }));
  return { accuracy: correct / labels.length, correct, total: labels.length, perClass };
}
