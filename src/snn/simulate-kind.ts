/**
 * The `simulate` stage kind: an SNN IR and the ANN it was converted from, run over the same
 * evaluation data. Inputs: `snn` (the IR folder), `model` (the ANN, for agreement), and `data`
 * (classifier JSONL) or `ids` + `tokens` (causal LM, the tokenize stage's outputs). Output:
 * `metrics.json` (accuracy or perplexity of both, top-1 agreement, KL, per-layer counts).
 */
import type { RunParams } from "../plan/plan-context.js";
import type { StageKind } from "../plan/stage-kind.js";

/** Validated, defaulted params (field names as in the schema). */
export interface SimulateParams extends RunParams {
  state: "float" | "fixed";
  /** fixed: fraction bits (a spiking neuron's threshold is 2^F units). */
  fraction_bits?: number;
}

/** Fraction bits of fixed-point state unless a config says otherwise. */
export const DEFAULT_FRACTION_BITS = 12;

/** JSON Schema of the params a config or target may set (the planner binds task, data and session settings). */
export const simulateSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    state: {
      enum: ["float", "fixed"],
      default: "float",
      description: "Neuron state in double-precision floats, or in integers (fixed point: weights, biases and thresholds rounded to 2^-fraction_bits of each neuron's threshold).",
    },
    fraction_bits: { type: "integer", minimum: 0, maximum: 24, description: `fixed: fraction bits (default ${DEFAULT_FRACTION_BITS}).` },
  },
  if: { required: ["state"], properties: { state: { const: "fixed" } } },
  then: { properties: { fraction_bits: { default: DEFAULT_FRACTION_BITS } } },
  else: { properties: { fraction_bits: false } },
} as const;

/** Stage kind `simulate`. */
export const simulateKind: StageKind<SimulateParams> = {
  id: "simulate",
  version: "1",
  description: "simulate the spiking network event by event (host ops in onnxruntime) and compare it with the ANN",
  engines: ["onnxruntime-node"],
  async run(ctx, inputs, params) {
    // Loaded here, not at the top: planning a build must not load onnxruntime or the simulator.
    const { runSimulate } = await import("./simulate-run.js");
    return runSimulate(ctx, inputs, params);
  },
};
