import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffMarkdown } from "../../src/report/diff.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { summaryMarkdown } from "../../src/report/summary.js";
import { Project } from "../e2e/rig.js";
import { exampleClassifierConfig, fullReport } from "./fixtures.js";

describe("diffMarkdown", () => {
  it("lists each figure, gate and artifact that changed, and nothing else", () => {
    const base = fullReport();
    const head = fullReport();
    const chip = head.results.models[3]!;
    chip.quality = { metric: "accuracy", value: 0.72, change: 0.8 };
    (chip.metrics.estimates as { energyPerInference: { value: number } }).energyPerInference.value = 1.55;
    head.results.gates[1]!.status = "passed";
    head.results.artifacts["model.onnx"] = `sha256:${"c".repeat(64)}`;
    head.results.models.pop();
    const markdown = diffMarkdown({ name: "main", report: base, artifacts: base.results.artifacts }, { name: "pr", report: head, artifacts: head.results.artifacts });
    expect(markdown).toContain("| loihi2-sim | accuracy | 69.80 % | 72.00 % | +2.20 pt |");
    expect(markdown).toContain("| loihi2-sim | energy / inference | 3.1 µJ (estimated from derived figures) | 1.55 µJ (estimated from derived figures) | \u221250.00 % |");
    expect(markdown).toContain("| truenorth-sim | row |  | removed |  |");
    expect(markdown).toContain("| `gates.energy_uj` | failed (limit 2 µJ) | passed (limit 2 µJ) |");
    expect(markdown).toContain("| `model.onnx` | `aaaaaaaaaaaa` | `cccccccccccc` |");
    expect(markdown).not.toContain("cpu-int8 |");
    expect(diffMarkdown({ name: "a", report: base, artifacts: {} }, { name: "b", report: fullReport(), artifacts: {} })).toContain("No metric, gate or artifact changed.");
  });
});

describe("slm report", () => {
  const project = new Project("slm-report-cmd-").addModel("brown-genre-mlp");
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=slm", "-c", "user.email=slm@example.com", ...args], { cwd: project.dir, encoding: "utf8" });
  beforeAll(async () => {
    project.write("slm.config.yaml", exampleClassifierConfig()).write(".gitignore", "build/\n.slm/\n");
    const build = await project.run("build");
    expect(build.code, build.stderr).toBe(0);
    git("init", "-q");
    git("add", ".");
    git("commit", "-q", "-m", "base");
    execFileSync("cp", [project.path("build/report.json"), project.path("base-report.json")]);
    // A change that reruns conversion and what follows: the spiking row and snn artifact change.
    project.write("slm.config.yaml", exampleClassifierConfig().replace("timesteps: 8", "timesteps: 4"));
    const rebuild = await project.run("build");
    expect(rebuild.code, rebuild.stderr).toBe(0);
  });
  afterAll(() => project.remove());

  it("prints the last build's summary, and appends it with --summary", async () => {
    const result = await project.run("report", "--summary", "step-summary.md");
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(project.read("build/report.json"));
    expect(result.stdout).toBe(`${summaryMarkdown(report)}\n`);
    expect(result.stdout).toMatch(/^### slm: mlp-test: no gates\n/);
    expect(project.read("step-summary.md")).toBe(`${summaryMarkdown(report).trimEnd()}\n\n`);
    expect(project.read("build/report.md")).toBe(renderMarkdown(report));
  });

  it("--diff REPORT compares metrics and the build folder's artifact digests", async () => {
    const result = await project.run("report", "--diff", "base-report.json");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^### slm: changes from `base-report\.json` to `build\/report\.json`/);
    expect(result.stdout).toMatch(/\| convert \(spiking\) \| spikes \/ inference \| [\d,.]+ \| [\d,.]+ \| \u2212[\d.]+ % \|/);
    expect(result.stdout).toMatch(/\| `snn` \| `[0-9a-f]{12}` \| `[0-9a-f]{12}` \|/);
    expect(result.stdout).not.toContain("`model.onnx`");
  });

  it("--diff REVISION compares the revision's slm.lock, and says its report is not committed", async () => {
    const result = await project.run("report", "--diff", "HEAD");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^### slm: changes from `HEAD` to `working tree`/);
    expect(result.stdout).toContain("> HEAD has no committed build/report.json, so only artifact digests are compared");
    expect(result.stdout).toMatch(/\| `convert\/snn` \| `[0-9a-f]{12}` \| `[0-9a-f]{12}` \|/);
    expect(result.stdout).not.toContain("`quantize/model.onnx`");
  });

  it("refuses what is neither a report nor a revision, and a file that is not a report", async () => {
    const missing = await project.run("report", "--diff", "no-such-thing");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('"no-such-thing" is neither a file nor a git revision of this repository');
    const notReport = await project.run("report", "--diff", "slm.config.yaml");
    expect(notReport.code).toBe(2);
    expect(notReport.stderr).toMatch(/^slm: slm\.config\.yaml: not a report\.json: /);
  });
});
