import { describe, expect, it } from "vitest";
import { RunGate } from "../../src/exec/run-gate.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("RunGate", () => {
  it("runs exclusive work only when no other holder is inside, and makes later arrivals wait for it", async () => {
    const gate = new RunGate();
    const log: string[] = [];
    await gate.enterShared(); // stage A
    await gate.enterShared(); // stage B, which will measure
    const measured = gate.exclusive(async () => {
      log.push("measure start");
      await tick();
      log.push("measure end");
      return 42;
    });
    await tick();
    expect(log).toEqual([]); // A is still inside
    const lateArrival = gate.enterShared().then(() => log.push("C enters")); // stage C queues behind the measurement
    await tick();
    log.push("A leaves");
    gate.leaveShared();
    expect(await measured).toBe(42);
    await lateArrival;
    expect(log).toEqual(["A leaves", "measure start", "measure end", "C enters"]);
    gate.leaveShared(); // B
    gate.leaveShared(); // C
  });

  it("gives back the share even when the exclusive work fails", async () => {
    const gate = new RunGate();
    await gate.enterShared();
    await expect(gate.exclusive(async () => Promise.reject(new Error("no")))).rejects.toThrow("no");
    await gate.enterShared(); // would hang if the gate were still exclusive
    gate.leaveShared();
    await expect(gate.exclusive(async () => "alone")).resolves.toBe("alone");
    gate.leaveShared();
  });
});
