/**
 * Finding the input to feed and the output to score from a session's metadata, so evaluation
 * works on any model of the right shape rather than on hard-coded tensor names.
 */
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { InputError } from "../errors.js";
import { describeValues, type EvalSession } from "./session.js";

/** What an evaluation needs from a model. */
export interface ExpectedInterface {
  /** What the model should be, for messages: "a causal language model". */
  readonly role: string;
  /** The expected interface in words: "one int64 input [batch, sequence] and …". */
  readonly description: string;
  readonly inputTypes: readonly Tensor.Type[];
  readonly inputRank: number;
  readonly outputRank: number;
}

/** A classifier: features in, one row of logits per sample out. */
export const CLASSIFIER_INTERFACE: ExpectedInterface = {
  role: "a classifier",
  description: "one float32 input [batch, features] and a float32 output 'logits' [batch, classes]",
  inputTypes: ["float32"],
  inputRank: 2,
  outputRank: 2,
};

/** A causal language model: token ids in, logits for every position out. */
export const CAUSAL_LM_INTERFACE: ExpectedInterface = {
  role: "a causal language model",
  description: "one int64 (or int32) input [batch, sequence] and a float32 output 'logits' [batch, sequence, vocab]",
  inputTypes: ["int64", "int32"],
  inputRank: 2,
  outputRank: 3,
};

/** The single input and the scored output (the one named `logits`, or the only one). */
export interface ModelInterface {
  readonly input: InferenceSession.TensorValueMetadata;
  readonly output: InferenceSession.TensorValueMetadata;
}

/**
 * Checks the session against `expected`. A model that does not fit is an InputError naming the
 * inputs and outputs it has. A rank the metadata leaves unknown (shape `[]`) is accepted here
 * and checked on the first result instead.
 */
export function findModelInterface(opened: EvalSession, expected: ExpectedInterface): ModelInterface {
  const { inputMetadata, outputMetadata } = opened.session;
  const input = inputMetadata.length === 1 ? inputMetadata[0] : undefined;
  const output =
    outputMetadata.find((value) => value.name === "logits") ?? (outputMetadata.length === 1 ? outputMetadata[0] : undefined);
  if (
    input?.isTensor === true &&
    expected.inputTypes.includes(input.type) &&
    fitsRank(input.shape, expected.inputRank) &&
    output?.isTensor === true &&
    output.type === "float32" &&
    fitsRank(output.shape, expected.outputRank)
  ) {
    return { input, output };
  }
  throw new InputError(
    `the model does not look like ${expected.role}: expected ${expected.description}; ` +
      `found inputs ${describeValues(inputMetadata)} and outputs ${describeValues(outputMetadata)}`,
    { location: { file: opened.modelPath } },
  );
}

/**
 * How many samples each run feeds `input`: `requested`, unless the model fixes its batch
 * dimension (an export with a static batch of N, most often 1): then N, when the `samples` split
 * into whole batches of N (always for N = 1). Otherwise an InputError naming the input, since a
 * batch padded with made-up samples would distort calibration statistics.
 */
export function batchSize(opened: EvalSession, input: InferenceSession.TensorValueMetadata, requested: number, samples: number): number {
  const fixed = fixedDim(input, 0);
  if (fixed === undefined) return requested;
  if (fixed === 1 || samples % fixed === 0) return fixed;
  throw new InputError(
    `the model's input ${input.name} [${input.shape.join(", ")}] takes batches of exactly ${fixed}, and ${samples} samples do not split into them: ` +
      "use a number of windows or samples divisible by it, or export the model with a dynamic batch dimension",
    { location: { file: opened.modelPath } },
  );
}

/** The size of a dimension when the model fixes it, else undefined (symbolic or unknown). */
export function fixedDim(metadata: InferenceSession.TensorValueMetadata, axis: number): number | undefined {
  const dim = metadata.shape[axis];
  return typeof dim === "number" && dim > 0 ? dim : undefined;
}

function fitsRank(shape: ReadonlyArray<number | string>, rank: number): boolean {
  return shape.length === 0 || shape.length === rank;
}
