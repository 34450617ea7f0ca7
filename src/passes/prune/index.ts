import type { PassPlugin } from "../../plugins/registry.js";
import type { StageKind } from "../../plan/stage-kind.js";
import { type PruneParams, pruneSchema, prunesWithActivations } from "./params.js";

const pruneKind: StageKind<PruneParams> = {
  id: "prune",
  version: "1",
  description: "prune MatMul/Gemm weights (magnitude, Wanda, N:M) or remove FFN units and attention heads",
  engines: [],
  async run(ctx, inputs, params) {
    // Loaded here, not at the top: planning a build must not pay for the ONNX code.
    const { runPrune } = await import("./run.js");
    return runPrune(ctx, inputs, params);
  },
};

/** The `prune:` recipe step. */
export const prunePass: PassPlugin = {
  name: "prune",
  description: "Prune weights: unstructured or N:M sparsity by magnitude or Wanda score, or structured removal of FFN units and attention heads (a smaller dense model).",
  schema: pruneSchema,
  kind: pruneKind,
  needsCalibration: prunesWithActivations,
};
