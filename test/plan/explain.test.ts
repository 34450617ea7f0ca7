import { describe, expect, it } from "vitest";
import { explainChanges, explainDiscovered, type StageDescription } from "../../src/plan/explain.js";
import type { LockEntry } from "../../src/plan/lock.js";
import { formatLock } from "../../src/plan/lock.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;

const previous: LockEntry = {
  kind: "evaluate",
  kindVersion: "1",
  key: "k".repeat(64),
  params: { "data.evaluation.windows": 32, "evaluation.threads": 1 },
  inputs: {
    model: { stage: "import", output: "model.onnx", digest: D1 },
    data: { path: "models/x/eval.jsonl", digest: D1 },
  },
  engines: { "onnxruntime-node": "1.30.0" },
  outputs: { "metrics.json": D2 },
};

const same: StageDescription = {
  kind: "evaluate",
  kindVersion: "1",
  params: { "data.evaluation.windows": 32, "evaluation.threads": 1 },
  inputs: { model: { stage: "import", output: "model.onnx", digest: D1 }, data: { path: "models/x/eval.jsonl", digest: D1 } },
  engines: { "onnxruntime-node": "1.30.0" },
};

describe("explainChanges", () => {
  it("finds nothing when the stage is as the lock recorded it", () => {
    expect(explainChanges(same, previous)).toEqual([]);
  });

  it("names each changed field with its old and new value", () => {
    const changed = { ...same, params: { "data.evaluation.windows": 16, "evaluation.threads": 1, "evaluation.batch": 4 } };
    expect(explainChanges(changed, previous)).toEqual(["data.evaluation.windows: 32 → 16", "evaluation.batch: (unset) → 4"]);
  });

  it("names a changed source file, an upstream change, an engine and a kind version", () => {
    const changed: StageDescription = {
      kind: "evaluate",
      kindVersion: "2",
      params: same.params,
      inputs: { model: { stage: "import", output: "model.onnx", digest: D2 }, data: { path: "models/x/eval.jsonl", digest: D2 } },
      engines: { "onnxruntime-node": "1.31.0" },
    };
    expect(explainChanges(changed, previous)).toEqual([
      "stage kind evaluate@1 → evaluate@2",
      "models/x/eval.jsonl: content changed",
      "import/model.onnx: changed upstream",
      "onnxruntime-node: 1.30.0 → 1.31.0",
    ]);
  });

  it("says when upstream has yet to run, and when there is no previous build", () => {
    const pending: StageDescription = { ...same, inputs: { ...same.inputs, model: { stage: "import", output: "model.onnx", digest: undefined } } };
    expect(explainChanges(pending, previous)).toEqual(["import/model.onnx: rebuilt upstream"]);
    expect(explainChanges(same, undefined)).toEqual(["new stage (not in slm.lock)"]);
  });

  it("explains discovered inputs (external data files)", () => {
    expect(explainDiscovered({ "m/a.data": D1, "m/b.data": D1 }, { "m/a.data": D2 })).toEqual(["m/a.data: content changed", "m/b.data: missing"]);
  });
});

describe("formatLock", () => {
  it("sorts stages and keys and ends with a newline, whatever the insertion order", () => {
    const a = formatLock({ lockVersion: 1, stages: { b: previous, a: previous } });
    const reordered = { ...previous, outputs: previous.outputs, kind: previous.kind };
    const b = formatLock({ lockVersion: 1, stages: { a: reordered, b: previous } });
    expect(a).toBe(b);
    expect(a.endsWith("}\n")).toBe(true);
    expect(a.indexOf('"a"')).toBeLessThan(a.indexOf('"b"'));
  });
});
