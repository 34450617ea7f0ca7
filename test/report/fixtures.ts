import type { Report } from "../../src/report/model.js";

/** Text a user could put in a stage or target name, to prove every page escapes it. */
export const HOSTILE = `<img src=x onerror="alert(1)">&'`;

const PROVENANCE: Report["run"]["provenance"] = {
  slm: "0.1.0",
  node: "v20.20.2",
  engines: { "@huggingface/tokenizers": "0.2.0", "onnxruntime-node": "1.30.0" },
  machine: { platform: "linux", arch: "x64", cpu: "AMD EPYC", cores: 2 },
  configDigest: "sha256:b6b91dafe038ce3111db44494137741d1f09e0d64ce04859b5d6b2448c4139b7",
  lockDigest: "sha256:6efb4160c45792083e98bc71acf9cb3bb35e81fbc76b48902863638c1e8896bf",
};

/**
 * A classifier build with everything the page can show: a recipe (prune, quantize), a CPU
 * target with measured latency, two spiking targets with estimated energy and per-layer
 * figures, a warning, and a stage name that is an HTML injection attempt.
 */
export function fullReport(): Report {
  const latency = (medianMs: number) => ({ medianMs, p10Ms: medianMs * 0.9, p90Ms: medianMs * 1.2, runs: 20, label: "measured on this machine: median of 20 warm runs (onnxruntime-node 1.30.0, 1 thread)" });
  const energy = (value: number) => ({ value, unit: "µJ", evidence: "derived", model: "generic 45 nm op-count model" });
  return {
    reportVersion: 1,
    project: { name: "mlp-test", task: "classifier", config: "slm.config.yaml" },
    results: {
      models: [
        { model: "import", evaluatedBy: "evaluate:baseline", label: "fp32 baseline", sizeBytes: 1_234_567, parameters: 308_000, metrics: { accuracy: 0.712, correct: 356, total: 500 }, latency: latency(0.081) },
        { model: HOSTILE, evaluatedBy: `evaluate:${HOSTILE}`, label: HOSTILE, sizeBytes: 412_003, parameters: 308_000, metrics: { accuracy: 0.704, correct: 352, total: 500, sparsity: 0.5, bits: "int8" }, latency: latency(0.052) },
        { model: "legalize:cpu-int8", evaluatedBy: "evaluate:cpu-int8", label: "cpu-int8", sizeBytes: 413_511, parameters: 308_000, metrics: { accuracy: 0.706, correct: 353, total: 500 }, latency: latency(0.049) },
        {
          model: "convert:loihi2-sim", evaluatedBy: "simulate:loihi2-sim", label: "loihi2-sim",
          metrics: { accuracy: 0.698, energy_per_inference: energy(3.1), spikes: 18_234, cores: { value: 12, evidence: "simulated" }, layers: [{ name: "fc1" }] },
        },
        {
          model: "convert:truenorth-sim", evaluatedBy: "simulate:truenorth-sim", label: "truenorth-sim",
          metrics: { accuracy: 0.69, energy_per_inference: energy(1.7), spikes: 25_001, cores: { value: 40, evidence: "simulated" } },
        },
      ],
      sizes: [
        { stage: "import", kind: "import", bytes: 1_234_567 },
        { stage: HOSTILE, kind: "prune", bytes: 1_234_567 },
        { stage: "quantize", kind: "quantize", bytes: 412_003 },
        { stage: "legalize:cpu-int8", kind: "legalize:cpu-int8", bytes: 413_511 },
      ],
      layers: [
        { stage: "simulate:loihi2-sim", layer: "fc1", firingRate: 0.21, synapticOps: 120_000, placement: "chip" },
        { stage: "simulate:loihi2-sim", layer: "fc2", firingRate: 0.08, synapticOps: 40_000, placement: "chip" },
        { stage: "simulate:loihi2-sim", layer: "head", placement: "host" },
        { stage: "simulate:truenorth-sim", layer: "fc1", firingRate: 0.26, synapticOps: 150_000, placement: "chip" },
        { stage: "simulate:truenorth-sim", layer: "fc2", firingRate: 0.11, synapticOps: 52_000, placement: "chip" },
        { stage: "simulate:truenorth-sim", layer: "head", placement: "host" },
      ],
      warnings: [{ stage: HOSTILE, message: `layer ${HOSTILE} had no activations` }],
    },
    run: {
      stages: [
        { id: "import", kind: "import", state: "cached", durationMs: 3, ranMs: 1250, reasons: [] },
        { id: HOSTILE, kind: "prune", state: "ran", durationMs: 812, ranMs: 810, reasons: [`param sparsity changed (${HOSTILE})`] },
        { id: "quantize", kind: "quantize", state: "ran", durationMs: 1530, ranMs: 1529, reasons: ["input model changed"] },
      ],
      provenance: PROVENANCE,
    },
  };
}

/** The smallest report a build makes: the baseline of a language model and nothing else. */
export function baselineOnlyReport(): Report {
  return {
    reportVersion: 1,
    project: { name: "lm-test", task: "causal-lm", config: "slm.config.yaml" },
    results: {
      models: [{ model: "import", evaluatedBy: "evaluate:baseline", label: "fp32 baseline", sizeBytes: 4_356_408, parameters: 1_071_872, metrics: { perplexity: 26.9, predictions: 508 } }],
      sizes: [{ stage: "import", kind: "import", bytes: 4_356_408 }],
      layers: [],
      warnings: [],
    },
    run: { stages: [{ id: "import", kind: "import", state: "ran", durationMs: 1256, ranMs: 1250, reasons: ["new stage (not in slm.lock)"] }], provenance: PROVENANCE },
  };
}
