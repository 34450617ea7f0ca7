/**
 * Where the statistics kernel runs. onnxruntime-node runs inference synchronously on the main
 * thread, so observing a batch there adds its whole cost to every batch; in worker threads it
 * overlaps with the next batch's inference whenever spare cores exist. Both kinds return one
 * observation per tensor, the same whoever computes it, and the caller merges them in batch
 * order (accumulator.ts), so the statistics do not depend on the kind or the number of workers.
 */
import { Worker } from "node:worker_threads";
import { SlmError } from "../../errors.js";
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

interface Job {
  resolve(results: TensorObservation[]): void;
  reject(error: Error): void;
}

/** Observes on `count` worker threads; each batch goes to the worker with the fewest queued. */
export function workerObserver(count: number): BatchObserver {
  let failure: Error | undefined;
  const workers = Array.from({ length: count }, () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const queue: Job[] = [];
    const fail = (error: Error): void => {
      failure ??= new SlmError(`calibration statistics worker failed: ${error.message}`, { cause: error });
      for (const job of queue.splice(0)) job.reject(failure);
    };
    worker.on("message", (results: TensorObservation[]) => queue.shift()?.resolve(results));
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (queue.length > 0) fail(new Error(`exited with code ${code}`));
    });
    return { worker, queue };
  });
  return {
    capacity: 2 * count,
    observe(tensors) {
      if (failure) return Promise.reject(failure);
      let target = workers[0]!;
      for (const candidate of workers) if (candidate.queue.length < target.queue.length) target = candidate;
      // Several outputs may share one buffer; each buffer is listed once.
      const transfer = [...new Set(tensors.map((t) => t.data.buffer as ArrayBuffer))];
      return new Promise<TensorObservation[]>((resolve, reject) => {
        target.queue.push({ resolve, reject });
        target.worker.postMessage(tensors, transfer);
      });
    },
    async close() {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
    },
  };
}
