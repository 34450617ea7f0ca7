import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Project, REPO, states } from "./rig.js";

/**
 * The classifier example as it ships (examples/brown-genre-mlp/slm.config.yaml), on a slice of
 * its data: one build lowers the recipe onto all four targets, every bundle is emitted and
 * matches its manifest, each target gets a report row, and the shared upstream stages (import,
 * calibration, quantize, convert) run once.
 */
describe("the classifier example with every target", () => {
  const project = new Project("slm-example-");
  const config = "examples/brown-genre-mlp/slm.config.yaml";
  const targets = ["cpu-int8", "loihi2-sim", "truenorth-sim", "akida-sim"];
  beforeAll(() => {
    const text = readFileSync(`${REPO}/${config}`, "utf8")
      .replace("    path: ../../models/brown-genre-mlp/eval.jsonl\n", "    path: ../../models/brown-genre-mlp/eval.jsonl\n    samples: 100\n")
      .replace("    path: ../../models/brown-genre-mlp/calib.jsonl\n", "    path: ../../models/brown-genre-mlp/calib.jsonl\n    samples: 200\n")
      .replace("latency_runs: 20", "latency_runs: 2");
    project.addModel("brown-genre-mlp").write(config, text);
  });
  afterAll(() => project.remove());

  it("builds a row and a bundle per target, sharing the upstream stages", async () => {
    const { result, json } = await project.buildJson("-c", config);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const ran = states(json);
    for (const shared of ["import", "calibrate:import", "quantize", "calibrate:quantize", "convert"]) expect(ran[shared]).toBe("ran");
    expect(json.stages.filter((stage) => stage.id === "convert")).toHaveLength(1);
    const report = JSON.parse(project.read("examples/brown-genre-mlp/build/report.json"));
    const rows = report.results.models as { label: string; target?: string; metrics: Record<string, unknown> }[];
    expect(rows.filter((row) => row.target).map((row) => row.target)).toEqual(targets);
    for (const row of rows.filter((r) => r.target && r.target !== "cpu-int8")) {
      expect(row.metrics.accuracy, row.label).toEqual(expect.any(Number));
      const estimates = row.metrics.estimates as Record<string, { estimated: boolean; evidence: string }>;
      expect(estimates.energyPerInference!.estimated, row.label).toBe(true);
      expect(estimates.energyPerInference!.evidence, row.label).toMatch(/^(measured|simulated|derived|extrapolated|assumed)$/);
    }
    for (const target of targets) {
      const bundle = `examples/brown-genre-mlp/build/targets/${target}`;
      const manifest = JSON.parse(project.read(`${bundle}/manifest.json`)) as { files: Record<string, { sha256: string }> };
      expect(Object.keys(manifest.files).length, target).toBeGreaterThan(0);
      for (const [file, entry] of Object.entries(manifest.files)) {
        expect(createHash("sha256").update(project.readBytes(`${bundle}/${file}`)).digest("hex"), `${target}/${file}`).toBe(entry.sha256);
      }
    }
  });
});
