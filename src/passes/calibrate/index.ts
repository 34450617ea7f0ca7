import type { RunParams } from "../../plan/plan-context.js";
import type { StageKind } from "../../plan/stage-kind.js";

/** The calibrate stage's params, as the planner binds them (PlanContext.runParams). */
export type CalibrateParams = RunParams;

/**
 * Activation statistics of one model over the calibration data (stats.json, see ./stats.ts):
 * the model is augmented so every tensor of interest is a graph output, as onnxruntime's
 * calibrator does, then run over the calibration windows or samples.
 */
export const calibrateKind: StageKind<CalibrateParams> = {
  id: "calibrate",
  version: "1",
  description: "collect activation statistics (ranges, histograms, channel norms) over the calibration data",
  engines: ["onnxruntime-node"],
  async run(ctx, inputs, params) {
    // Loaded here, not at the top: planning a build must not load onnxruntime or the ONNX codec.
    const { runCalibration } = await import("./run.js");
    return runCalibration(ctx, inputs, params);
  },
};
