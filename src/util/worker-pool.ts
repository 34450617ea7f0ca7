/**
 * A fixed set of worker threads running one kernel given as source text (a worker file would
 * exist only as .ts under the test runner, which plain Node workers cannot load). Each worker
 * answers its requests in order with one message, so replies are matched to requests by a
 * per-worker queue. The first failure of any worker (an error, an early exit) fails every
 * pending and later request with one SlmError naming the pool.
 */
import { Worker } from "node:worker_threads";
import { SlmError } from "../errors.js";

interface Pending<Reply> {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

interface Slot<Reply> {
  worker: Worker;
  queue: Pending<Reply>[];
}

export class WorkerPool<Reply> {
  readonly #slots: Slot<Reply>[];
  #failure: Error | undefined;

  /**
   * `what` names the pool in errors ("SNN simulation worker"). `decode` turns a worker's reply
   * into the result, throwing to reject that request (e.g. a reply that carries an error).
   */
  constructor(
    source: string,
    size: number,
    private readonly what: string,
    private readonly decode: (message: unknown) => Reply = (message) => message as Reply,
  ) {
    this.#slots = Array.from({ length: size }, () => this.#spawn(source));
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Sends a request to worker `index`, or to the one with the fewest pending; `transfer` moves buffers. */
  request(message: unknown, transfer: readonly ArrayBuffer[] = [], index?: number): Promise<Reply> {
    if (this.#failure) return Promise.reject(this.#failure);
    let slot = this.#slots[0]!;
    if (index !== undefined) slot = this.#slots[index]!;
    else for (const candidate of this.#slots) if (candidate.queue.length < slot.queue.length) slot = candidate;
    return new Promise<Reply>((resolve, reject) => {
      slot.queue.push({ resolve, reject });
      slot.worker.postMessage(message, [...transfer]);
    });
  }

  /** Sends every worker a message it does not answer (state it keeps, such as a network to run). */
  broadcast(message: unknown): void {
    for (const { worker } of this.#slots) worker.postMessage(message);
  }

  async close(): Promise<void> {
    await Promise.all(this.#slots.map(({ worker }) => worker.terminate()));
  }

  #spawn(source: string): Slot<Reply> {
    const worker = new Worker(source, { eval: true });
    const queue: Pending<Reply>[] = [];
    const fail = (error: Error): void => {
      this.#failure ??= new SlmError(`${this.what} failed: ${error.message}`, { cause: error });
      for (const job of queue.splice(0)) job.reject(this.#failure);
    };
    worker.on("message", (message: unknown) => {
      const job = queue.shift();
      if (!job) return;
      try {
        job.resolve(this.decode(message));
      } catch (error) {
        job.reject(error as Error);
      }
    });
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (queue.length > 0) fail(new Error(`exited with code ${code}`));
    });
    return { worker, queue };
  }
}
