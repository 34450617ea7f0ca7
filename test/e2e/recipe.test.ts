import { existsSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifierConfig, Project, states } from "./rig.js";

/**
 * A recipe and a target through the real CLI: calibration is its own stage, so changing how a
 * pass uses the statistics reruns the pass, not the calibration; cpu-int8 emits a bundle whose
 * manifest matches its files, and measures the quantized model for real.
 */
describe("static quantization and the cpu-int8 target on the classifier", () => {
  const project = new Project();
  const config = classifierConfig(`recipe:
  - quantize:
      mode: static
      calibration: {method: percentile, percentile: 99.999}
targets: [cpu-int8]
`,
    { samples: 300, calibration: 0 },
  );
  beforeAll(() => {
    project.addModel("brown-genre-mlp").write("slm.config.yaml", config);
  });
  afterAll(() => project.remove());

  it("builds every stage once and keeps accuracy within a point of fp32", async () => {
    const { result, json } = await project.buildJson();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(Object.keys(states(json)).sort()).toEqual(
      ["calibrate:import", "emit:cpu-int8", "evaluate:baseline", "evaluate:cpu-int8", "evaluate:quantize", "import", "legalize:cpu-int8", "quantize"].sort(),
    );
    const [baseline, quantized, cpu] = json.results!.models;
    expect(quantized!.metrics.accuracy).toBeGreaterThanOrEqual(baseline!.metrics.accuracy! - 0.01);
    expect(cpu!.metrics.accuracy).toBe(quantized!.metrics.accuracy);
    const report = JSON.parse(project.read("build/report.json"));
    expect(report.results.models.map((m: { label: string }) => m.label)).toEqual(["fp32 baseline", "quantize", "cpu-int8"]);
  });

  it("emits a bundle whose manifest lists each file's sha256", () => {
    const manifest = JSON.parse(project.read("build/targets/cpu-int8/manifest.json"));
    expect(manifest.target).toBe("cpu-int8");
    expect(manifest.inputs[0].name).toBe("features");
    for (const [file, entry] of Object.entries(manifest.files as Record<string, { sha256: string }>)) {
      const bytes = readFileSync(project.path(`build/targets/cpu-int8/${file}`));
      expect(createHash("sha256").update(bytes).digest("hex"), file).toBe(entry.sha256);
    }
    expect(existsSync(project.path("build/targets/cpu-int8/README.md"))).toBe(true);
  });

  it("reruns quantization, not calibration, when only the percentile changes", async () => {
    const args = ["--set", "recipe[0].quantize.calibration.percentile=99.9"];
    const dry = await project.run("status", ...args);
    expect(dry.stdout).toMatch(/cached\s+calibrate:import/);
    expect(dry.stdout).toMatch(/run\s+quantize.*recipe\[0\]\.quantize\.calibration\.percentile: 99\.999 → 99\.9/);
    const { json } = await project.buildJson(...args);
    expect(states(json)).toMatchObject({ import: "cached", "calibrate:import": "cached", quantize: "ran" });
  });

  it("refuses an impossible param, from the command line or with its position in the config", async () => {
    const fromSet = await project.run("build", "--set", "recipe[0].quantize.bits=3");
    expect(fromSet.code).toBe(2);
    expect(fromSet.stderr).toContain("--set recipe[0].quantize.bits=3: must be one of 4, 8 (got 3)");
    const other = new Project();
    try {
      other.addModel("brown-genre-mlp").write("slm.config.yaml", config.replace("mode: static", "mode: static\n      bits: 3"));
      const fromFile = await other.run("validate");
      expect(fromFile.code).toBe(2);
      expect(fromFile.stderr).toMatch(/slm\.config\.yaml:\d+:\d+: recipe\[0\]\.quantize\.bits must be one of 4, 8 \(got 3\)/);
    } finally {
      other.remove();
    }
  });
});
