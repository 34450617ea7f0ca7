/**
 * Where the statistics kernel runs. onnxruntime-node runs inference synchronously on the main
 * thread, so observing a batch there adds its whole cost to every batch; in worker threads it
 * overlaps with the next batch's inference whenever spare cores exist. Both kinds return one
 * observation per tensor, the same whoever computes it, and the caller merges them in batch
 * order (accumulator.ts), so the statistics do not depend on the kind or the number of workers.
 */
import { WorkerPool } from "../../util/worker-pool.js";
import { HISTOGRAM_BINS, KERNEL_SOURCE, observeTensor, type TensorObservation } from "./kernel.js";

/** One tensor of one batch: its values, laid out as rows of `features` (its last dimension). */
export interface BatchTensor {
  data: Float32Array;
  features: number;
  squares: boolean;
}

/** Observes the tensors of one batch at a time. */
export interface BatchObserver {
  /** One observation per tensor, in the order given. Takes ownership of the tensors' data (a worker gets their buffers). */
  observe(tensors: readonly BatchTensor[]): Promise<TensorObservation[]>;
  /** Batches that may be handed over before waiting for results, bounding memory. */
  readonly capacity: number;
  close(): Promise<void>;
}

/** Observes on the calling thread. */
export function inlineObserver(): BatchObserver {
  return {
    capacity: 1,
    observe: async (tensors) => tensors.map((t) => observeTensor(t.data, t.features, t.squares, HISTOGRAM_BINS)),
    close: async () => {},
  };
}

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
${KERNEL_SOURCE}
parentPort.on("message", (tensors) => {
  const results = tensors.map((t) => ${observeTensor.name}(t.data, t.features, t.squares, ${HISTOGRAM_BINS}));
  const transfer = [];
  for (const r of results) {
    transfer.push(r.counts.buffer);
    if (r.squareSums) transfer.push(r.squareSums.buffer);
  }
  parentPort.postMessage(results, transfer);
});
`;

/** Observes on `count` worker threads; each batch goes to the worker with the fewest queued. */
export function workerObserver(count: number): BatchObserver {
  const pool = new WorkerPool<TensorObservation[]>(WORKER_SOURCE, count, "calibration statistics worker");
  return {
    capacity: 2 * count,
    // Several outputs may share one buffer; each buffer is listed once.
    observe: (tensors) => pool.request(tensors, [...new Set(tensors.map((t) => t.data.buffer as ArrayBuffer))]),
    close: () => pool.close(),
  };
}
