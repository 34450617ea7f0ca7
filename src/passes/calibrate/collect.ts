/**
 * The calibration loop: run the augmented model over the calibration batches and fold every
 * observed tensor of every batch into its running statistics, as onnxruntime's
 * HistogramCalibrater.collect_data does, but one batch at a time (never holding all outputs).
 */
import type { InferenceSession } from "onnxruntime-node";
import { InputError, SlmError } from "../../errors.js";
import { batchSize } from "../../eval/model-interface.js";
import { defaultWorkers } from "../../eval/perplexity.js";
import { runSession, type EvalSession } from "../../eval/session.js";
import { TensorAccumulator } from "./accumulator.js";
import type { CalibrationFeeder } from "./feeds.js";
import { inlineObserver, workerObserver, type BatchTensor } from "./observers.js";
import type { CalibrationSelection, CalibrationTarget } from "./select.js";
import type { CalibrationStats } from "./stats.js";

export interface CollectOptions {
  /** Windows or samples per session.run. */
  batch: number;
  /**
   * Worker threads that observe while onnxruntime runs the next batch. Default: the cores left
   * over by onnxruntime's threads, at most 4 (none for a single batch); 0 observes on the main
   * thread. The statistics are the same for any number.
   */
  workers?: number;
  signal?: AbortSignal;
  /** The model the augmented one was made from, named in messages. */
  source: string;
}

/** The statistics, and the selected tensors that were not observed because they are not float32. */
export interface CollectResult {
  stats: CalibrationStats;
  /** `name (type)` of selected tensors of another float type (float16, double), which are not observed. */
  unobservedFloats: string[];
}

const FLOAT_TYPES: ReadonlySet<string> = new Set(["float16", "float32", "float64", "bfloat16"]);

/** Runs `opened` (the augmented model) over every batch of `feeder` and collects `selection`'s statistics. */
export async function collectStatistics(
  opened: EvalSession,
  selection: CalibrationSelection,
  feeder: CalibrationFeeder,
  options: CollectOptions,
): Promise<CollectResult> {
  if (!Number.isInteger(options.batch) || options.batch < 1) throw new InputError(`batch must be a positive integer, got ${options.batch}`);
  const batch = batchSize(opened, feeder.input, options.batch, feeder.samples);
  const types = new Map<string, string>(
    [feeder.input, ...opened.session.outputMetadata].flatMap((value) => (value.isTensor ? [[value.name, value.type]] : [])),
  );
  const observable = (target: CalibrationTarget): boolean => types.get(target.name) === "float32";
  const fed = selection.fed.filter(observable);
  const computed = selection.computed.filter(observable);
  const unobservedFloats = [...selection.fed, ...selection.computed]
    .filter((target) => !observable(target) && FLOAT_TYPES.has(types.get(target.name) ?? ""))
    .map((target) => `${target.name} (${types.get(target.name)})`);
  const fetches = computed.map((target) => target.name);
  // Every observed tensor, in name order: its accumulator and where its values come from.
  const observed = [...fed.map((t) => ({ ...t, fed: true })), ...computed.map((t) => ({ ...t, fed: false }))].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const accumulators = observed.map((target) => new TensorAccumulator(target.name));

  const batches = Math.ceil(feeder.samples / batch);
  const workers = options.workers ?? (batches > 1 ? defaultWorkers(opened.threads) : 0);
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`calibrate: workers must be a non-negative integer, got ${workers}`);
  const observer = workers === 0 ? inlineObserver() : workerObserver(workers);
  try {
    const pending: Promise<() => void>[] = [];
    for (let first = 0; first < feeder.samples; first += batch) {
      options.signal?.throwIfAborted();
      const count = Math.min(batch, feeder.samples - first);
      const { feeds, values, features } = feeder.batch(first, count);
      const outputs = fetches.length > 0 ? await runSession(opened, feeds, fetches) : {};
      const tensors = observed.map((target): BatchTensor => {
        if (target.fed) return { data: values!, features, squares: target.squares };
        return { ...tensorValues(opened, outputs, target.name), squares: target.squares };
      });
      const merge = observer.observe(tensors).then((observations) => () => {
        observations.forEach((observation, i) => {
          if (observation.nonFinite >= 0) throw nonFiniteError(options.source, observed[i]!.name, feeder, first, count);
          accumulators[i]!.merge(observation);
        });
      });
      // Marked handled now: if a later batch fails first, this one's rejection is not "unhandled".
      merge.catch(() => undefined);
      pending.push(merge);
      // Merged strictly in batch order, so float sums are added in the same order on every run.
      if (pending.length >= observer.capacity) (await pending.shift()!)();
    }
    for (const merge of pending) (await merge)();
  } finally {
    await observer.close();
  }
  const tensors = Object.fromEntries(accumulators.map((accumulator) => [accumulator.name, accumulator.finish()]));
  return { stats: { version: 1, samples: feeder.samples, tensors }, unobservedFloats };
}

function tensorValues(opened: EvalSession, outputs: InferenceSession.ReturnType, name: string): { data: Float32Array; features: number } {
  const tensor = outputs[name];
  if (tensor?.type !== "float32") {
    throw new SlmError(`calibrate: onnxruntime returned ${tensor ? tensor.type : "nothing"} for '${name}' of ${opened.modelPath}, whose metadata says float32`);
  }
  return { data: tensor.data as Float32Array, features: tensor.dims.length === 0 ? 1 : tensor.dims[tensor.dims.length - 1]! };
}

function nonFiniteError(source: string, name: string, feeder: CalibrationFeeder, first: number, count: number): InputError {
  const which = count === 1 ? `${feeder.unit} ${first + 1}` : `${feeder.unit}s ${first + 1}–${first + count}`;
  return new InputError(
    `the model computes a NaN or infinite value in tensor '${name}' on calibration ${which}; ` +
      "its activation statistics would be meaningless (check the model's weights and the calibration data)",
    { location: { file: source } },
  );
}
