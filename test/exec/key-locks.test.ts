import { describe, expect, it } from "vitest";
import { KeyLocks } from "../../src/exec/key-locks.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("KeyLocks", () => {
  it("runs work with the same key one at a time, in the order asked, and other keys at once", async () => {
    const locks = new KeyLocks();
    const log: string[] = [];
    const job = (key: string, name: string) =>
      locks.run(key, async () => {
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
        return name;
      });
    const results = await Promise.all([job("k", "a"), job("k", "b"), job("other", "c"), job("k", "d")]);
    expect(results).toEqual(["a", "b", "c", "d"]);
    const order = (name: string) => [log.indexOf(`start ${name}`), log.indexOf(`end ${name}`)];
    // a, b, d never overlap; c overlaps a.
    expect(order("a")[1]).toBeLessThan(order("b")[0]!);
    expect(order("b")[1]).toBeLessThan(order("d")[0]!);
    expect(order("c")[0]).toBeLessThan(order("a")[1]!);
  });

  it("releases the key when the work fails", async () => {
    const locks = new KeyLocks();
    await expect(locks.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(locks.run("k", async () => "next")).resolves.toBe("next");
  });
});
