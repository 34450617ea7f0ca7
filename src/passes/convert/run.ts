/**
 * The convert stage: the model and its calibration statistics in, an SNN IR folder out.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../../errors.js";
import { readModel, topologicalOrder, type NodeProto } from "../../onnx/index.js";
import type { StageContext, StageResult } from "../../plan/stage-kind.js";
import { sha256Hex, type Json } from "../../util/canonical-json.js";
import { readCalibrationStats } from "../calibrate/stats.js";
import { Constants } from "./constants.js";
import { ElemTypes } from "./elem-types.js";
import { emitIr } from "./emit-ir.js";
import { planLayers } from "./layer-plan.js";
import type { ConvertParams } from "./params.js";
import { partition } from "./partition.js";
import { layerScales } from "./scales.js";
import { findSynapses } from "./synapses.js";

/** Converts `inputs.model` with `inputs.calibration` into `snn/` in the work folder. */
export async function runConvert(ctx: StageContext, inputs: Readonly<Record<string, string>>, params: ConvertParams): Promise<StageResult> {
  const modelPath = inputs.model!;
  const statsPath = inputs.calibration!;
  const [bytes, model, stats] = await Promise.all([readFile(modelPath), readModel(modelPath), readCalibrationStats(statsPath)]);
  const graph = model.proto.graph!;
  const synapses = findSynapses(graph, new Constants(graph));
  warnOpaqueQuantization(graph.node, (message) => ctx.warn(message));
  const layers = planLayers(synapses, params.approximate_gelu);
  if (!layers.some((layer) => layer.kind === "spiking")) {
    const found = synapses.length === 0 ? "no MatMul/Gemm with a constant weight" : `${synapses.length} MatMul/Gemm with a constant weight, none followed by ReLU${params.approximate_gelu ? " or GELU" : ""}`;
    throw new InputError(`convert: the model has no layer that can spike (a MatMul/Gemm with a constant weight followed by ReLU): it has ${found}`, {
      location: { file: modelPath },
    });
  }
  const units = partition(graph, topologicalOrder(graph), layers);
  const balance = { balancing: params.balancing, granularity: params.granularity, ...(params.percentile === undefined ? {} : { percentile: params.percentile }) };
  // Spike decoding needs every readout's λ; membrane decoding records it too (spikeNeuron), for chips that send spikes only.
  const readouts = params.encoding !== "rate" ? "none" : params.decoding === "spikes" ? "required" : "optional";
  const scales = layerScales(layers, stats, balance, readouts, (message) => ctx.warn(message), statsPath);
  const summary = await emitIr(join(ctx.workDir, "snn"), model.proto, sha256Hex(bytes), units, scales, new ElemTypes(graph), params);
  const count = (type: string): number => summary.layers.filter((layer) => layer.type === type).length;
  const metrics: Record<string, Json> = {
    spikingLayers: count("spiking"),
    readoutLayers: count("readout"),
    encoders: count("encoder"),
    hostLayers: count("host"),
    neurons: summary.layers.reduce((n, layer) => n + (layer.type === "host" ? 0 : (layer.neurons ?? 0)), 0),
    synapses: summary.layers.reduce((n, layer) => n + (layer.synapses ?? 0), 0),
    layers: summary.layers.map((layer) => ({ ...layer })),
  };
  return { outputs: { snn: "snn" }, metrics };
}

/** Quantized matrix ops whose weights convert cannot read: they stay on the host, which the user should know. */
const OPAQUE = new Set(["MatMulNBits", "MatMulInteger", "QLinearMatMul", "QGemm", "DynamicQuantizeMatMul"]);

function warnOpaqueQuantization(nodes: readonly NodeProto[], warn: (message: string) => void): void {
  const counts = new Map<string, number>();
  for (const node of nodes) if (OPAQUE.has(node.opType)) counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
  if (counts.size === 0) return;
  const list = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([op, n]) => `${n} ${op}`).join(", ");
  warn(`convert: ${list} node(s) run on the host: convert reads float weights or DequantizeLinear (QDQ) integer weights; quantize in weight-only or static mode with format qdq to spike them`);
}

