/**
 * Where the scoring kernel runs. onnxruntime-node's `session.run` occupies the main thread, so
 * scoring there adds its full cost (about 13 ns of `Math.exp` per logit) to every batch; scoring
 * in worker threads overlaps it with the next batch's inference whenever spare cores exist.
 * Both kinds return per-window sums, and the caller adds them in window order, so the result
 * does not depend on which kind or how many workers scored.
 */
import { WorkerPool } from "../util/worker-pool.js";
import { windowNllSums } from "./nll.js";

/** Scores batches of windows; see {@link windowNllSums} for the arguments. */
export interface NllScorer {
  /** Takes ownership of `logits` and `ids` (a worker scorer transfers their buffers). */
  score(logits: Float32Array, ids: Int32Array, window: number, vocab: number): Promise<Float64Array>;
  /** Batches that may be handed over before waiting for results, bounding memory. */
  readonly capacity: number;
  close(): Promise<void>;
}

/** Scores on the calling thread. */
export function inlineScorer(): NllScorer {
  return {
    capacity: 1,
    score: async (logits, ids, window, vocab) => windowNllSums(logits, ids, window, vocab),
    close: async () => {},
  };
}

// The kernel travels as source text: a worker file would exist only as .ts under the test
// runner, which plain Node workers cannot load.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const windowNllSums = ${windowNllSums.toString()};
parentPort.on("message", ({ logits, ids, window, vocab }) => {
  const sums = windowNllSums(logits, ids, window, vocab);
  parentPort.postMessage(sums, [sums.buffer]);
});
`;

/** Scores on `count` worker threads; each batch goes to the worker with the fewest queued. */
export function workerScorer(count: number): NllScorer {
  const pool = new WorkerPool<Float64Array>(WORKER_SOURCE, count, "perplexity scoring worker");
  return {
    capacity: 2 * count,
    score: (logits, ids, window, vocab) => pool.request({ logits, ids, window, vocab }, [logits.buffer as ArrayBuffer, ids.buffer as ArrayBuffer]),
    close: () => pool.close(),
  };
}
