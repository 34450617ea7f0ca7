/**
 * The calibrate stage inside a real build: the planner inserts it before a step that reads
 * activation statistics, and a change to that step's own params reuses the cached statistics.
 */
import { afterAll, expect, test } from "vitest";
import { classifierConfig, Project, states } from "../../e2e/rig.js";

const project = new Project("slm-calibrate-e2e-").addModel("brown-genre-mlp");
afterAll(() => project.remove());

function config(sparsity: number): string {
  return classifierConfig(`recipe:\n  - prune: {method: wanda, sparsity: ${sparsity}}\n`, { calibration: 64, latencyRuns: 0 });
}

test("a Wanda step gets a calibrate stage; changing its sparsity does not rerun calibration", async () => {
  project.write("slm.config.yaml", config(0.5));
  const first = await project.buildJson();
  expect(first.result.stderr).toBe("");
  expect(states(first.json)).toMatchObject({ "calibrate:import": "ran", prune: "ran", "evaluate:prune": "ran" });
  const stats = first.json.stages.find((stage) => stage.id === "calibrate:import")!.outputs!["stats.json"];
  expect(stats).toBeDefined();

  project.write("slm.config.yaml", config(0.3));
  const second = await project.buildJson();
  expect(states(second.json)).toMatchObject({ "calibrate:import": "cached", prune: "ran", "evaluate:prune": "ran" });
  expect(second.json.stages.find((stage) => stage.id === "calibrate:import")!.outputs!["stats.json"]).toBe(stats);
}, 60_000);
