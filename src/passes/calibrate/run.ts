/**
 * The calibrate stage's work (loaded only when it runs): augment the model, run it over the
 * calibration data with onnxruntime-node, write stats.json.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { withSession } from "../../eval/session.js";
import { readModel } from "../../onnx/index.js";
import type { StageContext, StageResult } from "../../plan/stage-kind.js";
import { writeFileAtomic } from "../../util/file-io.js";
import { writeAugmentedModel } from "./augment.js";
import { collectStatistics, type CollectResult } from "./collect.js";
import { openFeeder } from "./feeds.js";
import type { CalibrateParams } from "./index.js";
import { selectTensors } from "./select.js";
import { formatCalibrationStats } from "./stats.js";

/** Options beyond the stage params, for tests and benchmarks; none changes the statistics. */
export interface CalibrationRunOptions {
  /** Statistics worker threads; see CollectOptions.workers. */
  workers?: number;
}

/** Writes `stats.json` into ctx.workDir: the statistics of `inputs.model` over the calibration data. */
export async function runCalibration(
  ctx: StageContext,
  inputs: Readonly<Record<string, string>>,
  params: CalibrateParams,
  options: CalibrationRunOptions = {},
): Promise<StageResult> {
  const source = inputs.model!;
  const model = await readModel(source);
  const selection = selectTensors(model.proto.graph!);
  // Temporary files, not outputs: the executor publishes only what `outputs` names.
  const augmentedPath = join(ctx.workDir, "augmented.onnx");
  let written: string[] = [augmentedPath];
  let result: CollectResult;
  try {
    written = await writeAugmentedModel(
      model,
      selection.computed.map((target) => target.name),
      augmentedPath,
    );
    result = await withSession(augmentedPath, { threads: params.threads, optimization: params.optimization }, async (augmented) => {
      // Messages name the model the user knows, not the temporary augmented copy.
      const opened = { ...augmented, modelPath: source };
      const feeder = await openFeeder(opened, {
        task: params.task,
        ...(inputs.ids === undefined ? {} : { idsPath: inputs.ids }),
        ...(inputs.data === undefined ? {} : { jsonlPath: inputs.data }),
        ...(params.window === undefined ? {} : { window: params.window }),
        ...(params.windows === undefined ? {} : { windows: params.windows }),
        ...(params.samples === undefined ? {} : { samples: params.samples }),
      });
      return collectStatistics(opened, selection, feeder, {
        batch: params.batch,
        signal: ctx.signal,
        source,
        ...(options.workers === undefined ? {} : { workers: options.workers }),
      });
    });
  } finally {
    await Promise.all(written.map((file) => rm(file, { force: true })));
  }
  const { stats, unobservedFloats } = result;
  if (unobservedFloats.length > 0) {
    ctx.warn(`calibrate: no statistics for ${unobservedFloats.join(", ")}: only float32 tensors are observed`);
  }
  await writeFileAtomic(join(ctx.workDir, "stats.json"), formatCalibrationStats(stats));
  const tensors = Object.entries(stats.tensors);
  return {
    outputs: { "stats.json": "stats.json" },
    metrics: {
      samples: stats.samples,
      tensors: tensors.length,
      elements: tensors.reduce((sum, [, tensor]) => sum + tensor.count, 0),
      // Tensors that were 0 everywhere: range 0, which quantization and pruning warn about.
      deadTensors: tensors.filter(([, tensor]) => tensor.histogram.range === 0).map(([name]) => name),
    },
  };
}
