import type { PassPlugin } from "../../plugins/registry.js";
import type { StageKind } from "../../plan/stage-kind.js";
import { type QuantizeParams, quantizeSchema } from "./params.js";

const quantizeKind: StageKind<QuantizeParams> = {
  id: "quantize",
  version: "1",
  description: "quantize MatMul/Gemm weights (weight-only int8/int4, dynamic or static W8A8)",
  async run(ctx, inputs, params) {
    // Loaded here, not at the top: planning a build must not pay for the ONNX and quantizer code.
    const { runQuantize } = await import("./run.js");
    return runQuantize(ctx, inputs, params);
  },
};

/** The `quantize:` recipe step. */
export const quantizePass: PassPlugin = {
  name: "quantize",
  description: "Quantize weights (int8 per-channel/per-tensor, int4 block-wise) and optionally activations (dynamic or static W8A8), as onnxruntime's quantizer does.",
  schema: quantizeSchema,
  kind: quantizeKind,
  needsCalibration: (params) => params.mode === "static",
};
