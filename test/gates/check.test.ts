import { describe, expect, it } from "vitest";
import { checkGates } from "../../src/gates/check.js";
import { failedGateLines, noFigureMessage } from "../../src/gates/messages.js";
import { gateSpecs } from "../../src/gates/spec.js";
import { gateErrors, gateExitCode } from "../../src/gates/verdict.js";
import type { ModelRow } from "../../src/report/model.js";
import { fullReport } from "../report/fixtures.js";

const row = (label: string, fields: Partial<ModelRow>): ModelRow => ({ model: label, evaluatedBy: `evaluate:${label}`, label, metrics: {}, ...fields });

describe("gateSpecs", () => {
  it("reads global gates, then each target's by name, with percentages as numbers", () => {
    const specs = gateSpecs({ perplexity_increase: "5%", latency_ms: 10, targets: { "z-sim": { energy_uj: 20 }, "a-sim": { perplexity_increase: "2.5 %" } } });
    expect(specs).toEqual([
      { gate: "perplexity_increase", field: "gates.perplexity_increase", limit: 5 },
      { gate: "latency_ms", field: "gates.latency_ms", limit: 10 },
      { gate: "perplexity_increase", field: "gates.targets.a-sim.perplexity_increase", target: "a-sim", limit: 2.5 },
      { gate: "energy_uj", field: "gates.targets.z-sim.energy_uj", target: "z-sim", limit: 20 },
    ]);
  });
});

describe("checkGates", () => {
  const baseline = row("fp32 baseline", { model: "import", quality: { metric: "perplexity", value: 20 }, latency: { medianMs: 50, runs: 3, label: "l" } });
  const int8 = row("cpu-int8", { target: "cpu-int8", quality: { metric: "perplexity", value: 21, change: 5 }, latency: { medianMs: 4, runs: 3, label: "l" } });
  const chip = row("loihi2-sim", {
    target: "loihi2-sim",
    quality: { metric: "perplexity", value: 22, change: 10 },
    metrics: {
      estimates: {
        energyPerInference: { value: 30_000, unit: "nJ", estimated: true, evidence: "derived", model: "m" },
        latencyPerInference: { value: 2_000, unit: "µs", estimated: true, evidence: "simulated", model: "m" },
      },
    },
  });
  const models = [baseline, int8, chip];

  it("judges every row but the baseline, passes at the limit and fails above it", () => {
    const [perplexity, latency] = checkGates(
      [
        { gate: "perplexity_increase", field: "gates.perplexity_increase", limit: 5 },
        { gate: "latency_ms", field: "gates.latency_ms", limit: 3 },
      ],
      models,
    );
    expect(perplexity!.rows).toEqual([
      { label: "cpu-int8", evaluatedBy: "evaluate:cpu-int8", value: 5, passed: true },
      { label: "loihi2-sim", evaluatedBy: "evaluate:loihi2-sim", value: 10, passed: false },
    ]);
    expect(perplexity!.status).toBe("failed");
    // The baseline's 50 ms is not judged; the chip's estimate is converted from µs.
    expect(latency!.rows.map((r) => [r.label, r.value, r.passed, r.estimated])).toEqual([
      ["cpu-int8", 4, false, undefined],
      ["loihi2-sim", 2, true, "simulated"],
    ]);
  });

  it("lets a target's gate replace the global gate of the same name for that target's rows", () => {
    const [global, scoped] = checkGates(
      [
        { gate: "energy_uj", field: "gates.energy_uj", limit: 50 },
        { gate: "energy_uj", field: "gates.targets.loihi2-sim.energy_uj", target: "loihi2-sim", limit: 20 },
      ],
      models,
    );
    expect(global!.status).toBe("no-figure");
    expect(scoped!.rows).toEqual([{ label: "loihi2-sim", evaluatedBy: "evaluate:loihi2-sim", value: 30, passed: false, estimated: "derived" }]);
    expect(failedGateLines([scoped!])).toEqual([
      "gates.targets.loihi2-sim.energy_uj: loihi2-sim: energy per inference 30 µJ (estimated from derived figures) exceeds the limit 20 µJ by 10 µJ",
    ]);
    expect(noFigureMessage(global!)).toMatch(/^gates\.energy_uj: no row but the fp32 baseline has a figure for energy per inference, so this gate would check nothing/);
  });

  it("reads an accuracy drop as the opposite of the change: a gain never fails", () => {
    const acc = (label: string, change: number) => row(label, { quality: { metric: "accuracy", value: 0.5, change } });
    const [drop] = checkGates([{ gate: "accuracy_drop", field: "gates.accuracy_drop", limit: 1 }], [row("b", { model: "import" }), acc("gain", 3), acc("loss", -1.5)]);
    expect(drop!.rows.map((r) => [r.label, r.value, r.passed])).toEqual([
      ["gain", -3, true],
      ["loss", 1.5, false],
    ]);
  });

  it("makes a config error (exit 2) outrank a failed gate (exit 3), each at the gate's config line", () => {
    const checks = fullReport().results.gates;
    const located: string[][] = [];
    const errors = gateErrors(checks, (path) => {
      located.push([...path]);
      return { file: "slm.config.yaml", line: located.length };
    });
    expect(gateExitCode(errors)).toBe(3);
    expect(located).toContainEqual(["gates", "targets", "truenorth-sim", "energy_uj"]);
    expect(errors.map((e) => e.format())).toContain(
      "slm.config.yaml:2: gate failed: gates.energy_uj: loihi2-sim: energy per inference 3.1 µJ (estimated from derived figures) exceeds the limit 2 µJ by 1.1 µJ",
    );
    const none = checkGates([{ gate: "energy_uj", field: "gates.energy_uj", limit: 1 }], [baseline, int8]);
    expect(gateExitCode([...errors, ...gateErrors(none, () => undefined)])).toBe(2);
    expect(gateExitCode([])).toBe(0);
  });
});
