import { existsSync, readdirSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { classifierConfig, lmConfig, Project, states } from "./rig.js";

const projects: Project[] = [];
const project = (): Project => {
  const p = new Project();
  projects.push(p);
  return p;
};
afterEach(() => {
  for (const p of projects.splice(0)) p.remove();
});

/** Resolves when the child prints a line matching `pattern` on stdout. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) resolve();
    });
    child.on("exit", () => reject(new Error(`exited before printing ${pattern}: ${seen}`)));
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
}

describe("the classifier goes through the same flow", () => {
  it("measures accuracy on eval.jsonl and caches it", async () => {
    const p = project().addModel("brown-genre-mlp").write("slm.config.yaml", classifierConfig());
    const { result, json } = await p.buildJson();
    expect(result.code).toBe(0);
    expect(states(json)).toEqual({ import: "ran", "evaluate:baseline": "ran" });
    const metrics = json.results!.models[0]!.metrics;
    expect(metrics.total).toBe(100);
    expect(metrics.accuracy).toBe(metrics.correct! / 100);
    const all = await p.buildJson("--set", "data.evaluation.samples=600");
    // The fixtures' README: 205 of 600 eval chunks right (0.3417).
    expect(all.json.results!.models[0]!.metrics.correct).toBe(205);
    expect(states(all.json)).toEqual({ import: "cached", "evaluate:baseline": "ran" });
  });
});

describe("interrupted and concurrent builds", () => {
  it("a build killed mid-stage leaves a consistent store and build folder, and the next build completes", async () => {
    const p = project().addModel("gpt-relu-brown", { evalBytes: 200_000 }).write("slm.config.yaml", lmConfig().replace("windows: 4", "windows: 300"));
    const first = await p.run("build", "--set", "data.evaluation.windows=2");
    expect(first.code).toBe(0);
    const reportBefore = p.read("build/report.json");
    const child = p.spawn("build", "--progress", "plain");
    await waitForOutput(child, /run\s+evaluate:baseline/);
    child.kill("SIGKILL");
    expect((await exitOf(child)).signal).toBe("SIGKILL");
    // The old build folder and lock are untouched; nothing half-written sits beside them.
    expect(p.read("build/report.json")).toBe(reportBefore);
    expect(readdirSync(p.dir).filter((name) => name.startsWith("build.")).length).toBe(0);
    const { result, json } = await p.buildJson();
    expect(result.code).toBe(0);
    expect(states(json)).toEqual({ import: "cached", tokenize: "cached", "evaluate:baseline": "ran" });
    expect(json.results!.models[0]!.metrics.predictions).toBe(300 * 127);
  });

  it("Ctrl-C stops the build with exit code 130 and a consistent state", async () => {
    const p = project().addModel("gpt-relu-brown", { evalBytes: 200_000 }).write("slm.config.yaml", lmConfig().replace("windows: 4", "windows: 300"));
    const child = p.spawn("build", "--progress", "plain");
    await waitForOutput(child, /run\s+evaluate:baseline/);
    child.kill("SIGINT");
    expect((await exitOf(child)).code).toBe(130);
    expect(existsSync(p.path("slm.lock"))).toBe(false);
    expect(existsSync(p.path("build"))).toBe(false);
    // The interrupted stage's work folder and inputs went with the process.
    expect(readdirSync(p.path(".slm/tmp")).filter((name) => name.includes(`.${child.pid}.`))).toEqual([]);
    const again = await p.buildJson("--set", "data.evaluation.windows=2");
    expect(again.result.code).toBe(0);
    expect(states(again.json)).toEqual({ import: "cached", tokenize: "cached", "evaluate:baseline": "ran" });
  });

  it("two builds on one project and store at the same time both succeed", async () => {
    const p = project().addModel("gpt-relu-brown", { evalBytes: 20_000 }).write("slm.config.yaml", lmConfig());
    const a = p.spawn("build", "--progress", "plain");
    const b = p.spawn("build", "--progress", "plain");
    const [ea, eb] = await Promise.all([exitOf(a), exitOf(b)]);
    expect([ea.code, eb.code]).toEqual([0, 0]);
    const { json } = await p.buildJson();
    expect(Object.values(states(json))).toEqual(["cached", "cached", "cached"]);
    expect(JSON.parse(p.read("slm.lock")).stages.import.key).toMatch(/^[0-9a-f]{64}$/);
  });
});
