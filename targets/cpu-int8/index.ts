import type { TargetPlugin } from "../../src/plugins/registry.js";
import { emitKind } from "./emit.js";
import { legalizeKind } from "./legalize.js";

const NAME = "cpu-int8";

/**
 * onnxruntime's CPU execution provider running integer kernels. Nothing is simulated: the
 * quantized model is checked for what onnxruntime fuses into integer kernels, measured for real
 * (perplexity or accuracy, latency on this machine) and emitted as a deployable bundle.
 */
export const target: TargetPlugin = {
  name: NAME,
  description: "onnxruntime CPU provider with integer kernels: a quantized ONNX bundle, measured on this machine",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      optimization: {
        enum: ["basic", "extended", "all"],
        default: "all",
        description: "onnxruntime graph optimization level the bundle is checked and measured with (QDQ fusion needs extended or all)",
      },
      require_integer_kernels: {
        type: "boolean",
        default: true,
        description: "fail when onnxruntime runs no MatMul/Gemm of the model in an integer kernel (e.g. a weight-only model: smaller, not faster)",
      },
    },
  },
  plan(ctx, use, final) {
    const legalize = `legalize:${NAME}`;
    ctx.builder.add({
      id: legalize,
      kind: legalizeKind,
      params: { optimization: use.params.optimization ?? "all", require_integer_kernels: use.params.require_integer_kernels ?? true },
      origins: { optimization: `${use.origin}.optimization`, require_integer_kernels: `${use.origin}.require_integer_kernels` },
      inputs: { model: final.model },
      materialize: {},
    });
    const model = ctx.fromStage(legalize, "model.onnx");
    ctx.evaluate(NAME, model, { target: NAME });
    const labels = ctx.config.model.labels;
    ctx.builder.add({
      id: `emit:${NAME}`,
      kind: emitKind,
      params: { task: ctx.config.model.task, optimization: use.params.optimization ?? "all" },
      origins: { task: "model.task", optimization: `${use.origin}.optimization` },
      inputs: { model, ...ctx.tokenizerInputs(), ...(labels ? { labels: ctx.source("model.labels", labels) } : {}) },
      materialize: { bundle: `targets/${NAME}` },
    });
  },
};
