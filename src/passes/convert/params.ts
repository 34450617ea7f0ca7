/**
 * The `convert:` step's params: the JSON Schema (validated and defaulted by the config module)
 * and the type the stage receives. Impossible values (T ≤ 0, θ < 0, a percentile outside
 * (50, 100]) and knobs that do not belong to the chosen encoding, neuron or balancing are schema
 * errors with a position, never silently ignored: a knob that does nothing can never rerun the
 * stage.
 */

export const NEURON_MODELS = ["if", "lif"] as const;
export const RESET_MODES = ["subtract", "zero"] as const;
export const ENCODINGS = ["rate", "sigma-delta"] as const;
export const BALANCINGS = ["max", "percentile"] as const;
export const GRANULARITIES = ["per-layer", "per-channel"] as const;
export const DECODINGS = ["membrane", "spikes"] as const;

export type NeuronModelName = (typeof NEURON_MODELS)[number];
export type ResetMode = (typeof RESET_MODES)[number];
export type EncodingName = (typeof ENCODINGS)[number];
export type Balancing = (typeof BALANCINGS)[number];
export type Granularity = (typeof GRANULARITIES)[number];
export type DecodingName = (typeof DECODINGS)[number];

/** rate-coding params, after defaults. */
export interface RateParams {
  encoding: "rate";
  neuron: NeuronModelName;
  /** lif only. */
  leak?: number;
  reset: ResetMode;
  initial_potential: number;
  decoding: DecodingName;
}

/** sigma-delta params, after defaults. */
export interface SigmaDeltaParams {
  encoding: "sigma-delta";
  theta: number;
}

/** Validated, defaulted params (field names are the YAML keys). */
export type ConvertParams = (RateParams | SigmaDeltaParams) & {
  timesteps: number;
  balancing: Balancing;
  /** percentile balancing only. */
  percentile?: number;
  granularity: Granularity;
  threshold: number;
  approximate_gelu: boolean;
};

export const DEFAULT_PERCENTILE = 99.9;
const DEFAULT_RATE_TIMESTEPS = 32;
const DEFAULT_SIGMA_DELTA_TIMESTEPS = 1;
const DEFAULT_LEAK = 0.01;
const DEFAULT_THETA = 0.01;

/** An `if` that holds when `key` is written with `value` (a key whose default differs must be written to match). */
const written = (key: string, value: string) => ({ required: [key], properties: { [key]: { const: value } } });

/** JSON Schema of `convert:` (draft 2020-12 subset the config module compiles with ajv). */
export const convertSchema = {
  type: "object",
  additionalProperties: false,
  description:
    "Convert the model to a spiking network (SNN IR): MatMul/Gemm + ReLU layers become IF/LIF (or sigma-delta) neurons with thresholds balanced from the calibration statistics; what cannot spike runs on the host. Needs data.calibration.",
  properties: {
    encoding: {
      enum: [...ENCODINGS],
      default: "rate",
      description:
        "rate: binary spikes whose rate over `timesteps` carries each activation (IF/LIF neurons); sigma-delta: graded spikes that carry the change of an activation when it exceeds theta (Loihi 2 SDNN style), for chips that carry graded spikes.",
    },
    timesteps: {
      type: "integer",
      minimum: 1,
      description: `Timesteps T each input is presented for. Default ${DEFAULT_RATE_TIMESTEPS} for rate coding, ${DEFAULT_SIGMA_DELTA_TIMESTEPS} for sigma-delta (a static input is sent once).`,
    },
    neuron: {
      enum: [...NEURON_MODELS],
      description: "rate: if (integrate-and-fire) or lif (leaky: the potential decays by `leak` each timestep). Default if.",
    },
    leak: {
      type: "number",
      minimum: 0,
      exclusiveMaximum: 1,
      description: `lif: fraction of the membrane potential lost each timestep (default ${DEFAULT_LEAK}).`,
    },
    reset: {
      enum: [...RESET_MODES],
      description:
        "rate: after a spike the threshold is subtracted from the potential (subtract: the residue carries over, the accurate choice) or the potential is set to zero. Default subtract.",
    },
    initial_potential: {
      type: "number",
      minimum: 0,
      maximum: 1,
      description:
        "rate: membrane potential at the first timestep, as a fraction of the threshold. 0.5 (default) rounds rates to the nearest spike count instead of flooring them (Bu et al., ICLR 2022).",
    },
    decoding: {
      enum: [...DECODINGS],
      description:
        "rate: how output layers (MatMul/Gemm not followed by ReLU, reading spikes) give values back: membrane (default: the potential integrated over T, divided by T) or spikes (signed spike counts × threshold / T).",
    },
    theta: {
      type: "number",
      minimum: 0,
      description: `sigma-delta: smallest change sent, as a fraction of each layer's activation scale (default ${DEFAULT_THETA}); 0 sends every change.`,
    },
    balancing: {
      enum: [...BALANCINGS],
      default: "percentile",
      description:
        "How each layer's activation scale λ comes from the calibration statistics: max (the largest activation, Diehl et al. 2015) or percentile (the given percentile of the nonzero activations, Rueckauer et al. 2017: robust to outliers).",
    },
    percentile: {
      type: "number",
      exclusiveMinimum: 50,
      maximum: 100,
      description: `percentile balancing: the percentile of the nonzero |activations| used as λ (default ${DEFAULT_PERCENTILE}).`,
    },
    granularity: {
      enum: [...GRANULARITIES],
      default: "per-layer",
      description:
        "per-layer: one λ per layer; per-channel: one per neuron, estimated from each channel's RMS activation (calibration's per-channel sums of squares) times the layer's λ / RMS ratio, capped at the layer's maximum.",
    },
    threshold: {
      type: "number",
      exclusiveMinimum: 0,
      default: 1,
      description: "Scale on every threshold: θ = threshold × λ. Above 1 clips less and resolves less; below 1 the reverse.",
    },
    approximate_gelu: {
      type: "boolean",
      default: false,
      description: "Treat GELU activations as ReLU, so MatMul/Gemm + GELU layers spike too (an approximation the report names); otherwise GELU runs on the host.",
    },
  },
  allOf: [
    {
      if: written("encoding", "sigma-delta"),
      then: {
        properties: {
          timesteps: { default: DEFAULT_SIGMA_DELTA_TIMESTEPS },
          theta: { default: DEFAULT_THETA },
          neuron: false,
          leak: false,
          reset: false,
          initial_potential: false,
          decoding: false,
        },
      },
      else: {
        properties: {
          timesteps: { default: DEFAULT_RATE_TIMESTEPS },
          theta: false,
          neuron: { default: "if" },
          reset: { default: "subtract" },
          initial_potential: { default: 0.5 },
          decoding: { default: "membrane" },
        },
      },
    },
    { if: written("neuron", "lif"), then: { properties: { leak: { default: DEFAULT_LEAK } } }, else: { properties: { leak: false } } },
    {
      if: written("balancing", "max"),
      then: { properties: { percentile: false } },
      else: { properties: { percentile: { default: DEFAULT_PERCENTILE } } },
    },
  ],
} as const;
