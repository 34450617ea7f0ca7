import { describe, expect, it } from "vitest";
import type { Config } from "../../src/config/types.js";
import { planBuild } from "../../src/plan/expand.js";
import { toDot, toMermaid } from "../../src/plan/graph-format.js";
import { actionKey, keyMaterial } from "../../src/plan/key.js";
import { PlanBuilder } from "../../src/plan/plan.js";
import type { StageKind } from "../../src/plan/stage-kind.js";
import { builtinRegistry } from "../../src/plugins/registry.js";

const config = (task: "causal-lm" | "classifier"): Config => ({
  name: "t",
  model: { task, onnx: "m/model.onnx", tokenizer: "m/tokenizer.json" },
  data: { evaluation: { path: task === "causal-lm" ? "m/eval.txt" : "m/eval.jsonl", format: task === "causal-lm" ? "text" : "jsonl", window: 128, windows: 8 } },
  evaluation: { threads: 1, optimization: "all", batch: 8, latency_runs: 5 },
  recipe: [],
  targets: [],
  gates: { targets: {} },
  build: { out_dir: "build", store: ".slm", jobs: 2 },
});

describe("planBuild", () => {
  it("plans import → tokenize → evaluate for a causal LM, params bound to their config fields", () => {
    const plan = planBuild(config("causal-lm"), builtinRegistry());
    expect(plan.order).toEqual(["import", "tokenize", "evaluate:baseline"]);
    const evaluate = plan.stages.get("evaluate:baseline")!;
    expect(evaluate.origins.windows).toBe("data.evaluation.windows");
    expect(evaluate.params.windows).toBe(8);
    expect(evaluate.params).not.toHaveProperty("samples");
    expect(plan.stages.get("import")!.materialize).toEqual({ "model.onnx": "model.onnx" });
  });

  it("plans a classifier without a tokenize stage; its samples, not windows, are params", () => {
    const plan = planBuild({ ...config("classifier"), data: { evaluation: { path: "e.jsonl", format: "jsonl", window: 128, samples: 10 } } }, builtinRegistry());
    expect(plan.order).toEqual(["import", "evaluate:baseline"]);
    expect(plan.stages.get("evaluate:baseline")!.params).toMatchObject({ samples: 10, task: "classifier" });
    expect(plan.stages.get("evaluate:baseline")!.params).not.toHaveProperty("windows");
  });

  it("renders DOT and Mermaid with one edge per stage input", () => {
    const plan = planBuild(config("causal-lm"), builtinRegistry());
    expect(toDot(plan).match(/->/g)).toHaveLength(3);
    expect(toMermaid(plan).match(/-->/g)).toHaveLength(3);
  });
});

describe("action keys", () => {
  const kind: StageKind = { id: "k", version: "1", description: "", engines: ["e"], run: async () => ({ outputs: {} }) };
  const stage = { id: "s", kind, params: { b: 2, a: 1 }, origins: {}, inputs: {}, materialize: {} };

  it("are full sha256 hex and ignore key order, but not values, versions or engines", () => {
    const key = actionKey(keyMaterial(stage, { x: "sha256:aa" }, { e: "1.0" }));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(actionKey(keyMaterial({ ...stage, params: { a: 1, b: 2 } }, { x: "sha256:aa" }, { e: "1.0" }))).toBe(key);
    expect(actionKey(keyMaterial({ ...stage, params: { a: 1, b: 3 } }, { x: "sha256:aa" }, { e: "1.0" }))).not.toBe(key);
    expect(actionKey(keyMaterial(stage, { x: "sha256:ab" }, { e: "1.0" }))).not.toBe(key);
    expect(actionKey(keyMaterial(stage, { x: "sha256:aa" }, { e: "1.1" }))).not.toBe(key);
    expect(actionKey(keyMaterial({ ...stage, kind: { ...kind, version: "2" } }, { x: "sha256:aa" }, { e: "1.0" }))).not.toBe(key);
  });

  it("refuse a stage whose engine version is unknown", () => {
    expect(() => keyMaterial(stage, {}, {})).toThrow(/engine e/);
  });
});

describe("PlanBuilder", () => {
  it("rejects inputs from unknown stages and duplicate ids, and makes unique ids", () => {
    const kind: StageKind = { id: "k", version: "1", description: "", run: async () => ({ outputs: {} }) };
    const builder = new PlanBuilder();
    builder.add({ id: "a", kind, params: {}, origins: {}, inputs: {}, materialize: {} });
    expect(() => builder.add({ id: "a", kind, params: {}, origins: {}, inputs: {}, materialize: {} })).toThrow(/duplicate/);
    expect(() => builder.add({ id: "b", kind, params: {}, origins: {}, inputs: { m: { from: "stage", stage: "zz", output: "o" } }, materialize: {} })).toThrow(/unknown stage zz/);
    expect(builder.uniqueId("a")).toBe("a-2");
  });
});
