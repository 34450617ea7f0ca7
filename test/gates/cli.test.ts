import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/model.js";
import { classifierConfig, lmConfig, Project } from "../e2e/rig.js";
import { exampleClassifierConfig } from "../report/fixtures.js";

/**
 * Gates through the real CLI. Gates are not inputs of any stage, so after the first build every
 * build here restores all stages from the cache and only the verdict changes.
 */
describe("gates in slm build", () => {
  const project = new Project("slm-gates-").addModel("brown-genre-mlp");
  let latency: number;
  beforeAll(async () => {
    project.write("slm.config.yaml", exampleClassifierConfig());
    const build = await project.run("build");
    expect(build.code, build.stderr).toBe(0);
    const report = JSON.parse(project.read("build/report.json")) as Report;
    latency = report.results.models.find((row) => row.target === "cpu-int8")!.latency!.medianMs;
  });
  afterAll(() => project.remove());

  it("fails with exit 3 after writing the report when a gate is set just below the measured value, naming the gate, the limit and the value", async () => {
    const limit = Number((latency * 0.99).toPrecision(4));
    project.write("slm.config.yaml", exampleClassifierConfig(`gates:\n  targets:\n    cpu-int8: {latency_ms: ${limit}}\n`));
    const before = project.read("build/report.md");
    const build = await project.run("build", "--summary", "summary.md");
    expect(build.code, build.stderr).toBe(3);
    expect(build.stderr).toMatch(
      new RegExp(`slm\\.config\\.yaml:22:16: gate failed: gates\\.targets\\.cpu-int8\\.latency_ms: cpu-int8: latency per inference [\\d.]+ ms exceeds the limit ${limit} ms by [\\d.]+ ms`),
    );
    expect(build.stdout).toMatch(/gates failed \(exit 3\)/);
    // The report was written, and marks the gate failed.
    const markdown = project.read("build/report.md");
    expect(markdown).not.toBe(before);
    expect(markdown).toMatch(/\| `gates\.targets\.cpu-int8\.latency_ms` \| cpu-int8 \| [\d.]+ ms \| ≤ [\d.]+ ms \| ❌ failed \|/);
    expect(project.read("build/report.html")).toContain(`<span class="verdict failed">failed</span>`);
    expect(project.read("summary.md")).toMatch(/^### slm: mlp-test: 1 of 1 gate failed\n/);

    const json = await project.buildJson();
    expect(json.result.code).toBe(3);
    expect(json.json.ok).toBe(false);
    expect(json.json.errors![0]!.message).toMatch(/^gate failed: gates\.targets\.cpu-int8\.latency_ms: cpu-int8: /);
  });

  it("passes when the gate is just above the measured value, and the report marks it passed", async () => {
    const limit = Number((latency * 1.01).toPrecision(4));
    const build = await project.run("build", "--set", `gates.targets.cpu-int8.latency_ms=${limit}`, "--summary", "summary.md");
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/1 gate passed/);
    expect(project.read("build/report.md")).toMatch(/\| `gates\.targets\.cpu-int8\.latency_ms` \| cpu-int8 \| [\d.]+ ms \| ≤ [\d.]+ ms \| ✅ passed \|/);
    // --summary appends: the failed build's summary is still there, followed by this one.
    const summary = project.read("summary.md");
    expect(summary.match(/^### slm: mlp-test: /gm)).toHaveLength(2);
    expect(summary).toContain("### slm: mlp-test: all 1 gate passed");
    expect(summary).toMatch(/\| cpu-int8 \| [\d.]+ kB \|/);
  });

  it("refuses a gate that no row has a figure for (an energy gate without a simulated target): exit 2 at its line, after the report", async () => {
    const build = await project.run("build", "--set", "gates.energy_uj=50");
    expect(build.code).toBe(2);
    expect(build.stderr).toMatch(/slm: --set gates\.energy_uj=50: gates\.energy_uj: no row but the fp32 baseline has a figure for energy per inference, so this gate would check nothing \(energy is estimated only for simulated neuromorphic targets/);
    expect(project.read("build/report.md")).toMatch(/\| `gates\.energy_uj` \| every row but the baseline \|  \| ≤ 50 µJ \| ⚠️ no figure: /);
  });
});

describe("gates: in the config", () => {
  const project = new Project("slm-gates-config-").addModel("brown-genre-mlp");
  afterAll(() => project.remove());

  async function validate(gates: string) {
    project.write("slm.config.yaml", classifierConfig(`targets: [cpu-int8]\ngates:\n${gates}`));
    return project.run("validate");
  }

  it("says where an unknown gate is and which one was meant", async () => {
    const result = await validate("  energy_mj: 5\n");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('slm.config.yaml:14:3: unknown key "energy_mj" in gates (did you mean "energy_uj"?)');
  });

  it("refuses a target gate for a target the config does not build", async () => {
    const result = await validate("  targets:\n    cpu-int9: {latency_ms: 5}\n");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/slm\.config\.yaml:15:5: gates\.targets\.cpu-int9 names target "cpu-int9", which is not in targets \(did you mean "cpu-int8"\?\)/);
  });

  it("refuses the other task's gate and a percentage written without %", async () => {
    const wrongTask = await validate("  perplexity_increase: 5%\n");
    expect(wrongTask.code).toBe(2);
    expect(wrongTask.stderr).toMatch(/gates\.perplexity_increase is only for causal-lm models \(model\.task is classifier\); use accuracy_drop/);
    project.addModel("gpt-relu-brown").write("slm.config.yaml", lmConfig("gates:\n  perplexity_increase: 5\n"));
    const lm = await project.run("validate");
    expect(lm.code).toBe(2);
    expect(lm.stderr).toMatch(/slm\.config\.yaml:\d+:\d+: gates\.perplexity_increase must be a percentage of the baseline's perplexity, written with %, e\.g\. 5% \(got 5\)/);
  });
});
