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
    /** Each gate of the config (`gates:`), the rows it judged and whether they passed. */
    gates: GateCheck[];
    /** The build folder's artifacts: path under the build folder → digest (files and folders). */
    artifacts: Record<string, string>;
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
 * - `spiking`: network totals of a simulation (spikesPerInference, synapticOpsPerInference, ...);
 * - `estimates`: `{energyPerInference, energyPerInferenceGeneric, latencyPerInference}`, each an
 *   Estimate; `hardware`: a Hardware; `weightBits`: the bits the row's weights are stored in;
 * - anything else (e.g. `ann`, `agreement`) is kept as is.
 * `metrics` keeps the stage's figures as recorded (less `latency` and `layers`); the fields
 * beside it are what the comparison reads, derived at assembly (src/report/row-figures.ts).
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
  /** Fraction of zero weights, from the nearest prune stage in the model's lineage. */
  sparsity?: { value: number; stage: string };
  /** Weight bits: the row's `weightBits`, else the nearest quantize stage's `bits` and `mode`. */
  bits?: { weights: number; mode?: string; stage: string };
  /** The task's figure (accuracy as a fraction, or perplexity) and its change from the baseline. */
  quality?: Quality;
  /** Task metrics, e.g. perplexity and predictions, or accuracy, correct and total. */
  metrics: Record<string, Json>;
  /** Measured latency; measured on the machine that ran the stage, when it ran. */
  latency?: Latency;
}

/**
 * Accuracy changes in percentage points of the baseline's, perplexity in percent of it
 * (`change` is absent on the baseline itself and when the baseline has no figure).
 */
export interface Quality {
  metric: "accuracy" | "perplexity";
  value: number;
  change?: number;
}

/** A figure computed from a model rather than measured (energy; a simulated chip's latency). */
export interface Estimate {
  value: number;
  unit: string;
  estimated: true;
  /** The evidence tag: how the inputs of the estimate are known (e.g. measured, simulated, derived, assumed). */
  evidence: string;
  /** The model that produced it, e.g. "Loihi 2 energy model (Davies et al. 2021)". */
  model: string;
  formula?: string;
}

/** What a lowered network occupies on a chip. */
export interface Hardware {
  unit: string;
  used: number;
  available?: number;
  utilization?: number;
  chips?: number;
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

/** The limits of `gates:` (DESIGN.md exit code 3). */
export type GateName = "perplexity_increase" | "accuracy_drop" | "energy_uj" | "latency_ms";

/** One gate as the config sets it, and its verdict on every row it applies to. */
export interface GateCheck {
  gate: GateName;
  /** The config field that sets it, e.g. `gates.targets.loihi2-sim.energy_uj`. */
  field: string;
  /** The target whose rows it judges; absent for a global gate (every row but the baseline). */
  target?: string;
  limit: number;
  unit: "%" | "pt" | "µJ" | "ms";
  /** "failed" when a row exceeds the limit; "no-figure" when no row it applies to has the figure. */
  status: "passed" | "failed" | "no-figure";
  rows: GateRow[];
}

export interface GateRow {
  label: string;
  evaluatedBy: string;
  /** In the gate's unit. */
  value: number;
  passed: boolean;
  /** The evidence tag when the value is an estimate. */
  estimated?: string;
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
