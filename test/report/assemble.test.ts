import { describe, expect, it } from "vitest";
import type { StageOutcome, StageRecord } from "../../src/exec/executor.js";
import { PlanBuilder } from "../../src/plan/plan.js";
import { assembleReport } from "../../src/report/assemble.js";
import { evaluateKind } from "../../src/stages/evaluate.js";
import { importKind } from "../../src/stages/import.js";
import type { Json } from "../../src/util/canonical-json.js";

const DIGEST = `sha256:${"0".repeat(64)}` as const;

function outcome(id: string, kind: string, outputs: Record<string, number>, metrics: Record<string, Json>): StageOutcome {
  const record: StageRecord = {
    stage: id,
    kind,
    kindVersion: "1",
    outputs: Object.fromEntries(Object.entries(outputs).map(([name, size]) => [name, { digest: DIGEST, size, kind: "file" as const }])),
    metrics,
    warnings: [],
    durationMs: 5,
  };
  return { id, state: "ran", reasons: [], record, durationMs: 6 };
}

describe("assembleReport", () => {
  it("records the model size after each stage and the per-layer figures stages report", () => {
    const builder = new PlanBuilder();
    builder.add({ id: "import", kind: importKind, params: {}, origins: {}, inputs: { model: { from: "source", path: "m.onnx", field: "model.onnx" } }, materialize: {} });
    const model = { from: "stage", stage: "import", output: "model.onnx" } as const;
    builder.add({ id: "evaluate:baseline", kind: evaluateKind, params: {}, origins: {}, inputs: { model }, materialize: {}, row: { label: "fp32 baseline", model } });
    const layers: Json = [
      { name: "fc1", where: "chip", firingRate: 0.25, synapticOps: 32000, synapticOpsPerInference: 1000 },
      { name: "head", where: "host" },
      { firingRate: 0.5 },
    ];
    const outcomes = new Map([
      ["import", outcome("import", "import", { "model.onnx": 4096 }, { parameters: 1000 })],
      ["evaluate:baseline", outcome("evaluate:baseline", "evaluate", { "metrics.json": 90 }, { accuracy: 0.5, layers })],
    ]);
    const provenance = { slm: "0", node: "v20", engines: {}, machine: { platform: "linux", arch: "x64", cpu: "cpu", cores: 1 }, configDigest: DIGEST };
    const report = assembleReport({ name: "t", task: "classifier", configFile: "slm.config.yaml", plan: builder.finish(), outcomes, provenance });
    expect(report.results.sizes).toEqual([{ stage: "import", kind: "import", bytes: 4096 }]);
    expect(report.results.layers).toEqual([
      { stage: "evaluate:baseline", layer: "fc1", firingRate: 0.25, synapticOps: 1000, placement: "chip" },
      { stage: "evaluate:baseline", layer: "head", placement: "host" },
    ]);
    expect(report.results.models[0]).toMatchObject({ label: "fp32 baseline", sizeBytes: 4096, parameters: 1000 });
  });

  it("credits a row with the bits of the nearest quantize step that quantized something", async () => {
    const quantizeKind = (await import("../../src/passes/quantize/index.js")).quantizePass.kind;
    const builder = new PlanBuilder();
    builder.add({ id: "import", kind: importKind, params: {}, origins: {}, inputs: { model: { from: "source", path: "m.onnx", field: "model.onnx" } }, materialize: {} });
    const from = (stage: string) => ({ from: "stage", stage, output: "model.onnx" }) as const;
    builder.add({ id: "quantize", kind: quantizeKind, params: { mode: "static", bits: 8 }, origins: {}, inputs: { model: from("import") }, materialize: {} });
    builder.add({ id: "quantize-2", kind: quantizeKind, params: { mode: "dynamic", bits: 8 }, origins: {}, inputs: { model: from("quantize") }, materialize: {} });
    builder.add({ id: "evaluate:quantize-2", kind: evaluateKind, params: {}, origins: {}, inputs: { model: from("quantize-2") }, materialize: {}, row: { label: "quantize-2", model: from("quantize-2") } });
    const outcomes = new Map([
      ["import", outcome("import", "import", { "model.onnx": 4096 }, { parameters: 1000 })],
      ["quantize", outcome("quantize", "quantize", { "model.onnx": 1024 }, { quantizedNodes: 3 })],
      // The second step left every node in float: the model is still the first step's static W8A8.
      ["quantize-2", outcome("quantize-2", "quantize", { "model.onnx": 1024 }, { quantizedNodes: 0 })],
      ["evaluate:quantize-2", outcome("evaluate:quantize-2", "evaluate", { "metrics.json": 90 }, { accuracy: 0.5 })],
    ]);
    const provenance = { slm: "0", node: "v20", engines: {}, machine: { platform: "linux", arch: "x64", cpu: "cpu", cores: 1 }, configDigest: DIGEST };
    const report = assembleReport({ name: "t", task: "classifier", configFile: "slm.config.yaml", plan: builder.finish(), outcomes, provenance });
    expect(report.results.models.find((row) => row.label === "quantize-2")?.bits).toEqual({ weights: 8, mode: "static", stage: "quantize" });
  });
});
