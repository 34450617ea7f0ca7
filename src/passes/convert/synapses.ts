/**
 * Finds the synaptic layers of a model: a MatMul or Gemm whose weight is constant (float, or
 * integers through DequantizeLinear), with its bias (Gemm's C, or an Add of a constant vector),
 * and the activation after it: ReLU, or GELU when approximated by ReLU, or none. Quantize /
 * dequantize pairs on activations are seen through: rate coding quantizes activations itself.
 * A MatMul of two activations (QKᵀ, attention · V) is not synaptic.
 */
import { inDefaultDomain, nodeDisplayName, topologicalOrder, type GraphProto, type NodeProto } from "../../onnx/index.js";
import { Constants, transposeConstant, type ConstantValue } from "./constants.js";
import { matchGelu } from "./gelu.js";

/** A synaptic layer candidate, in the graph's topological order. */
export interface Synapse {
  /** Display name of the MatMul/Gemm node. */
  node: string;
  /** The analog tensor it reads (through activation quantize/dequantize pairs). */
  input: string;
  /** The tensor feeding the MatMul/Gemm itself (its calibration statistics, when `input`'s are missing). */
  directInput: string;
  inFeatures: number;
  outFeatures: number;
  /** [in, out] in fan-out order. */
  weight: ConstantValue;
  /** Real bias [out], alpha/beta applied. */
  bias?: Float32Array;
  /** The affine output (MatMul/Gemm, or its bias Add). */
  affine: string;
  /** The MatMul/Gemm output itself (before a bias Add). */
  product: string;
  /** The affine part's nodes: weights' DequantizeLinear, input Q/DQ pairs, MatMul/Gemm, bias Add. */
  nodes: NodeProto[];
  /** The ReLU or GELU after it, if any. */
  activation?: { kind: "relu" | "gelu"; nodes: NodeProto[]; output: string };
}

/** Every MatMul/Gemm with a constant 2-D weight, whatever follows it. */
export function findSynapses(graph: GraphProto, constants: Constants): Synapse[] {
  const order = topologicalOrder(graph);
  const index = new Map(graph.node.map((node, i) => [node, i]));
  const consumers = new Map<string, NodeProto[]>();
  const producers = new Map<string, NodeProto>();
  for (const node of order) {
    for (const name of node.input) if (name !== "") consumers.set(name, [...(consumers.get(name) ?? []), node]);
    for (const name of node.output) producers.set(name, node);
  }
  const graphOutputs = new Set(graph.output.map((v) => v.name));
  /** The only consumer of `name`, when it has exactly one and is not a graph output. */
  const sole = (name: string): NodeProto | undefined => {
    const list = consumers.get(name);
    return list?.length === 1 && !graphOutputs.has(name) ? list[0] : undefined;
  };
  const synapses: Synapse[] = [];
  for (const node of order) {
    if (!inDefaultDomain(node) || (node.opType !== "MatMul" && node.opType !== "Gemm")) continue;
    const gemm = node.opType === "Gemm";
    if (gemm && intAttribute(node, "transA", 0) !== 0) continue;
    const [a, b, c] = node.input;
    if (!a || !b || constants.value(a)) continue;
    const raw = constants.value(b);
    if (!raw || raw.dims.length !== 2) continue;
    const weight = gemm && intAttribute(node, "transB", 0) === 1 ? transposeConstant(raw) : raw;
    const [inFeatures, outFeatures] = weight.dims as [number, number];
    const alpha = gemm ? floatAttribute(node, "alpha", 1) : 1;
    const nodes: NodeProto[] = [...weight.nodes, node];
    let affine = node.output[0]!;
    let bias: Float32Array | undefined;
    if (gemm && c) {
      const value = constants.value(c);
      if (!value) continue; // a Gemm adding an activation is not a layer
      bias = vector(value, outFeatures, floatAttribute(node, "beta", 1));
      if (!bias) continue;
      nodes.push(...value.nodes);
    } else if (!gemm) {
      const add = sole(affine);
      const other = add?.opType === "Add" && inDefaultDomain(add) ? add.input.find((name) => name !== affine) : undefined;
      const value = other === undefined ? undefined : constants.value(other);
      const vectorBias = value && vector(value, outFeatures, 1);
      if (add && vectorBias) {
        bias = vectorBias;
        nodes.push(...value!.nodes, add);
        affine = add.output[0]!;
      }
    }
    if (alpha !== 1) scaleWeight(weight, alpha);
    let activation: Synapse["activation"];
    const next = sole(affine);
    if (next?.opType === "Relu" && inDefaultDomain(next)) {
      activation = { kind: "relu", nodes: [next], output: next.output[0]! };
    } else {
      const gelu = matchGelu(affine, consumers, constants, graphOutputs);
      if (gelu) activation = { kind: "gelu", ...gelu };
    }
    const { source, pairs } = seeThroughQdq(a, producers, constants);
    synapses.push({
      node: nodeDisplayName(node, index.get(node)!),
      input: source,
      directInput: a,
      inFeatures,
      outFeatures,
      weight,
      ...(bias ? { bias } : {}),
      affine,
      product: node.output[0]!,
      nodes: [...pairs, ...nodes],
      ...(activation ? { activation } : {}),
    });
  }
  return synapses;
}

/** `x` through QuantizeLinear → DequantizeLinear pairs with constant parameters. */
function seeThroughQdq(name: string, producers: ReadonlyMap<string, NodeProto>, constants: Constants): { source: string; pairs: NodeProto[] } {
  const pairs: NodeProto[] = [];
  let source = name;
  for (;;) {
    const dq = producers.get(source);
    const q = dq?.opType === "DequantizeLinear" ? producers.get(dq.input[0] ?? "") : undefined;
    if (!dq || !q || q.opType !== "QuantizeLinear" || !inDefaultDomain(q) || !constants.value(q.input[1] ?? "")) return { source, pairs };
    pairs.unshift(q, dq);
    source = q.input[0]!;
  }
}

/** A [n], [1, n] or scalar constant as n values times `factor`; undefined for any other shape. */
function vector(value: ConstantValue, n: number, factor: number): Float32Array | undefined {
  const size = value.dims.reduce((p, d) => p * d, 1);
  const fits = value.dims.length === 0 || size === 1 || (size === n && value.dims[value.dims.length - 1] === n);
  if (!fits) return undefined;
  return Float32Array.from({ length: n }, (_, j) => (size === 1 ? value.real[0]! : value.real[j]!) * factor);
}

/** Gemm's alpha folded into the weight (its scale, for an integer grid). */
function scaleWeight(weight: ConstantValue, alpha: number): void {
  for (let k = 0; k < weight.real.length; k++) weight.real[k] = weight.real[k]! * alpha;
  if (weight.quantized) weight.quantized.scale = weight.quantized.scale.map((s) => s * alpha);
}

export function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const attribute = node.attribute.find((a) => a.name === name);
  return attribute === undefined ? fallback : Number(attribute.i);
}

function floatAttribute(node: NodeProto, name: string, fallback: number): number {
  const attribute = node.attribute.find((a) => a.name === name);
  return attribute === undefined ? fallback : attribute.f;
}
