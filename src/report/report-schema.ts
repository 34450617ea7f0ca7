import type { JsonObject } from "../config/schema.js";

/**
 * The JSON Schema of build/report.json (the Report type of model.ts), written once: the checked-in
 * schemas/report.schema.json is this object (`npm run schemas`; a test fails on drift), and
 * `slm report` validates every report it reads with it. `results` is what depends only on the
 * build's inputs; `run` is what differs from build to build.
 */
const nonNegative = { type: "number", minimum: 0 } as const;
const count = { type: "integer", minimum: 0 } as const;
const text = { type: "string" } as const;
const digest = { type: "string", pattern: "^sha256:[0-9a-f]{64}$" } as const;

const estimate: JsonObject = {
  type: "object",
  description: "A figure computed from a model rather than measured; the report marks it estimated with its evidence tag.",
  required: ["value", "unit", "estimated", "evidence", "model"],
  properties: {
    value: { type: "number" },
    unit: text,
    estimated: { const: true },
    evidence: { ...text, description: "How the estimate's inputs are known: measured, simulated, derived, assumed." },
    model: { ...text, description: "The model that produced the estimate." },
    formula: text,
  },
};

const latency: JsonObject = {
  type: "object",
  description: "Latency measured on the machine that ran the stage.",
  required: ["medianMs", "runs", "label"],
  additionalProperties: false,
  properties: { medianMs: nonNegative, p10Ms: nonNegative, p90Ms: nonNegative, runs: count, label: text },
};

const metrics: JsonObject = {
  type: "object",
  description: "The row stage's metrics as recorded (less latency and layers): the row-metrics contract of src/report/model.ts.",
  properties: {
    accuracy: { type: "number", minimum: 0, maximum: 1 },
    correct: count,
    total: count,
    perplexity: nonNegative,
    nll: { type: "number" },
    predictions: count,
    estimates: {
      type: "object",
      properties: { energyPerInference: estimate, energyPerInferenceGeneric: estimate, latencyPerInference: estimate },
    },
    hardware: {
      type: "object",
      required: ["unit", "used"],
      properties: { unit: text, used: nonNegative, available: nonNegative, utilization: nonNegative, chips: count },
    },
    spiking: {
      type: "object",
      properties: { timesteps: count, spikesPerInference: nonNegative, synapticOpsPerInference: nonNegative, chipMacShare: nonNegative, hostMacShare: nonNegative },
    },
    weightBits: { type: "integer", minimum: 1 },
  },
};

const modelRow: JsonObject = {
  type: "object",
  required: ["model", "evaluatedBy", "label", "metrics"],
  additionalProperties: false,
  properties: {
    model: { ...text, description: "The stage that produced the measured model (import for the baseline)." },
    evaluatedBy: { ...text, description: "The stage whose metrics make the row." },
    label: text,
    target: text,
    sizeBytes: count,
    parameters: count,
    sparsity: {
      type: "object",
      required: ["value", "stage"],
      additionalProperties: false,
      properties: { value: { type: "number", minimum: 0, maximum: 1 }, stage: text },
    },
    bits: {
      type: "object",
      required: ["weights", "stage"],
      additionalProperties: false,
      properties: { weights: { type: "integer", minimum: 1 }, mode: text, stage: text },
    },
    quality: {
      type: "object",
      required: ["metric", "value"],
      additionalProperties: false,
      properties: {
        metric: { enum: ["accuracy", "perplexity"] },
        value: { type: "number" },
        change: { type: "number", description: "From the baseline: percentage points of accuracy, percent of perplexity." },
      },
    },
    metrics,
    latency,
  },
};

const gateCheck: JsonObject = {
  type: "object",
  required: ["gate", "field", "limit", "unit", "status", "rows"],
  additionalProperties: false,
  properties: {
    gate: { enum: ["perplexity_increase", "accuracy_drop", "energy_uj", "latency_ms"] },
    field: text,
    target: text,
    limit: nonNegative,
    unit: { enum: ["%", "pt", "µJ", "ms"] },
    status: { enum: ["passed", "failed", "no-figure"] },
    rows: {
      type: "array",
      items: {
        type: "object",
        required: ["label", "evaluatedBy", "value", "passed"],
        additionalProperties: false,
        properties: { label: text, evaluatedBy: text, value: { type: "number" }, passed: { type: "boolean" }, estimated: text },
      },
    },
  },
};

export const REPORT_SCHEMA: JsonObject = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "slm report",
  description: "build/report.json: what a build measured (results, the same for the same inputs) and how it ran (run).",
  type: "object",
  required: ["reportVersion", "project", "results", "run"],
  additionalProperties: false,
  properties: {
    reportVersion: { const: 1 },
    project: {
      type: "object",
      required: ["name", "task", "config"],
      additionalProperties: false,
      properties: { name: text, task: { enum: ["causal-lm", "classifier"] }, config: text },
    },
    results: {
      type: "object",
      required: ["models", "sizes", "layers", "gates", "artifacts", "warnings"],
      additionalProperties: false,
      properties: {
        models: { type: "array", items: modelRow },
        sizes: {
          type: "array",
          items: { type: "object", required: ["stage", "kind", "bytes"], additionalProperties: false, properties: { stage: text, kind: text, bytes: count } },
        },
        layers: {
          type: "array",
          items: {
            type: "object",
            required: ["stage", "layer", "placement"],
            additionalProperties: false,
            properties: {
              stage: text,
              layer: text,
              firingRate: { type: "number", minimum: 0, maximum: 1 },
              synapticOps: nonNegative,
              placement: { enum: ["chip", "host"] },
            },
          },
        },
        gates: { type: "array", items: gateCheck },
        artifacts: { type: "object", description: "Path under the build folder → digest.", additionalProperties: digest },
        warnings: {
          type: "array",
          items: { type: "object", required: ["stage", "message"], additionalProperties: false, properties: { stage: text, message: text } },
        },
      },
    },
    run: {
      type: "object",
      required: ["stages", "provenance"],
      additionalProperties: false,
      properties: {
        stages: {
          type: "array",
          items: {
            type: "object",
            required: ["id", "kind", "state", "durationMs", "reasons"],
            additionalProperties: false,
            properties: { id: text, kind: text, state: text, durationMs: nonNegative, ranMs: nonNegative, reasons: { type: "array", items: text } },
          },
        },
        provenance: {
          type: "object",
          required: ["slm", "node", "engines", "machine", "configDigest"],
          additionalProperties: false,
          properties: {
            slm: text,
            node: text,
            engines: { type: "object", additionalProperties: text },
            machine: {
              type: "object",
              required: ["platform", "arch", "cpu", "cores"],
              additionalProperties: false,
              properties: { platform: text, arch: text, cpu: text, cores: count },
            },
            configDigest: digest,
            lockDigest: digest,
          },
        },
      },
    },
  },
};

/** The text of schemas/report.schema.json. */
export function reportSchemaText(): string {
  return `${JSON.stringify(REPORT_SCHEMA, null, 2)}\n`;
}
