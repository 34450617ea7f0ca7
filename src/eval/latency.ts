/**
 * Latency measured for real: repeated `session.run` calls on one fixed input, after warm-up,
 * reported as median and p10/p90 with a label that says exactly what was measured. Timings
 * describe this machine only, so they belong in metrics, never in hashed artifacts.
 */
import type { InferenceSession } from "onnxruntime-node";
import { InputError } from "../errors.js";
import { quantile } from "./quantile.js";
import { runSession, type EvalSession } from "./session.js";

/** How many runs; both have defaults. */
export interface LatencyOptions {
  /** Untimed runs first (allocator, caches, thread pool); default 10. */
  warmup?: number;
  /** Timed runs; default 50. */
  runs?: number;
  signal?: AbortSignal;
}

/** Milliseconds per `session.run`, as measured. */
export interface LatencyResult {
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  runs: number;
  warmup: number;
  threads: number;
  onnxruntimeVersion: string;
  /** "measured on this machine: median of N warm runs (onnxruntime-node X.Y.Z, T threads)" */
  label: string;
}

/** Times `runs` calls of `session.run(feeds)` after `warmup` untimed ones. */
export async function measureLatency(
  opened: EvalSession,
  feeds: InferenceSession.FeedsType,
  options: LatencyOptions = {},
): Promise<LatencyResult> {
  const warmup = options.warmup ?? 10;
  const runs = options.runs ?? 50;
  if (!Number.isInteger(warmup) || warmup < 0) throw new InputError(`warmup must be an integer ≥ 0, got ${warmup}`);
  if (!Number.isInteger(runs) || runs < 1) throw new InputError(`runs must be an integer ≥ 1, got ${runs}`);
  for (let i = 0; i < warmup; i++) {
    options.signal?.throwIfAborted();
    await runSession(opened, feeds);
  }
  const millis = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    options.signal?.throwIfAborted();
    const start = process.hrtime.bigint();
    await runSession(opened, feeds);
    millis[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const version = opened.ort.env.versions.node ?? opened.ort.env.versions.common;
  const threads = `${opened.threads} thread${opened.threads === 1 ? "" : "s"}`;
  return {
    medianMs: quantile(millis, 0.5),
    p10Ms: quantile(millis, 0.1),
    p90Ms: quantile(millis, 0.9),
    runs,
    warmup,
    threads: opened.threads,
    onnxruntimeVersion: version,
    label: `measured on this machine: median of ${runs} warm runs (onnxruntime-node ${version}, ${threads})`,
  };
}

/**
 * Feeds for a model with a single input: `data` as a `[1, data.length]` tensor, token ids
 * (Int32Array) widened to int64 when the model takes int64.
 */
export function singleInputFeeds(opened: EvalSession, data: Int32Array | Float32Array): InferenceSession.FeedsType {
  const inputs = opened.session.inputMetadata;
  const input = inputs[0];
  if (inputs.length !== 1 || input === undefined || !input.isTensor) {
    throw new InputError(`latency needs a model with one tensor input; ${opened.modelPath} has ${inputs.length} inputs`, {
      location: { file: opened.modelPath },
    });
  }
  const dims = [1, data.length];
  if (data instanceof Int32Array && input.type === "int64") {
    return { [input.name]: new opened.ort.Tensor("int64", BigInt64Array.from(data, (v) => BigInt(v)), dims) };
  }
  if ((data instanceof Int32Array && input.type === "int32") || (data instanceof Float32Array && input.type === "float32")) {
    return { [input.name]: new opened.ort.Tensor(input.type, data, dims) };
  }
  throw new InputError(
    `the model's input ${input.name} is ${input.type}, but the latency input is ${data instanceof Int32Array ? "token ids" : "float32 features"}`,
    { location: { file: opened.modelPath } },
  );
}
