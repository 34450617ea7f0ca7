/**
 * Raises a model to ONNX opset 21 and IR version 10, which block-wise INT4 DequantizeLinear
 * needs, when that cannot change what the model computes. Between opsets 13 and 21 most
 * operator revisions only add element types, or optional attributes and inputs whose defaults
 * keep the old behaviour (Shape-15, Pad-18/19, Resize-18/19, Cast-19, ...). The ones that do
 * not (from onnx's docs/Changelog.md):
 * - Reduce{L1,L2,LogSum,LogSumExp,Max,Mean,Min,Prod,SumSquare}-18 take `axes` as an input
 *   instead of an attribute: rewritten (the attribute becomes an int64 initializer);
 * - Split-18 needs `num_outputs` when there is no `split` input: added;
 * - RoiAlign-16 (new default coordinate_transformation_mode), GridSample-20 (renamed modes),
 *   DFT-20 (axis became an input), GroupNormalization-21 (per-channel scale and bias): refused.
 * Models older than opset 13 are refused: 13 itself moved many attributes to inputs.
 */
import { InputError } from "../../errors.js";
import { arrayToTensor, DataType, inDefaultDomain, opsetVersion, type GraphProto, type ModelProto, type NodeProto } from "../../onnx/index.js";
import { makeAttribute, NameAllocator, requireOpset } from "./graph-edit.js";

const TARGET_OPSET = 21;
const TARGET_IR = 10n;
const OLDEST_UPGRADABLE = 13;

const AXES_TO_INPUT = new Set([
  "ReduceL1",
  "ReduceL2",
  "ReduceLogSum",
  "ReduceLogSumExp",
  "ReduceMax",
  "ReduceMean",
  "ReduceMin",
  "ReduceProd",
  "ReduceSumSquare",
]);

const CHANGED_MEANING: ReadonlyMap<string, string> = new Map([
  ["RoiAlign", "opset 16 changed its default coordinate_transformation_mode"],
  ["GridSample", "opset 20 renamed its interpolation modes"],
  ["DFT", "opset 20 made axis an input"],
  ["GroupNormalization", "opset 21 changed the shape of scale and bias"],
]);

/**
 * Upgrades `model` in place to opset 21 / IR 10 (a no-op when it is there already); InputError
 * naming the ops when an op's meaning changed or the model is older than opset 13.
 */
export function upgradeToOpset21(model: ModelProto, source: string): void {
  const opset = opsetVersion(model) ?? 1;
  if (opset < TARGET_OPSET) {
    const why = "4-bit qdq format needs opset 21 (block-wise INT4 DequantizeLinear)";
    if (opset < OLDEST_UPGRADABLE) {
      throw new InputError(`${source}: the ${why}; slm raises opsets from ${OLDEST_UPGRADABLE} on, the model imports opset ${opset} (use format: matmulnbits)`);
    }
    const graph = model.graph!;
    const nodes = allNodes(graph);
    const refused = [...new Set(nodes.filter((n) => inDefaultDomain(n) && CHANGED_MEANING.has(n.opType)).map((n) => n.opType))].sort();
    if (refused.length > 0) {
      const details = refused.map((op) => `${op} (${CHANGED_MEANING.get(op)})`).join(", ");
      throw new InputError(`${source}: the ${why}, and raising opset ${opset} to 21 would change ${details} (use format: matmulnbits)`);
    }
    const names = new NameAllocator(graph);
    for (const node of nodes.filter(inDefaultDomain)) {
      if (AXES_TO_INPUT.has(node.opType)) moveAxesToInput(graph, node, names);
      else if (node.opType === "Split" && (node.input[1] ?? "") === "") addNumOutputs(node);
    }
    requireOpset(model, "", TARGET_OPSET);
  }
  if (model.irVersion < TARGET_IR) model.irVersion = TARGET_IR;
}

/** Every node of the graph and its subgraphs. */
function allNodes(graph: GraphProto): NodeProto[] {
  return graph.node.flatMap((node) => [
    node,
    ...node.attribute.flatMap((a) => [...(a.g ? [a.g] : []), ...a.graphs]).flatMap((g) => allNodes(g)),
  ]);
}

function moveAxesToInput(graph: GraphProto, node: NodeProto, names: NameAllocator): void {
  const index = node.attribute.findIndex((a) => a.name === "axes");
  if (index < 0) return; // no axes: reduce over all, the same in both versions
  const axes = node.attribute[index]!.ints;
  node.attribute.splice(index, 1);
  const name = names.fresh(`${node.name || node.output[0]}_axes`);
  graph.initializer.push(arrayToTensor(name, [axes.length], BigInt64Array.from(axes), DataType.INT64));
  node.input = [node.input[0]!, name];
}

function addNumOutputs(node: NodeProto): void {
  if (!node.attribute.some((a) => a.name === "num_outputs")) node.attribute.push(makeAttribute("num_outputs", { int: node.output.length }));
}
