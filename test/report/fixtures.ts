import { checkGates } from "../../src/gates/check.js";
import type { Report } from "../../src/report/model.js";
import { classifierConfig } from "../e2e/rig.js";

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
 * target with measured latency, two spiking targets with estimated energy and latency, cores and
 * per-layer figures, gates (one failing), a warning, and a stage name that is an HTML injection attempt.
 */
export function fullReport(): Report {
  const latency = (medianMs: number) => ({ medianMs, p10Ms: medianMs * 0.9, p90Ms: medianMs * 1.2, runs: 20, label: "measured on this machine: median of 20 warm runs (onnxruntime-node 1.30.0, 1 thread)" });
  const model = "generic 45 nm op-count model";
  const estimate = (value: number, unit: string, evidence = "derived") => ({ value, unit, estimated: true, evidence, model, formula: "E = synops × 23.6 pJ + updates × 52 pJ" });
  const latencyEstimate = (value: number) => ({ value, unit: "ms", estimated: true, evidence: "simulated", model: "timestep latency model", formula: "T × max per-core step time" });
  const spiking = (spikesPerInference: number, synapticOpsPerInference: number) => ({ timesteps: 16, spikesPerInference, synapticOpsPerInference, chipMacShare: 0.97, hostMacShare: 0.03 });
  const lineage = { sparsity: { value: 0.5, stage: HOSTILE }, bits: { weights: 8, mode: "static", stage: "quantize" } };
  const models: Report["results"]["models"] = [
    { model: "import", evaluatedBy: "evaluate:baseline", label: "fp32 baseline", sizeBytes: 1_234_567, parameters: 308_000, quality: { metric: "accuracy", value: 0.712 }, metrics: { accuracy: 0.712, correct: 356, total: 500 }, latency: latency(0.081) },
    { model: HOSTILE, evaluatedBy: `evaluate:${HOSTILE}`, label: HOSTILE, sizeBytes: 412_003, parameters: 308_000, ...lineage, quality: { metric: "accuracy", value: 0.704, change: -0.8 }, metrics: { accuracy: 0.704, correct: 352, total: 500 }, latency: latency(0.052) },
    { model: "legalize:cpu-int8", evaluatedBy: "evaluate:cpu-int8", label: "cpu-int8", target: "cpu-int8", sizeBytes: 413_511, parameters: 308_000, ...lineage, quality: { metric: "accuracy", value: 0.706, change: -0.6 }, metrics: { accuracy: 0.706, correct: 353, total: 500 }, latency: latency(0.049) },
    {
      model: "map:loihi2-sim", evaluatedBy: "estimate:loihi2-sim", label: "loihi2-sim", target: "loihi2-sim", sizeBytes: 410_000, parameters: 308_000, ...lineage,
      quality: { metric: "accuracy", value: 0.698, change: -1.4 },
      metrics: {
        accuracy: 0.698, correct: 349, total: 500, ann: { accuracy: 0.704 }, agreement: { top1: 0.95, kl: 0.01 }, spiking: spiking(18_234, 120_500),
        estimates: { energyPerInference: estimate(3.1, "µJ"), energyPerInferenceGeneric: estimate(5.2, "µJ", "assumed"), latencyPerInference: latencyEstimate(0.42) },
        hardware: { unit: "cores", used: 12, available: 128, utilization: 0.094, chips: 1 },
      },
    },
    {
      model: "map:truenorth-sim", evaluatedBy: "estimate:truenorth-sim", label: "truenorth-sim", target: "truenorth-sim", sizeBytes: 401_000, parameters: 308_000, sparsity: lineage.sparsity,
      bits: { weights: 2, stage: "estimate:truenorth-sim" }, quality: { metric: "accuracy", value: 0.69, change: -2.2 },
      metrics: {
        accuracy: 0.69, correct: 345, total: 500, weightBits: 2, spiking: spiking(25_001, 150_000),
        estimates: { energyPerInference: estimate(1700, "nJ"), latencyPerInference: latencyEstimate(1) },
        hardware: { unit: "cores", used: 40, available: 4096, utilization: 0.0098, chips: 1 },
      },
    },
  ];
  const gates = checkGates(
    [
      { gate: "accuracy_drop", field: "gates.accuracy_drop", limit: 2 },
      { gate: "energy_uj", field: "gates.energy_uj", limit: 2 },
      { gate: "energy_uj", field: "gates.targets.truenorth-sim.energy_uj", target: "truenorth-sim", limit: 1.5 },
    ],
    models,
  );
  return {
    reportVersion: 1,
    project: { name: "mlp-test", task: "classifier", config: "slm.config.yaml" },
    results: {
      models,
      sizes: [
        { stage: "import", kind: "import", bytes: 1_234_567 },
        { stage: HOSTILE, kind: "prune", bytes: 1_234_567 },
        { stage: "quantize", kind: "quantize", bytes: 412_003 },
        { stage: "legalize:cpu-int8", kind: "legalize:cpu-int8", bytes: 413_511 },
      ],
      layers: [
        { stage: "estimate:loihi2-sim", layer: "fc1", firingRate: 0.21, synapticOps: 120_000, placement: "chip" },
        { stage: "estimate:loihi2-sim", layer: "fc2", firingRate: 0.08, synapticOps: 40_000, placement: "chip" },
        { stage: "estimate:loihi2-sim", layer: "head", placement: "host" },
        { stage: "estimate:truenorth-sim", layer: "fc1", firingRate: 0.26, synapticOps: 150_000, placement: "chip" },
        { stage: "estimate:truenorth-sim", layer: "fc2", firingRate: 0.11, synapticOps: 52_000, placement: "chip" },
        { stage: "estimate:truenorth-sim", layer: "head", placement: "host" },
      ],
      gates,
      artifacts: { "model.onnx": DIGEST_A, "targets/cpu-int8": DIGEST_B },
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

const DIGEST_A = `sha256:${"a".repeat(64)}`;
const DIGEST_B = `sha256:${"b".repeat(64)}`;

/** The smallest report a build makes: the baseline of a language model and nothing else. */
export function baselineOnlyReport(): Report {
  return {
    reportVersion: 1,
    project: { name: "lm-test", task: "causal-lm", config: "slm.config.yaml" },
    results: {
      models: [
        { model: "import", evaluatedBy: "evaluate:baseline", label: "fp32 baseline", sizeBytes: 4_356_408, parameters: 1_071_872, quality: { metric: "perplexity", value: 26.9 }, metrics: { perplexity: 26.9, predictions: 508 } },
      ],
      sizes: [{ stage: "import", kind: "import", bytes: 4_356_408 }],
      layers: [],
      gates: [],
      artifacts: { "model.onnx": DIGEST_A },
      warnings: [],
    },
    run: { stages: [{ id: "import", kind: "import", state: "ran", durationMs: 1256, ranMs: 1250, reasons: ["new stage (not in slm.lock)"] }], provenance: PROVENANCE },
  };
}

/**
 * The example classifier build with every kind of row a build makes today: prune and static
 * quantization (sparsity and bits from the lineage), a spiking network simulated beside them,
 * and the cpu-int8 target. `extra` is appended to the config (e.g. `gates:`).
 */
export function exampleClassifierConfig(extra = ""): string {
  return classifierConfig(`recipe:
  - prune: {sparsity: 0.5}
  - quantize: {mode: static}
  - convert: {timesteps: 8}
targets: [cpu-int8]
${extra}`,
    { samples: 60, calibration: 100 },
  );
}
