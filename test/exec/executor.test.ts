import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { BuildEvent } from "../../src/exec/events.js";
import { execute, type BuildContext, type BuildResult } from "../../src/exec/executor.js";
import type { Lock } from "../../src/plan/lock.js";
import { PlanBuilder, type Plan } from "../../src/plan/plan.js";
import type { StageKind } from "../../src/plan/stage-kind.js";
import { Store } from "../../src/store/store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A stage kind that counts its runs and writes `text(params)` to out.txt. */
function countingKind(id: string, text: (params: Record<string, unknown>) => string, extra: Partial<StageKind> = {}): StageKind & { runs: number } {
  const kind = {
    id,
    version: "1",
    description: "test",
    runs: 0,
    async run(ctx: { workDir: string }, _inputs: Readonly<Record<string, string>>, params: Record<string, unknown>) {
      kind.runs++;
      await writeFile(join(ctx.workDir, "out.txt"), text(params));
      return { outputs: { "out.txt": "out.txt" } };
    },
    ...extra,
  };
  return kind as StageKind & { runs: number };
}

async function setup(): Promise<{ dir: string; store: Store }> {
  const dir = mkdtempSync(join(tmpdir(), "slm-exec-"));
  dirs.push(dir);
  return { dir, store: await Store.open(join(dir, ".slm")) };
}

async function run(dir: string, store: Store, plan: Plan, options: { lock?: Lock; jobs?: number; frozen?: boolean; dryRun?: boolean } = {}): Promise<BuildResult & { events: BuildEvent[] }> {
  const events: BuildEvent[] = [];
  const context: BuildContext = { plan, projectDir: dir, store, files: store.statCache, lock: options.lock, engines: {}, locate: () => undefined };
  const result = await execute(context, {
    dryRun: options.dryRun ?? false,
    frozen: options.frozen ?? false,
    jobs: options.jobs ?? 2,
    signal: new AbortController().signal,
    listener: (event) => events.push(event),
  });
  return { ...result, events };
}

const stateOf = (result: BuildResult): Record<string, string> => Object.fromEntries([...result.outcomes].map(([id, o]) => [id, o.state]));

describe("execute", () => {
  it("stops the rebuild where a rerun stage produces the same bytes (early cutoff)", async () => {
    const { dir, store } = await setup();
    const upstream = countingKind("up", () => "same bytes whatever the param");
    const downstream = countingKind("down", () => "down");
    const plan = (param: number): Plan => {
      const b = new PlanBuilder();
      b.add({ id: "up", kind: upstream, params: { p: param }, origins: { p: "x.p" }, inputs: {}, materialize: {} });
      b.add({ id: "down", kind: downstream, params: {}, origins: {}, inputs: { in: { from: "stage", stage: "up", output: "out.txt" } }, materialize: {} });
      return b.finish();
    };
    expect(stateOf(await run(dir, store, plan(1)))).toEqual({ up: "ran", down: "ran" });
    const second = await run(dir, store, plan(2));
    expect(stateOf(second)).toEqual({ up: "ran", down: "cached" });
    expect([upstream.runs, downstream.runs]).toEqual([2, 1]);
  });

  it("skips what depends on a failed stage and still runs independent branches", async () => {
    const { dir, store } = await setup();
    const failing = countingKind("bad", () => "", { run: async () => Promise.reject(new Error("boom")) });
    const ok = countingKind("ok", () => "fine");
    const b = new PlanBuilder();
    b.add({ id: "bad", kind: failing, params: {}, origins: {}, inputs: {}, materialize: {} });
    b.add({ id: "after", kind: ok, params: {}, origins: {}, inputs: { in: { from: "stage", stage: "bad", output: "out.txt" } }, materialize: {} });
    b.add({ id: "independent", kind: ok, params: {}, origins: {}, inputs: {}, materialize: {} });
    const result = await run(dir, store, b.finish());
    expect(stateOf(result)).toEqual({ bad: "failed", after: "skipped", independent: "ran" });
    expect(result.exitCode).toBe(1);
    expect(result.outcomes.get("bad")!.error!.message).toMatch(/stage bad \(bad@1\) failed: boom/);
  });

  it("runs at most `jobs` stages at once", async () => {
    const { dir, store } = await setup();
    let running = 0;
    let peak = 0;
    const slow: StageKind = {
      id: "slow",
      version: "1",
      description: "",
      async run(ctx, _inputs, params) {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        await writeFile(join(ctx.workDir, "o"), String(params.n));
        return { outputs: { o: "o" } };
      },
    };
    const b = new PlanBuilder();
    for (let n = 0; n < 6; n++) b.add({ id: `s${n}`, kind: slow, params: { n }, origins: {}, inputs: {}, materialize: {} });
    await run(dir, store, b.finish(), { jobs: 2 });
    expect(peak).toBe(2);
  });

  it("keys discovered inputs: editing one reruns the stage, restoring it hits the cache again", async () => {
    const { dir, store } = await setup();
    writeFileSync(join(dir, "side.bin"), "v1");
    const reader = countingKind("reader", () => "x", {});
    const kind: StageKind & { runs: number } = {
      ...reader,
      runs: 0,
      async run(ctx) {
        kind.runs++;
        await writeFile(join(ctx.workDir, "o"), "o");
        return { outputs: { o: "o" }, discoveredInputs: [join(dir, "side.bin")] };
      },
    };
    const b = new PlanBuilder();
    b.add({ id: "r", kind, params: {}, origins: {}, inputs: {}, materialize: {} });
    const plan = b.finish();
    await run(dir, store, plan);
    expect(stateOf(await run(dir, store, plan))).toEqual({ r: "cached" });
    writeFileSync(join(dir, "side.bin"), "v2");
    const changed = await run(dir, store, plan, { dryRun: true });
    expect(changed.outcomes.get("r")!.reasons).toContain("side.bin: content changed");
    expect(stateOf(await run(dir, store, plan))).toEqual({ r: "ran" });
    writeFileSync(join(dir, "side.bin"), "v1");
    expect(stateOf(await run(dir, store, plan))).toEqual({ r: "cached" });
    expect(kind.runs).toBe(2);
  });

  it("--frozen fails a stage whose rerun gives other bytes than the lock records", async () => {
    const { dir, store } = await setup();
    let counter = 0;
    const unstable = countingKind("unstable", () => String(counter++));
    const b = new PlanBuilder();
    b.add({ id: "u", kind: unstable, params: {}, origins: {}, inputs: {}, materialize: {} });
    const plan = b.finish();
    const first = await run(dir, store, plan);
    const lock: Lock = { lockVersion: 1, stages: { u: first.outcomes.get("u")!.entry! } };
    const other = await Store.open(join(dir, "other-store"));
    const frozen = await run(dir, other, plan, { lock, frozen: true });
    expect(frozen.outcomes.get("u")!.state).toBe("failed");
    expect(frozen.outcomes.get("u")!.error!.message).toMatch(/produced other bytes than slm\.lock records/);
  });
});
