import type { Json } from "../util/canonical-json.js";

/**
 * The report of one build (build/report.json, schemas/report.schema.json). `results` depends only
 * on the build's inputs (the same inputs give the same results, so it diffs cleanly between
 * builds); `run` holds what varies from run to run: which stages ran, durations, provenance.
 */
export interface Report {
  reportVersion: 1;
  project: { name: string; task: string; config: string };
  results: {
    /** One row per evaluated model: the fp32 baseline, then each compressed variant. */
    models: ModelRow[];
    /** The model's size after each stage that produces one, in plan order (import first). */
    sizes: ModelSize[];
    /** Per-layer figures of the spiking targets' simulations; empty when none ran. */
    layers: LayerRow[];
    warnings: StageWarning[];
  };
  run: {
    stages: StageRow[];
    provenance: Provenance;
  };
}

/**
 * A row of the comparison table: a stage the plan marks with `row` (src/plan/plan.ts ReportRow).
 * Row-metrics contract — what such a stage's metrics may hold:
 * - task figures at the top level: `accuracy` (+ `correct`, `total`) or `perplexity` (+ `nll`, `predictions`);
 * - `latency`: measured latency (Latency below), only where something was timed for real;
 * - `layers`: per-layer figures of a simulated spiking network (src/snn/simulate-metrics.ts);
 * - anything else (e.g. `spiking` totals, `ann`, `agreement`, estimates) is kept as is.
 */
export interface ModelRow {
  /** The stage that produced the model ("import" for the baseline; the convert stage for a spiking network). */
  model: string;
  /** The stage whose metrics make the row. */
  evaluatedBy: string;
  label: string;
  /** The target the row lowers to, for a target's row. */
  target?: string;
  sizeBytes?: number;
  parameters?: number;
  /** Task metrics, e.g. perplexity and predictions, or accuracy, correct and total. */
  metrics: Record<string, Json>;
  /** Measured latency; measured on the machine that ran the stage, when it ran. */
  latency?: Latency;
}

export interface Latency {
  medianMs: number;
  p10Ms?: number;
  p90Ms?: number;
  runs: number;
  label: string;
}

export interface ModelSize {
  /** The stage that wrote the model. */
  stage: string;
  kind: string;
  /** Bytes of its `model.onnx` output. */
  bytes: number;
}

/**
 * One layer of a simulated spiking network, from a row stage whose metrics hold
 * `layers: [{ name, where, firingRate?, synapticOpsPerInference? }]` (src/snn/simulate-metrics.ts).
 */
export interface LayerRow {
  /** The stage that simulated it. */
  stage: string;
  layer: string;
  /** Mean spikes per neuron per timestep, in [0, 1]; absent for layers run on the host. */
  firingRate?: number;
  /** Synaptic operations per inference. */
  synapticOps?: number;
  placement: "chip" | "host";
}

export interface StageWarning {
  stage: string;
  message: string;
}

export interface StageRow {
  id: string;
  kind: string;
  state: string;
  /** Wall time in this build (restoring from the cache included). */
  durationMs: number;
  /** How long the stage took when it actually ran (from the action record). */
  ranMs?: number;
  reasons: string[];
}

export interface Provenance {
  slm: string;
  node: string;
  engines: Record<string, string>;
  machine: { platform: string; arch: string; cpu: string; cores: number };
  configDigest: string;
  lockDigest?: string;
}
