/**
 * The `quantize:` step's params: the JSON Schema (validated and defaulted by the config module)
 * and the type the stage receives. Impossible values and knobs that do not belong to the chosen
 * mode are schema errors with a position (`recipe[0].quantize.bits must be one of 4, 8 (got 3)`),
 * never silently ignored; defaults are applied only where a knob applies, so changing a knob
 * that does nothing can never rerun the stage.
 */

export const QUANTIZE_MODES = ["weight-only", "dynamic", "static"] as const;
export const GRANULARITIES = ["per-channel", "per-tensor"] as const;
export const BLOCK_SIZES = [16, 32, 64, 128, 256] as const;
export const INT4_FORMATS = ["matmulnbits", "qdq"] as const;
export const ACTIVATION_TYPES = ["uint8", "int8"] as const;
export const CALIBRATION_METHODS = ["minmax", "percentile", "entropy"] as const;
export const QUANTIZABLE_OPS = ["MatMul", "Gemm"] as const;

export type QuantizeMode = (typeof QUANTIZE_MODES)[number];
export type Granularity = (typeof GRANULARITIES)[number];
export type BlockSize = (typeof BLOCK_SIZES)[number];
export type Int4Format = (typeof INT4_FORMATS)[number];
export type ActivationType = (typeof ACTIVATION_TYPES)[number];
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];
export type QuantizableOp = (typeof QUANTIZABLE_OPS)[number];

/** How static mode turns calibration statistics into activation ranges. */
export interface CalibrationChoice {
  method: CalibrationMethod;
  /** percentile method only. */
  percentile?: number;
}

/** Validated, defaulted params (field names are the YAML keys); optional fields belong to some modes only. */
export interface QuantizeParams {
  mode: QuantizeMode;
  bits: 4 | 8;
  /** 8-bit weights. */
  granularity?: Granularity;
  symmetric: boolean;
  /** 8-bit weights. */
  reduce_range?: boolean;
  /** 4-bit weights. */
  block_size?: BlockSize;
  /** 4-bit weights. */
  format?: Int4Format;
  /** static mode. */
  activation_type?: ActivationType;
  /** static mode. */
  calibration?: CalibrationChoice;
  /** static mode. */
  activation_matmuls?: boolean;
  op_types: QuantizableOp[];
  include: string[];
  exclude: string[];
}

const patternList = (description: string) => ({
  type: "array",
  items: { type: "string", minLength: 1 },
  default: [],
  description,
});
const when = (conditions: Record<string, readonly (string | number)[]>) => ({
  required: Object.keys(conditions),
  properties: Object.fromEntries(Object.entries(conditions).map(([key, values]) => [key, { enum: values }])),
});

const DEFAULT_PERCENTILE = 99.999;

const calibrationSchema = {
  type: "object",
  additionalProperties: false,
  description:
    "static: how activation ranges come from the calibration statistics (the calibrate stage's histograms): {method: minmax | percentile | entropy (default percentile), percentile: 99.999 (percentile method only)}.",
  properties: {
    method: {
      enum: [...CALIBRATION_METHODS],
      default: "percentile",
      description:
        "minmax: the observed min and max; percentile: the given percentile of |x| (onnxruntime's symmetric percentile, clipped to the observed min/max); entropy: the threshold minimizing the KL divergence between the histogram and its 128-level quantization (TensorRT's method, as onnxruntime).",
    },
    percentile: {
      type: "number",
      exclusiveMinimum: 50,
      maximum: 100,
      description: `percentile method: the percentile of |x| that bounds the range (default ${DEFAULT_PERCENTILE}, onnxruntime's).`,
    },
  },
  if: when({ method: ["minmax", "entropy"] }),
  then: { properties: { percentile: false } },
  else: { properties: { percentile: { default: DEFAULT_PERCENTILE } } },
} as const;

/** JSON Schema of `quantize:` (draft 2020-12 subset the config module compiles with ajv). */
export const quantizeSchema = {
  type: "object",
  additionalProperties: false,
  description:
    "Quantize MatMul/Gemm weights (int8 per-channel or per-tensor, int4 block-wise) and, in dynamic or static mode, their activations, with onnxruntime's quantizer math.",
  properties: {
    mode: {
      enum: [...QUANTIZE_MODES],
      default: "weight-only",
      description:
        "weight-only: int8 weights + DequantizeLinear, or int4 MatMulNBits; dynamic: W8A8 with activations quantized at run time (DynamicQuantizeLinear + MatMulInteger, as onnxruntime's quantize_dynamic); static: W8A8 QDQ with activation ranges from calibration (needs data.calibration).",
    },
    bits: {
      enum: [4, 8],
      default: 8,
      description: "Weight bits: 8, or 4 (block-wise, weight-only mode).",
    },
    granularity: {
      enum: [...GRANULARITIES],
      description:
        "8-bit weights: one scale per output channel (MatMul B [K,N]: per column, axis 1; Gemm with transB=1: per row, axis 0) or one per tensor. Default per-channel; per-tensor in dynamic mode, as onnxruntime's quantize_dynamic.",
    },
    symmetric: {
      type: "boolean",
      default: true,
      description:
        "Weights: symmetric (int8 in [-127, 127] with zero point 0; 4-bit: no zero points, 8 implied) or asymmetric (uint8 with a zero point, as onnxruntime's QUInt8 weights; 4-bit: packed zero points).",
    },
    reduce_range: {
      type: "boolean",
      description:
        "8-bit weights: 7-bit ranges (int8 [-64, 64], uint8 [0, 127]) as onnxruntime's reduce_range, so x86 AVX2/AVX-512 CPUs without VNNI cannot saturate the 16-bit pair sums of their uint8 × int8 kernels. Default false.",
    },
    block_size: {
      enum: [...BLOCK_SIZES],
      description: "4-bit: consecutive weights along K that share one scale. Default 32.",
    },
    format: {
      enum: [...INT4_FORMATS],
      description:
        "4-bit: matmulnbits (com.microsoft MatMulNBits, runs at the model's opset; default) or qdq (INT4/UINT4 DequantizeLinear with block_size, which needs opset 21: the model's opset is raised when no op it uses changed meaning, else the step fails).",
    },
    activation_type: {
      enum: [...ACTIVATION_TYPES],
      description: "static: type of the activation Q/DQ pairs, asymmetric. Default uint8 (onnxruntime's U8S8, what x86 integer kernels want).",
    },
    calibration: calibrationSchema,
    activation_matmuls: {
      type: "boolean",
      description:
        "static: also quantize MatMuls whose inputs are both activations (attention QKᵀ and softmax·V). Default false: per-tensor ranges there cost accuracy and save no weight bytes.",
    },
    op_types: {
      type: "array",
      items: { enum: [...QUANTIZABLE_OPS] },
      minItems: 1,
      uniqueItems: true,
      default: [...QUANTIZABLE_OPS],
      description: "Op types that are quantized; other nodes stay in float.",
    },
    include: patternList(
      "Globs (* any run of characters, ? one character, matched against the whole name) over node names and the names of the weights they read; empty = every node of op_types. A non-empty list quantizes only the matching nodes.",
    ),
    exclude: patternList("Globs (as include) of nodes or weights that stay in float, e.g. a sensitive output head."),
  },
  allOf: [
    // 4-bit is weight-only: onnxruntime has no 4-bit activation kernels. (Only for a valid bits
    // value, so `bits: 3` gets the one message that lists the choices.)
    { if: when({ mode: ["dynamic", "static"], bits: [4, 8] }), then: { properties: { bits: { const: 8 } } } },
    // onnxruntime's quantize_dynamic is per-tensor by default (before the per-channel default below;
    // not with bits 4, which the first rule already rejects).
    {
      if: { required: ["mode"], properties: { mode: { const: "dynamic" }, bits: { const: 8 } } },
      then: { properties: { granularity: { default: "per-tensor" } } },
    },
    {
      if: when({ bits: [4] }),
      then: { properties: { granularity: false, reduce_range: false, block_size: { default: 32 }, format: { default: "matmulnbits" } } },
      else: { properties: { block_size: false, format: false, reduce_range: { default: false }, granularity: { default: "per-channel" } } },
    },
    {
      if: when({ mode: ["static"] }),
      then: {
        properties: {
          activation_type: { default: "uint8" },
          calibration: { default: { method: "percentile", percentile: DEFAULT_PERCENTILE } },
          activation_matmuls: { default: false },
        },
      },
      else: { properties: { activation_type: false, calibration: false, activation_matmuls: false } },
    },
  ],
} as const;
