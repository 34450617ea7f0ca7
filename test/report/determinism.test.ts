import { afterAll, describe, expect, it } from "vitest";
import { RUN_PART_MARKER } from "../../src/report/markdown.js";
import type { Report } from "../../src/report/model.js";
import { Project } from "../e2e/rig.js";
import { exampleClassifierConfig } from "./fixtures.js";

/**
 * Two clean builds of the same inputs, in different folders with their own stores: `results` and
 * the reports up to the run part are identical (no timestamps, no absolute paths, a stable
 * order), so the report's digests are stable. Latency is the one measurement that varies from
 * run to run, so it is off here (evaluation.latency_runs: 0).
 */
describe("the report of two builds of the same inputs", () => {
  const projects = [new Project("slm-determinism-a-"), new Project("slm-determinism-b-")];
  afterAll(() => projects.forEach((project) => project.remove()));

  it("has identical results, and identical report.md and report.html outside the run part", async () => {
    const config = exampleClassifierConfig("gates:\n  accuracy_drop: 50\n").replace("latency_runs: 3", "latency_runs: 0");
    const outputs = [];
    for (const project of projects) {
      project.addModel("brown-genre-mlp").write("slm.config.yaml", config);
      const build = await project.run("build");
      expect(build.code, build.stderr).toBe(0);
      outputs.push({ report: JSON.parse(project.read("build/report.json")) as Report, md: project.read("build/report.md"), html: project.read("build/report.html") });
    }
    const [a, b] = outputs as [(typeof outputs)[0], (typeof outputs)[0]];
    expect(a.report.results.models.length).toBe(4);
    expect(b.report.results).toEqual(a.report.results);
    expect(JSON.stringify(b.report.results)).toBe(JSON.stringify(a.report.results));
    for (const part of ["md", "html"] as const) {
      const [before, run] = a[part].split(RUN_PART_MARKER);
      expect(run, `${part} has a run part`).toBeDefined();
      expect(b[part].split(RUN_PART_MARKER)[0], part).toBe(before);
      // Nothing of the run (stage states, durations, folders) leaks into the part that must be stable.
      expect(before).not.toMatch(/\b\d+\.\d\ds\b|\/tmp\//);
      expect(before).not.toContain(projects[0]!.dir);
    }
    // The run part does hold what differs: where it ran and how long it took.
    expect(a.report.run.stages.map((stage) => stage.state)).toContain("ran");
  });
});
