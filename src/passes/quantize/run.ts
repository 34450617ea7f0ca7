/**
 * The quantize stage: reads the input model (never modifying the file), picks the MatMul/Gemm
 * nodes to quantize, rewrites them for the chosen mode, and writes `model.onnx` and
 * `report.json` into the stage's work folder.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../../errors.js";
import { opsetVersion, parameterCount, readModel, writeModel, type ModelProto } from "../../onnx/index.js";
import type { StageContext, StageResult } from "../../plan/stage-kind.js";
import { canonicalJson } from "../../util/canonical-json.js";
import { writeFileAtomic } from "../../util/file-io.js";
import { readCalibrationStats } from "../calibrate/stats.js";
import { quantizeDynamic } from "./dynamic.js";
import { requireOpset } from "./graph-edit.js";
import { upgradeToOpset21 } from "./opset-upgrade.js";
import type { QuantizeParams } from "./params.js";
import { ReportBuilder } from "./report.js";
import { GraphRewrite } from "./rewrite.js";
import { selectNodes, type FloatNode, type WeightCandidate } from "./select.js";
import { quantizeStatic } from "./static.js";
import { quantizeWeightOnly } from "./weight-only.js";
import type { QuantizeState } from "./weights.js";

/** Runs the quantize stage on `inputs.model` (and `inputs.calibration` in static mode). */
export async function runQuantize(ctx: StageContext, inputs: Readonly<Record<string, string>>, params: QuantizeParams): Promise<StageResult> {
  const source = inputs.model!;
  const model = await readModel(source);
  const graph = model.proto.graph!;
  const parametersBefore = parameterCount(graph);
  prepareOpset(model.proto, params, source);
  const stats = params.mode === "static" ? await readCalibrationStats(requiredCalibration(inputs.calibration, source)) : undefined;
  const { candidates, floatNodes } = selectNodes(graph, params);
  const rewrite = new GraphRewrite(graph);
  const state: QuantizeState = { rewrite, report: new ReportBuilder(), params, encoded: new Map() };
  const weights = candidates.filter((c): c is WeightCandidate => c.kind === "weight");
  if (params.mode === "static") floatNodes.push(...quantizeStatic(state, candidates, stats!));
  else if (params.mode === "dynamic") quantizeDynamic(state, weights);
  else quantizeWeightOnly(state, weights);
  rewrite.apply();
  addOpsetImports(model.proto, params);
  floatNodes.sort((a, b) => a.index - b.index);
  warnFloatNodes(ctx, floatNodes);
  // Keys sorted: params that differ only in key order (same action key) give the same bytes.
  const report = state.report.build(JSON.parse(canonicalJson(params)) as Record<string, unknown>, floatNodes);
  if (report.summary.quantizedNodes === 0) ctx.warn("quantize: no node was quantized (see report.json floatNodes)");
  const out = join(ctx.workDir, "model.onnx");
  await writeModel(model, out, { externalData: "inline" });
  await writeFileAtomic(join(ctx.workDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  return {
    outputs: { "model.onnx": "model.onnx", "report.json": "report.json" },
    metrics: {
      modelBytes: (await stat(out)).size,
      // Quantization changes how weights are stored, not how many there are.
      parameters: parametersBefore,
      quantizedTensors: report.summary.quantizedTensors,
      quantizedNodes: report.summary.quantizedNodes,
      floatNodes: report.summary.floatNodes,
      weightBytesBefore: report.summary.weightBytesBefore,
      weightBytesAfter: report.summary.weightBytesAfter,
    },
  };
}

/**
 * Before any work: the opset the chosen encodings need is there (4-bit QDQ raises it to 21 when
 * that is safe), or an InputError says what is missing and the alternative.
 */
function prepareOpset(model: ModelProto, params: QuantizeParams, source: string): void {
  const opset = opsetVersion(model) ?? 1;
  const perChannel = params.bits === 8 && params.granularity === "per-channel" && params.mode !== "dynamic";
  const needed = params.mode === "dynamic" ? 11 : perChannel ? 13 : 10;
  if (params.bits === 8 && opset < needed) {
    const what = params.mode === "dynamic" ? "DynamicQuantizeLinear" : perChannel ? "per-channel DequantizeLinear" : "QuantizeLinear/DequantizeLinear";
    const hint = perChannel ? " (granularity: per-tensor needs opset 10)" : "";
    throw new InputError(`${source}: ${what} needs opset ≥ ${needed}, the model imports opset ${opset}${hint}`);
  }
  if (params.bits === 4 && params.format === "qdq") upgradeToOpset21(model, source);
}

function addOpsetImports(model: ModelProto, params: QuantizeParams): void {
  if (params.bits === 4 && params.format === "matmulnbits") requireOpset(model, "com.microsoft", 1);
}


/** One warning per reason: `quantize: nodes A, B stay in float: <reason>`. */
function warnFloatNodes(ctx: StageContext, floatNodes: readonly FloatNode[]): void {
  const byReason = new Map<string, string[]>();
  for (const node of floatNodes.filter((n) => n.unsupported)) byReason.set(node.reason, [...(byReason.get(node.reason) ?? []), node.node]);
  for (const [reason, nodes] of byReason) {
    ctx.warn(`quantize: ${nodes.length === 1 ? "node" : "nodes"} ${nodes.join(", ")} ${nodes.length === 1 ? "stays" : "stay"} in float: ${reason}`);
  }
}

function requiredCalibration(path: string | undefined, model: string): string {
  if (path === undefined) throw new InputError(`quantize (static) of ${model} needs calibration statistics: set data.calibration`);
  return path;
}
