/**
 * The `convert:` recipe step: ANN → SNN conversion. Its stage reads the model (`model`, float or
 * QDQ int8) and the calibration statistics of that model (`calibration`, stats.json) and writes
 * `snn`, an SNN IR folder (src/snn/ir.ts, docs/snn-ir.md).
 */
import type { StageKind } from "../../plan/stage-kind.js";
import type { ConvertParams } from "./params.js";

export { convertSchema, type ConvertParams } from "./params.js";

/** Stage kind `convert`: inputs `model`, `calibration`; output `snn` (a folder). */
export const convertKind: StageKind<ConvertParams> = {
  id: "convert",
  version: "2",
  description: "convert MatMul/Gemm + ReLU layers to spiking neurons (thresholds balanced from calibration); the rest runs on the host",
  engines: [],
  async run(ctx, inputs, params) {
    // Loaded here, not at the top: planning a build must not pay for the ONNX code.
    const { runConvert } = await import("./run.js");
    return runConvert(ctx, inputs, params);
  },
};
