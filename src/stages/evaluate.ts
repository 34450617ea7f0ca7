import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunParams } from "../plan/plan-context.js";
import type { StageKind } from "../plan/stage-kind.js";
import type { Json } from "../util/canonical-json.js";
import type { TokensInfo } from "./tokenize.js";

export interface EvaluateParams extends RunParams {
  latency_runs: number;
}

/**
 * Measures a model for real with onnxruntime-node: perplexity (causal LM, the protocol in
 * docs/evaluation.md) or accuracy (classifier), and latency as the median of warm runs.
 * The metrics.json artifact holds the task figures rounded to 6 significant digits, so it stays
 * byte-identical across machines whose float kernels differ in the last bits; the stage's
 * metrics (for the report) keep full precision and the latency, a measurement of this machine.
 */
export const evaluateKind: StageKind<EvaluateParams> = {
  id: "evaluate",
  version: "1",
  description: "measure perplexity or accuracy, and latency, with onnxruntime-node",
  engines: ["onnxruntime-node"],
  async run(ctx, inputs, params) {
    const { evaluateCausalLm, evaluateClassifier, measureModelLatency, readClassificationJsonl, readIdsFile } = await import("../eval/index.js");
    const session = { threads: params.threads, optimization: params.optimization };
    const modelPath = inputs.model!;
    let figures: Record<string, Json>;
    let latencyInput: Int32Array | Float32Array;
    if (params.task === "causal-lm") {
      const ids = await readIdsFile(inputs.ids!);
      const info = JSON.parse(await readFile(inputs.tokens!, "utf8")) as TokensInfo;
      const result = await evaluateCausalLm({
        modelPath,
        ids,
        window: params.window,
        ...(params.windows === undefined ? {} : { windows: params.windows }),
        batch: params.batch,
        tokenizerVocabSize: info.vocabSize,
        signal: ctx.signal,
        ...session,
      });
      figures = { perplexity: result.perplexity, nll: result.nll, predictions: result.predictions, windows: result.windows };
      latencyInput = ids.subarray(0, params.window ?? 128);
    } else {
      const result = await evaluateClassifier({
        modelPath,
        jsonlPath: inputs.data!,
        ...(params.samples === undefined ? {} : { samples: params.samples }),
        batch: params.batch,
        signal: ctx.signal,
        ...session,
      });
      figures = { accuracy: result.accuracy, correct: result.correct, total: result.total };
      latencyInput = (await readClassificationJsonl(inputs.data!, 1)).features;
    }
    const artifact = Object.fromEntries(Object.entries(figures).map(([name, value]) => [name, typeof value === "number" ? round(value) : value]));
    await writeFile(join(ctx.workDir, "metrics.json"), `${JSON.stringify(artifact, null, 2)}\n`);
    const metrics: Record<string, Json> = { ...figures };
    if (params.latency_runs > 0) {
      const measure = () => measureModelLatency({ modelPath, input: latencyInput, runs: params.latency_runs, signal: ctx.signal, ...session });
      // In a build, time with no other stage running: concurrent stages share the cores.
      const latency = ctx.exclusive ? await ctx.exclusive(measure) : await measure();
      const label = ctx.exclusive ? `${latency.label}, no other build stage running` : latency.label;
      metrics.latency = { medianMs: latency.medianMs, p10Ms: latency.p10Ms, p90Ms: latency.p90Ms, runs: latency.runs, label };
    }
    return { outputs: { "metrics.json": "metrics.json" }, metrics };
  },
};

function round(value: number): number {
  return Number(value.toPrecision(6));
}
