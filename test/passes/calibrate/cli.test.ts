/**
 * The calibrate stage inside a real build: the planner inserts it before a step that reads
 * activation statistics, and a change to that step's own params reuses the cached statistics.
 */
import { afterAll, expect, test } from "vitest";
import { Project, states } from "../../e2e/rig.js";

const project = new Project("slm-calibrate-e2e-").addModel("brown-genre-mlp");
afterAll(() => project.remove());

function config(sparsity: number): string {
  return `name: mlp-calibrate
model:
  task: classifier
  onnx: models/brown-genre-mlp/model.onnx
  tokenizer: models/brown-genre-mlp/tokenizer.json
data:
  evaluation:
    path: models/brown-genre-mlp/eval.jsonl
    samples: 100
  calibration:
    path: models/brown-genre-mlp/calib.jsonl
    samples: 64
evaluation:
  latency_runs: 0
recipe:
  - prune: {method: wanda, sparsity: ${sparsity}}
`;
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
