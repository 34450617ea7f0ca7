/**
 * The prune stage's work: read the input model, select the weights, prune them (unstructured or
 * N:M zeros, or structured removal), and write `model.onnx` and `report.json`. Loaded only
 * when the stage runs (index.ts imports it lazily).
 */
import { create } from "@bufbuild/protobuf";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../../errors.js";
import { DataType, nodeDisplayName, opsetVersion, parameterCount, readModel, TensorProtoSchema, writeModel, type GraphProto, type TensorProto } from "../../onnx/index.js";
import type { StageContext, StageResult } from "../../plan/stage-kind.js";
import { writeFileAtomic } from "../../util/file-io.js";
import { readCalibrationStats, type CalibrationStats } from "../calibrate/stats.js";
import { prunesWithActivations, type PruneParams, type StructuredParams, type UnstructuredParams } from "./params.js";
import { countZeros, ratio, tensorChange, type PruneReport, type TensorChange } from "./report.js";
import { activationNorms, wandaScores } from "./scores.js";
import { removeStructures, type StructureRemoval } from "./structured/remove.js";
import { pruneNM, pruneUnstructured, type ScoredWeight } from "./unstructured.js";
import { findWeights, layoutFor, selectWeights, weightValues, type Weight } from "./weights.js";

const DENSE_NOTE =
  "Pruned weights are stored as dense zeros: the ONNX file does not shrink and onnxruntime runs as many multiply-adds; the gain needs sparse storage or kernels downstream.";
const TIES_NOTE =
  "Ties at a threshold are broken by position (storage order; global scope: weights in name order). torch.topk may choose differently among exactly equal scores; summary.tiesDecidedByPosition counts the scores where that could matter (0: the selection is the one torch makes).";
/** Ops that hold quantized weights (quantize's output). */
const QUANTIZED_WEIGHT_OPS: ReadonlySet<string> = new Set(["DequantizeLinear", "MatMulNBits", "MatMulInteger", "DynamicQuantizeMatMul"]);

const STRUCTURED_NOTE = "Removed units and heads are cut out of the tensors (and the shapes that encode them): the model is smaller and dense.";

interface Outcome {
  tensors: TensorChange[];
  removed: StructureRemoval[];
  ties: number;
}

export async function runPrune(ctx: StageContext, inputs: Readonly<Record<string, string>>, params: PruneParams): Promise<StageResult> {
  const source = inputs.model!;
  const model = await readModel(source);
  const graph = model.proto.graph!;
  const parametersBefore = parameterCount(graph);
  const weights = findWeights(graph);
  const selected = selectWeights(weights, params.include, params.exclude, ctx.warn);
  if (selected.length === 0) {
    // Weights an earlier quantize step stored as integers are not float MatMul/Gemm weights any more.
    const quantized = graph.node.some((node) => QUANTIZED_WEIGHT_OPS.has(node.opType));
    const hint = weights.length === 0 && quantized ? "its weights are quantized: put prune before quantize in the recipe" : "check include and exclude";
    throw new InputError(`prune: no weight is selected (${weights.length} float MatMul/Gemm weights and embedding tables in the model; ${hint})`);
  }
  const stats = prunesWithActivations(params) ? await readCalibrationStats(inputs.calibration!) : undefined;
  ctx.signal.throwIfAborted();

  const outcome =
    params.method === "structured"
      ? pruneStructured(graph, params, selected, opsetVersion(model.proto) ?? 1, stats, ctx.warn)
      : pruneUnstructuredWeights(graph, params, selected, stats);
  ctx.signal.throwIfAborted();

  const out = join(ctx.workDir, "model.onnx");
  await writeModel(model, out, { externalData: "inline" });
  const modelBytes = (await stat(out)).size;
  const parameters = parameterCount(graph);
  const elements = sum(outcome.tensors.map((t) => t.elements));
  const zeros = sum(outcome.tensors.map((t) => t.zeros));
  const sparsity = ratio(zeros, elements);
  const changed = new Set(outcome.tensors.map((t) => t.name));
  const report: PruneReport = {
    pass: "prune",
    params,
    notes: params.method === "structured" ? [STRUCTURED_NOTE] : [DENSE_NOTE, TIES_NOTE],
    summary: {
      tensors: outcome.tensors.length,
      elementsBefore: sum(outcome.tensors.map((t) => t.elementsBefore)),
      elements,
      zeros,
      sparsity,
      parametersBefore,
      parameters,
      modelBytesBefore: (await stat(source)).size,
      modelBytes,
      tiesDecidedByPosition: outcome.ties,
    },
    tensors: outcome.tensors,
    removed: outcome.removed,
    untouched: weights.filter((w) => !changed.has(w.name)).map((w) => ({ name: w.name, reason: untouchedReason(w, selected, params) })),
  };
  await writeFileAtomic(join(ctx.workDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);

  const removedUnits = (kind: StructureRemoval["kind"]) => sum(outcome.removed.filter((r) => r.kind === kind).map((r) => r.before - r.after));
  return {
    outputs: { "model.onnx": "model.onnx", "report.json": "report.json" },
    metrics: {
      modelBytes,
      parameters,
      sparsity,
      prunedTensors: outcome.tensors.length,
      zeros,
      ...(params.method === "structured"
        ? { parametersRemoved: parametersBefore - parameters, ffnUnitsRemoved: removedUnits("ffn"), headsRemoved: removedUnits("attention") }
        : { tiesDecidedByPosition: outcome.ties }),
    },
  };
}

function pruneUnstructuredWeights(graph: GraphProto, params: UnstructuredParams, selected: readonly Weight[], stats: CalibrationStats | undefined): Outcome {
  const items = selected.map((weight): ScoredWeight & { zerosBefore: number } => {
    const values = weightValues(weight);
    // Magnitude: the weights are their own scores (compared by absolute value).
    let scores = values;
    if (params.method === "wanda") {
      const layout = layoutFor(weight, "Wanda");
      scores = wandaScores(values, layout, activationNorms(weight, stats!, layout.k));
    }
    const zerosBefore = countZeros(values);
    return { weight, values, scores, zerosBefore };
  });
  let ties = 0;
  if (params.pattern === "unstructured") {
    if (!params.scope) throw new Error("prune: unstructured params without a scope (the schema's default was not applied)");
    ties = pruneUnstructured(items, params.sparsity, params.scope);
  } else {
    for (const item of items) pruneNM(item, params.pattern);
  }
  const pruned = new Map(items.map((item) => [item.weight.name, item]));
  graph.initializer = graph.initializer.map((tensor) => {
    const item = pruned.get(tensor.name);
    return item ? floatTensor(tensor.name, item.weight.dims, item.values) : tensor;
  });
  const tensors = items.map(({ weight, values, zerosBefore }) =>
    tensorChange(weight.name, weight.nodes, { shape: weight.dims, zeros: zerosBefore }, { shape: weight.dims, zeros: countZeros(values) }),
  );
  return { tensors, removed: [], ties };
}

function pruneStructured(
  graph: GraphProto,
  params: StructuredParams,
  selected: readonly Weight[],
  opset: number,
  stats: CalibrationStats | undefined,
  warn: (message: string) => void,
): Outcome {
  const names = new Set(selected.map((w) => w.name));
  const readers = readersByValue(graph);
  const before = new Map(graph.initializer.map((t) => [t.name, t]));
  const { removals, shapes } = removeStructures(graph, params, (name) => names.has(name), opset, stats, warn);
  const after = new Map(graph.initializer.map((t) => [t.name, t]));
  const tensors = [...shapes]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, [shapeBefore, shape]]) =>
      tensorChange(
        name,
        readers.get(name) ?? [],
        { shape: shapeBefore, zeros: countZeros(weightValues({ tensor: before.get(name)! })) },
        { shape, zeros: countZeros(weightValues({ tensor: after.get(name)! })) },
      ),
    );
  return { tensors, removed: removals, ties: 0 };
}

/**
 * A FLOAT tensor whose raw data is `values`' memory, not a copy (arrayToTensor copies): the
 * arrays are this run's own, written once, and a copy of a few hundred MB costs real time.
 */
function floatTensor(name: string, dims: readonly number[], values: Float32Array): TensorProto {
  const rawData = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: DataType.FLOAT, rawData });
}

/** Value name → display names of the nodes that read it, sorted. */
function readersByValue(graph: GraphProto): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  graph.node.forEach((node, index) => {
    for (const input of new Set(node.input)) readers.set(input, [...(readers.get(input) ?? []), nodeDisplayName(node, index)].sort());
  });
  return readers;
}

function untouchedReason(weight: Weight, selected: readonly Weight[], params: PruneParams): string {
  if (selected.includes(weight)) return "selected, but in no FFN or attention block this step cut (see ffn and heads)";
  if (params.include.length > 0) return "not matched by include";
  return weight.reserved ?? "excluded";
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
