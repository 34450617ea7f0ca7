/**
 * The quantize step through the real CLI (bin/slm.js over dist/): static quantization gets a
 * calibrate stage, both models are evaluated, a percentile change reruns quantize but not
 * calibration, and impossible params are config errors with positions.
 */
import { afterEach, describe, expect, test } from "vitest";
import { lmConfig, Project, states } from "../../e2e/rig.js";

const projects: Project[] = [];
afterEach(() => {
  for (const project of projects.splice(0)) project.remove();
});

function staticProject(step: string): Project {
  const project = new Project("slm-quantize-cli-").addModel("gpt-relu-brown");
  projects.push(project);
  const calibration = "  calibration:\n    path: models/gpt-relu-brown/calib.txt\n    windows: 4\n";
  const config = lmConfig(`recipe:\n  - quantize: ${step}\n`).replace("data:\n", `data:\n${calibration}`);
  return project.write("slm.config.yaml", config);
}

describe("slm build with a quantize step", () => {
  test("static: calibrate runs once; changing the percentile reruns quantize and its evaluation only", async () => {
    const project = staticProject("{mode: static}");
    const first = await project.buildJson();
    expect(first.json.ok).toBe(true);
    expect(states(first.json)).toMatchObject({ "calibrate:import": "ran", quantize: "ran", "evaluate:quantize": "ran" });
    const [baseline, quantized] = first.json.results!.models;
    expect(quantized!.metrics.perplexity! / baseline!.metrics.perplexity!).toBeLessThan(1.03);

    project.write("slm.config.yaml", project.read("slm.config.yaml").replace("{mode: static}", "{mode: static, calibration: {percentile: 99.9}}"));
    const second = await project.buildJson();
    expect(states(second.json)).toMatchObject({ "calibrate:import": "cached", quantize: "ran", "evaluate:quantize": "ran", "evaluate:baseline": "cached" });
    expect(second.json.stages.find((s) => s.id === "quantize")!.reasons).toEqual(["recipe[0].quantize.calibration.percentile: 99.999 → 99.9"]);
  });

  test("bits 3 is a config error with its position (exit code 2)", async () => {
    const project = staticProject("{bits: 3}");
    const result = await project.run("build");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("slm.config.yaml:19:16: recipe[0].quantize.bits must be one of 4, 8 (got 3)");
  });
});
