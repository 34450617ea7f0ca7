/**
 * The import stage's normalizations of models as older or unfolding exporters write them (see
 * import.ts): loaded only when import runs, since it needs the ONNX layer.
 */
import { inDefaultDomain, type NodeProto, type OnnxModel } from "../onnx/index.js";

/** IR < 4: the model with its initializers no longer listed as graph inputs, as IR 4 (see import.ts). */
export function withoutInitializerInputs(model: OnnxModel): OnnxModel {
  const { proto } = model;
  if (proto.irVersion >= 4n) return model;
  const graph = proto.graph!;
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const input = graph.input.filter((value) => !initializers.has(value.name));
  return { ...model, proto: { ...proto, irVersion: 4n, graph: { ...graph, input } } };
}

/** Ops whose constant inputs are weights. */
const WEIGHT_READERS: ReadonlySet<string> = new Set(["MatMul", "Gemm", "Conv"]);

/** Top-level Constant nodes with a tensor `value` that a weight reader reads, as initializers of their output's name (see import.ts). */
export function constantsAsInitializers(model: OnnxModel): OnnxModel {
  const graph = model.proto.graph!;
  const outputs = new Set(graph.output.map((value) => value.name));
  const weights = new Set(graph.node.filter((node) => inDefaultDomain(node) && WEIGHT_READERS.has(node.opType)).flatMap((node) => node.input));
  const folded = (node: NodeProto) =>
    node.opType === "Constant" && inDefaultDomain(node) && node.output.length === 1 && weights.has(node.output[0]!) && !outputs.has(node.output[0]!) &&
    node.attribute.length === 1 && node.attribute[0]!.name === "value" && node.attribute[0]!.t !== undefined;
  const constants = graph.node.filter(folded);
  if (constants.length === 0) return model;
  const initializers = constants.map((node) => ({ ...node.attribute[0]!.t!, name: node.output[0]! }));
  const node = graph.node.filter((n) => !folded(n));
  return { ...model, proto: { ...model.proto, graph: { ...graph, node, initializer: [...graph.initializer, ...initializers] } } };
}
