import { existsSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifierConfig, Project, states } from "./rig.js";

/**
 * The `convert:` step through the real CLI: the recipe's spiking network is simulated beside the
 * ANN it came from (a report row), and the knob users tune (`threshold`) reruns only conversion
 * and what follows — not calibration, not the ANN passes.
 */
describe("a recipe that ends with convert", () => {
  const project = new Project();
  const config = classifierConfig(`recipe:
  - quantize: {mode: weight-only}
  - convert: {timesteps: 16}
`,
    { calibration: 200 },
  );
  beforeAll(() => {
    project.addModel("brown-genre-mlp").write("slm.config.yaml", config);
  });
  afterAll(() => project.remove());

  it("converts the quantized model, simulates it and reports it as a row with per-layer figures", async () => {
    const { result, json } = await project.buildJson();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(Object.keys(states(json)).sort()).toEqual(
      ["calibrate:quantize", "convert", "evaluate:baseline", "evaluate:quantize", "import", "quantize", "simulate:convert"].sort(),
    );
    const report = JSON.parse(project.read("build/report.json"));
    const labels = report.results.models.map((m: { label: string }) => m.label);
    expect(labels).toEqual(["fp32 baseline", "quantize", "convert (spiking)"]);
    const [, ann, spiking] = report.results.models;
    expect(spiking.model).toBe("convert");
    expect(spiking.sizeBytes).toBeGreaterThan(0);
    expect(spiking.metrics.ann.accuracy).toBe(ann.metrics.accuracy);
    expect(Math.abs(spiking.metrics.accuracy - ann.metrics.accuracy)).toBeLessThanOrEqual(0.05);
    expect(spiking.metrics.spiking.timesteps).toBe(16);
    expect(spiking.metrics.spiking.synapticOpsPerInference).toBeGreaterThan(0);
    const layers = report.results.layers.filter((l: { stage: string }) => l.stage === "simulate:convert");
    expect(layers.length).toBeGreaterThanOrEqual(3);
    for (const layer of layers.filter((l: { placement: string; firingRate?: number }) => l.placement === "chip" && l.firingRate !== undefined)) {
      expect(layer.firingRate).toBeGreaterThanOrEqual(0);
      expect(layer.firingRate).toBeLessThanOrEqual(1);
    }
    // The deliverable stays the last ANN model; the spiking network is materialized beside it.
    expect(existsSync(project.path("build/model.onnx"))).toBe(true);
    expect(existsSync(project.path("build/snn/snn.json"))).toBe(true);
    expect(existsSync(project.path("build/metrics/convert.json"))).toBe(true);
  });

  it("leaves the build folder alone on a no-op build, folders (the spiking network) included", async () => {
    const inodes = () => ["build/model.onnx", "build/snn/snn.json"].map((path) => statSync(project.path(path)).ino);
    const before = inodes();
    const { result, json } = await project.buildJson();
    expect(result.code, result.stderr).toBe(0);
    expect(Object.values(states(json)).every((state) => state === "cached")).toBe(true);
    expect(inodes()).toEqual(before);
  });

  it("reruns only conversion and simulation when convert.threshold changes", async () => {
    const args = ["--set", "recipe[1].convert.threshold=0.9"];
    const dry = await project.run("status", ...args);
    expect(dry.stdout).toMatch(/run\s+convert.*recipe\[1\]\.convert\.threshold: 1 → 0\.9/);
    const { result, json } = await project.buildJson(...args);
    expect(result.code, result.stderr).toBe(0);
    expect(states(json)).toEqual({
      import: "cached",
      quantize: "cached",
      "calibrate:quantize": "cached",
      "evaluate:baseline": "cached",
      "evaluate:quantize": "cached",
      convert: "ran",
      "simulate:convert": "ran",
    });
  });

  it("refuses a convert step that is not the last", async () => {
    const other = new Project();
    try {
      other.addModel("brown-genre-mlp").write("slm.config.yaml", config.replace("  - convert: {timesteps: 16}\n", "  - convert: {timesteps: 16}\n  - quantize: {mode: weight-only}\n"));
      const result = await other.run("validate");
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/slm\.config\.yaml:\d+:\d+: recipe\[1\]\.convert must be the last recipe step/);
    } finally {
      other.remove();
    }
  });

  it("gives T ≤ 0 a position in the config", async () => {
    const other = new Project();
    try {
      other.addModel("brown-genre-mlp").write("slm.config.yaml", config.replace("timesteps: 16", "timesteps: 0"));
      const result = await other.run("validate");
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/slm\.config\.yaml:\d+:\d+: recipe\[1\]\.convert\.timesteps must be an integer ≥ 1 \(got 0\)/);
    } finally {
      other.remove();
    }
  });
});
