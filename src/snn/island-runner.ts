/**
 * Runs islands over many rows, on worker threads when asked: the rows are cut into contiguous
 * chunks, one per worker, and the chunks' outputs are put back in row order and their counts
 * added. Each row is simulated alone and counts are whole numbers, so the results are the same
 * for any number of workers.
 */
import { SlmError } from "../errors.js";
import { WorkerPool } from "../util/worker-pool.js";
import { simulateIsland, type KernelIsland, type KernelResult } from "./kernel.js";

/** Simulates rows of registered islands. */
export interface IslandRunner {
  /** Makes `island` known to every worker; returns its handle. */
  register(island: KernelIsland): number;
  /** `inputs[k]`: rows × island.inputWidths[k] analog values. */
  run(handle: number, inputs: Float32Array[], rows: number): Promise<KernelResult>;
  close(): Promise<void>;
}

/** `threads` ≤ 1: on the calling thread; more: on that many worker threads. */
export function islandRunner(threads: number): IslandRunner {
  return threads <= 1 ? inlineRunner() : workerRunner(threads);
}

function inlineRunner(): IslandRunner {
  const islands: KernelIsland[] = [];
  return {
    register: (island) => islands.push(island) - 1,
    run: async (handle, inputs, rows) => simulateIsland(islands[handle]!, inputs, rows),
    close: async () => {},
  };
}

// The kernel travels as source text: a worker file would exist only as .ts under the test
// runner, which plain Node workers cannot load (as src/eval/nll-scorer.ts does).
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const simulateIsland = ${simulateIsland.toString()};
const islands = [];
parentPort.on("message", (message) => {
  if (message.island) {
    islands.push(message.island);
    return;
  }
  try {
    const result = simulateIsland(islands[message.handle], message.inputs, message.rows);
    const transfer = [...result.outputs, ...result.counts.neuronSpikes].map((array) => array.buffer);
    parentPort.postMessage({ result }, transfer);
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.stack) || error) });
  }
});
`;

function workerRunner(threads: number): IslandRunner {
  const pool = new WorkerPool<KernelResult>(WORKER_SOURCE, threads, "SNN simulation worker", (message) => {
    const reply = message as { result?: KernelResult; error?: string };
    if (reply.result) return reply.result;
    throw new SlmError(`SNN simulation worker failed: ${reply.error}`);
  });
  let islands = 0;
  return {
    register(island) {
      pool.broadcast({ island });
      return islands++;
    },
    async run(handle, inputs, rows) {
      const chunk = Math.ceil(rows / pool.size);
      const jobs: Promise<KernelResult>[] = [];
      for (let first = 0, w = 0; first < rows; first += chunk, w++) {
        const count = Math.min(chunk, rows - first);
        const slices = inputs.map((input) => {
          const width = input.length / rows;
          return input.slice(first * width, (first + count) * width);
        });
        jobs.push(pool.request({ handle, inputs: slices, rows: count }, slices.map((slice) => slice.buffer), w));
      }
      return mergeResults(await Promise.all(jobs));
    },
    close: () => pool.close(),
  };
}

/** Chunks' results in row order: outputs concatenated, counts added. */
function mergeResults(parts: readonly KernelResult[]): KernelResult {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  const outputs = first.outputs.map((_, l) => {
    const merged = new Float64Array(parts.reduce((total, part) => total + part.outputs[l]!.length, 0));
    let at = 0;
    for (const part of parts) {
      merged.set(part.outputs[l]!, at);
      at += part.outputs[l]!.length;
    }
    return merged;
  });
  const add = (pick: (result: KernelResult) => Float64Array): Float64Array => {
    const total = new Float64Array(pick(first).length);
    for (const part of parts) pick(part).forEach((value, i) => (total[i] = total[i]! + value));
    return total;
  };
  const c = first.counts;
  return {
    outputs,
    counts: {
      spikes: add((r) => r.counts.spikes),
      synapticOps: add((r) => r.counts.synapticOps),
      activeUpdates: add((r) => r.counts.activeUpdates),
      idleUpdates: add((r) => r.counts.idleUpdates),
      neuronSpikes: c.neuronSpikes.map((_, l) => add((r) => r.counts.neuronSpikes[l]!)),
    },
  };
}
