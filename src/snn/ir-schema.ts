/**
 * JSON Schema of snn.json (draft 2020-12), the one source of schemas/snn-ir.schema.json
 * (`snnIrSchemaText()` writes that file; test/snn checks the checked-in copy has not drifted).
 * The reader validates with it first, then checks what a schema cannot: binary files' sizes and
 * digests, tensor references, per-channel lengths (ir-read.ts).
 */
import { DTYPES, SNN_IR_FORMAT, SNN_IR_VERSION } from "./ir.js";

const name = { type: "string", minLength: 1 } as const;
const count = { type: "integer", minimum: 1 } as const;
const sha256 = { type: "string", pattern: "^[0-9a-f]{64}$", description: "hex sha256 of the file's bytes" } as const;
/** A plain file name beside snn.json: no folders, not hidden. */
const fileName = { type: "string", pattern: "^[A-Za-z0-9_][A-Za-z0-9._-]*$", maxLength: 200 } as const;
const finitePositive = { type: "number", exclusiveMinimum: 0 } as const;

/** `if` on a discriminating `type` (or `model`) field, so a layer's errors come from its own branch only. */
const branch = (field: string, value: string, ref: string) => ({
  if: { type: "object", required: [field], properties: { [field]: { const: value } } },
  then: { $ref: ref },
});

export const snnIrSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://slm.dev/schemas/snn-ir.schema.json",
  title: "slm SNN IR (snn.json)",
  description:
    "A spiking network converted by slm: layers in topological order, neuron models, thresholds, encoding and decoding, host ops; weights in little-endian binary files beside this JSON. See docs/snn-ir.md.",
  type: "object",
  additionalProperties: false,
  required: ["format", "version", "sourceModel", "encoding", "decoding", "inputs", "outputs", "layers"],
  properties: {
    format: { const: SNN_IR_FORMAT },
    version: { const: SNN_IR_VERSION },
    sourceModel: { ...sha256, description: "sha256 of the source ONNX model" },
    encoding: {
      type: "object",
      required: ["type", "timesteps"],
      properties: { type: { enum: ["rate", "sigma-delta"] } },
      allOf: [branch("type", "rate", "#/$defs/rateEncoding"), branch("type", "sigma-delta", "#/$defs/sigmaDeltaEncoding")],
    },
    decoding: { enum: ["membrane", "spikes"] },
    inputs: { type: "array", minItems: 1, items: { $ref: "#/$defs/graphValue" } },
    outputs: { type: "array", minItems: 1, items: { $ref: "#/$defs/graphValue" } },
    layers: { type: "array", minItems: 1, items: { $ref: "#/$defs/layer" } },
  },
  $defs: {
    rateEncoding: {
      type: "object",
      additionalProperties: false,
      required: ["type", "timesteps"],
      properties: { type: { const: "rate" }, timesteps: count },
    },
    sigmaDeltaEncoding: {
      type: "object",
      additionalProperties: false,
      required: ["type", "timesteps", "theta"],
      properties: { type: { const: "sigma-delta" }, timesteps: count, theta: { type: "number", minimum: 0 } },
    },
    graphValue: {
      type: "object",
      additionalProperties: false,
      required: ["name", "dtype", "shape"],
      properties: {
        name,
        dtype: name,
        shape: { type: "array", items: { anyOf: [{ type: "integer", minimum: 0 }, { type: "string", minLength: 1 }] } },
      },
    },
    binary: {
      type: "object",
      additionalProperties: false,
      required: ["file", "dtype", "shape", "sha256"],
      properties: {
        file: fileName,
        dtype: { enum: [...DTYPES] },
        shape: { type: "array", minItems: 1, items: { type: "integer", minimum: 0 } },
        sha256,
      },
    },
    perChannel: {
      description: "one value for the layer, or a float32 [neurons] file with one per neuron",
      anyOf: [finitePositive, { $ref: "#/$defs/binary" }],
    },
    weight: {
      type: "object",
      additionalProperties: false,
      required: ["file", "dtype", "shape", "sha256", "scale"],
      properties: {
        file: fileName,
        dtype: { enum: [...DTYPES] },
        shape: { type: "array", minItems: 2, maxItems: 2, items: { type: "integer", minimum: 1 } },
        sha256,
        scale: { $ref: "#/$defs/perChannel" },
      },
    },
    neuron: {
      type: "object",
      required: ["model"],
      properties: { model: { enum: ["if", "lif", "sigma-delta"] } },
      allOf: [
        branch("model", "if", "#/$defs/ifNeuron"),
        branch("model", "lif", "#/$defs/lifNeuron"),
        branch("model", "sigma-delta", "#/$defs/sigmaDeltaNeuron"),
      ],
    },
    ifNeuron: {
      type: "object",
      additionalProperties: false,
      required: ["model", "reset", "threshold", "initialPotential"],
      properties: {
        model: { const: "if" },
        reset: { enum: ["subtract", "zero"] },
        threshold: { $ref: "#/$defs/perChannel" },
        initialPotential: { type: "number", minimum: 0, maximum: 1 },
      },
    },
    lifNeuron: {
      type: "object",
      additionalProperties: false,
      required: ["model", "leak", "reset", "threshold", "initialPotential"],
      properties: {
        model: { const: "lif" },
        leak: { type: "number", minimum: 0, exclusiveMaximum: 1 },
        reset: { enum: ["subtract", "zero"] },
        threshold: { $ref: "#/$defs/perChannel" },
        initialPotential: { type: "number", minimum: 0, maximum: 1 },
      },
    },
    sigmaDeltaNeuron: {
      type: "object",
      additionalProperties: false,
      required: ["model", "scale", "theta"],
      properties: {
        model: { const: "sigma-delta" },
        scale: { $ref: "#/$defs/perChannel" },
        theta: { type: "number", minimum: 0 },
        levels: {
          type: "integer",
          minimum: 1,
          maximum: 32767,
          description:
            "optional: activations are quantized to multiples of scale/levels, rounded to nearest and clipped to [0, scale] (encoders: [-scale, scale]), as a chip with integer activations computes them",
        },
      },
    },
    source: {
      type: "object",
      additionalProperties: false,
      required: ["nodes"],
      properties: {
        nodes: { type: "array", items: name },
        approximations: { type: "array", items: name },
      },
    },
    layer: {
      type: "object",
      required: ["type", "name"],
      properties: { type: { enum: ["encoder", "spiking", "readout", "host"] }, name },
      allOf: [
        branch("type", "encoder", "#/$defs/encoderLayer"),
        branch("type", "spiking", "#/$defs/denseLayer"),
        branch("type", "readout", "#/$defs/denseLayer"),
        branch("type", "host", "#/$defs/hostLayer"),
      ],
    },
    encoderLayer: {
      type: "object",
      additionalProperties: false,
      required: ["type", "name", "input", "output", "features", "neuron"],
      properties: {
        type: { const: "encoder" },
        name,
        input: name,
        output: name,
        features: count,
        neuron: { $ref: "#/$defs/neuron" },
      },
    },
    denseLayer: {
      type: "object",
      additionalProperties: false,
      required: ["type", "name", "input", "output", "inFeatures", "outFeatures", "weight", "source"],
      properties: {
        type: { enum: ["spiking", "readout"] },
        name,
        input: name,
        output: name,
        inFeatures: count,
        outFeatures: count,
        weight: { $ref: "#/$defs/weight" },
        bias: { $ref: "#/$defs/binary" },
        neuron: { $ref: "#/$defs/neuron" },
        spikeNeuron: { $ref: "#/$defs/neuron" },
        decoded: { type: "boolean" },
        source: { $ref: "#/$defs/source" },
      },
    },
    tensorInfo: {
      type: "object",
      additionalProperties: false,
      required: ["name", "dtype"],
      properties: { name, dtype: name },
    },
    hostLayer: {
      type: "object",
      additionalProperties: false,
      required: ["type", "name", "model", "inputs", "outputs", "ops", "macProbes"],
      properties: {
        type: { const: "host" },
        name,
        model: {
          type: "object",
          additionalProperties: false,
          required: ["file", "sha256"],
          properties: { file: fileName, sha256 },
        },
        inputs: { type: "array", items: { $ref: "#/$defs/tensorInfo" } },
        outputs: { type: "array", minItems: 1, items: { $ref: "#/$defs/tensorInfo" } },
        ops: { type: "object", additionalProperties: { type: "integer", minimum: 1 } },
        macProbes: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["node", "op", "shapeA", "shapeY"],
            properties: { node: name, op: { enum: ["MatMul", "Gemm"] }, shapeA: name, shapeY: name, transA: { type: "boolean" } },
          },
        },
      },
    },
  },
} as const;

/** The text of schemas/snn-ir.schema.json. */
export function snnIrSchemaText(): string {
  return `${JSON.stringify(snnIrSchema, null, 2)}\n`;
}
