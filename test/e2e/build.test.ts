import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lmConfig, Project, REPO, states } from "./rig.js";

// Small slices keep these fast: 4 windows of 128 tokens, the first 20 kB of eval.txt.
const EVAL_BYTES = 20_000;

describe("slm build on the language model", () => {
  const project = new Project();
  beforeAll(() => {
    project.addModel("gpt-relu-brown", { evalBytes: EVAL_BYTES }).write("slm.config.yaml", lmConfig());
  });
  afterAll(() => project.remove());

  it("builds from scratch: evaluates, writes the report, the lock and the deliverable model", async () => {
    const { result, json } = await project.buildJson();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(states(json)).toEqual({ import: "ran", tokenize: "ran", "evaluate:baseline": "ran" });
    const report = JSON.parse(project.read("build/report.json"));
    const baseline = report.results.models[0];
    expect(baseline.label).toBe("fp32 baseline");
    expect(baseline.metrics.predictions).toBe(4 * 127);
    expect(baseline.metrics.perplexity).toBeGreaterThan(10);
    expect(baseline.metrics.perplexity).toBeLessThan(100);
    expect(baseline.latency.label).toMatch(/^measured on this machine: .*, no other build stage running$/);
    expect(baseline.parameters).toBe(1_071_872);
    expect(project.read("build/report.md")).toContain("fp32 baseline");
    expect(existsSync(project.path("build/model.onnx"))).toBe(true);
    const lock = JSON.parse(project.read("slm.lock"));
    expect(Object.keys(lock.stages)).toEqual(["evaluate:baseline", "import", "tokenize"]);
    expect(lock.stages["evaluate:baseline"].params["data.evaluation.windows"]).toBe(4);
    expect(lock.stages.import.inputs.model.path).toBe("models/gpt-relu-brown/model.onnx");
  });

  it("reruns nothing on a second build and says every stage came from the cache", async () => {
    const lockBefore = project.read("slm.lock");
    const plain = await project.run("build");
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("all 3 stages came from the cache");
    const { json } = await project.buildJson();
    expect(Object.values(states(json))).toEqual(["cached", "cached", "cached"]);
    expect(json.lockChanged).toBe(false);
    expect(project.read("slm.lock")).toBe(lockBefore);
  });

  it("explains and reruns only what a changed value affects (--set)", async () => {
    const status = await project.run("status", "--set", "data.evaluation.windows=2");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/cached\s+import/);
    expect(status.stdout).toMatch(/cached\s+tokenize/);
    expect(status.stdout).toMatch(/run\s+evaluate:baseline.*data\.evaluation\.windows: 4 → 2/);
    const { json } = await project.buildJson("--set", "data.evaluation.windows=2");
    expect(states(json)).toEqual({ import: "cached", tokenize: "cached", "evaluate:baseline": "ran" });
    expect(json.results!.models[0]!.metrics.predictions).toBe(2 * 127);
    // Back to 4 windows: that result is still in the cache.
    const back = await project.buildJson();
    expect(Object.values(states(back.json))).toEqual(["cached", "cached", "cached"]);
  });

  it("reruns the stages that read an edited input file, and says which file changed", async () => {
    const text = project.read("models/gpt-relu-brown/eval.txt");
    project.write("models/gpt-relu-brown/eval.txt", `${text.slice(0, 5000)}${text.slice(5000).toUpperCase()}`);
    const dry = await project.run("build", "--dry-run");
    expect(dry.stdout).toMatch(/run\s+tokenize.*models\/gpt-relu-brown\/eval\.txt: content changed/);
    expect(dry.stdout).toMatch(/cached\s+import/);
    const { json } = await project.buildJson();
    expect(states(json)).toEqual({ import: "cached", tokenize: "ran", "evaluate:baseline": "ran" });
    project.write("models/gpt-relu-brown/eval.txt", text);
  });

  it("--frozen fails when the build would change slm.lock and passes when it would not", async () => {
    rmSync(project.path("slm.lock"), { force: true });
    const noLock = await project.run("build", "--frozen");
    expect(noLock.code).toBe(2);
    expect(noLock.stderr).toContain("--frozen checks the build against slm.lock, and there is none");
    await project.run("build");
    const frozenOk = await project.run("build", "--frozen");
    expect(frozenOk.code).toBe(0);
    const drift = await project.run("build", "--frozen", "--set", "evaluation.batch=3");
    expect(drift.code).toBe(2);
    expect(drift.stderr).toContain("--frozen: the build would change slm.lock");
    expect(drift.stderr).toContain("evaluation.batch: 8 → 3");
  });

  it("prints the DAG as DOT and Mermaid", async () => {
    const dot = await project.run("graph", "--format", "dot");
    expect(dot.stdout).toContain('"import" -> "evaluate:baseline"');
    expect(dot.stdout).toContain('"tokenize" -> "evaluate:baseline"');
    const mermaid = await project.run("graph", "--format", "mermaid");
    expect(mermaid.stdout).toMatch(/^flowchart LR/);
  });

  it("cleans the build folder, and gc shrinks the store to a budget keeping the lock's entries", async () => {
    const gc = await project.run("gc", "--max-size", "1KB");
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/removed \d+ action records/);
    const clean = await project.run("clean");
    expect(clean.code).toBe(0);
    expect(existsSync(project.path("build"))).toBe(false);
    expect(existsSync(project.path(".slm"))).toBe(true);
  });
});

describe("reproducibility", () => {
  it("two clean builds in different folders write the same lock and byte-identical artifacts", async () => {
    const a = new Project("slm-e2e-a-");
    const b = new Project("slm-e2e-b-");
    try {
      for (const p of [a, b]) p.addModel("gpt-relu-brown", { evalBytes: EVAL_BYTES }).write("slm.config.yaml", lmConfig());
      const [ra, rb] = await Promise.all([a.run("build"), b.run("build")]);
      expect([ra.code, rb.code]).toEqual([0, 0]);
      expect(a.read("slm.lock")).toBe(b.read("slm.lock"));
      for (const file of ["build/model.onnx", "build/metrics/baseline.json"]) {
        expect(a.readBytes(file).equals(b.readBytes(file))).toBe(true);
      }
    } finally {
      a.remove();
      b.remove();
    }
  });
});

it("the repository's own example config validates", async () => {
  const project = new Project();
  try {
    const result = await project.run("validate", "-c", join(REPO, "slm.config.yaml"));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(readdirSync(project.dir)).toEqual([]);
  } finally {
    project.remove();
  }
});
