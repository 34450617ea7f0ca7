import { describe, expect, it } from "vitest";
import { SlmError } from "../../src/errors.js";
import { WorkerPool } from "../../src/util/worker-pool.js";

const ECHO = `
const { parentPort, threadId } = require("node:worker_threads");
let kept = 0;
parentPort.on("message", (m) => {
  if (m.keep !== undefined) { kept = m.keep; return; }
  if (m.crash) throw new Error("boom");
  parentPort.postMessage({ value: m.value * 2 + kept, threadId, bytes: m.buffer ? m.buffer.byteLength : 0 });
});
`;

describe("WorkerPool", () => {
  it("answers each request with its worker's reply, spreading requests over the workers", async () => {
    const pool = new WorkerPool<{ value: number; threadId: number }>(ECHO, 2, "echo worker");
    try {
      pool.broadcast({ keep: 1 });
      const replies = await Promise.all([1, 2, 3, 4].map((value) => pool.request({ value })));
      expect(replies.map((r) => r.value)).toEqual([3, 5, 7, 9]);
      expect(new Set(replies.map((r) => r.threadId)).size).toBe(2);
      const pinned = await Promise.all([pool.request({ value: 0 }, [], 1), pool.request({ value: 0 }, [], 1)]);
      expect(pinned[0]!.threadId).toBe(pinned[1]!.threadId);
    } finally {
      await pool.close();
    }
  });

  it("moves transferred buffers to the worker", async () => {
    const pool = new WorkerPool<{ bytes: number }>(ECHO, 1, "echo worker");
    try {
      const buffer = new ArrayBuffer(64);
      const reply = await pool.request({ value: 1, buffer }, [buffer]);
      expect(reply.bytes).toBe(64);
      expect(buffer.byteLength).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it("fails pending and later requests with one error naming the pool when a worker fails", async () => {
    const pool = new WorkerPool<unknown>(ECHO, 1, "echo worker");
    try {
      const crashed = pool.request({ crash: true });
      await expect(crashed).rejects.toThrow(SlmError);
      await expect(crashed).rejects.toThrow(/echo worker failed: boom/);
      await expect(pool.request({ value: 1 })).rejects.toThrow(/echo worker failed/);
    } finally {
      await pool.close();
    }
  });

  it("rejects a request whose reply the decoder refuses", async () => {
    const pool = new WorkerPool<number>(ECHO, 1, "echo worker", (m) => {
      const { value } = m as { value: number };
      if (value > 10) throw new Error(`too large: ${value}`);
      return value;
    });
    try {
      await expect(pool.request({ value: 2 })).resolves.toBe(4);
      await expect(pool.request({ value: 6 })).rejects.toThrow("too large: 12");
      await expect(pool.request({ value: 3 })).resolves.toBe(6);
    } finally {
      await pool.close();
    }
  });
});
