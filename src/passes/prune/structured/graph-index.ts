/**
 * A read-only index of a graph for pattern matching (producers, consumers, initializers, Constant
 * values) and the one way structured pruning edits it: new initializers under fresh names, and
 * removal of what the edits left unused.
 */
import { create } from "@bufbuild/protobuf";
import {
  arrayToTensor,
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  NodeProtoSchema,
  consumers,
  DataType,
  initializers,
  nodeDisplayName,
  producers,
  tensorToArray,
  type GraphProto,
  type NodeProto,
  type TensorProto,
} from "../../../onnx/index.js";

export class GraphIndex {
  readonly inits: Map<string, TensorProto>;
  readonly producedBy: Map<string, NodeProto>;
  readonly consumedBy: Map<string, NodeProto[]>;
  readonly outputs: Set<string>;
  private readonly labels: Map<NodeProto, string>;
  private readonly names: Set<string>;

  constructor(readonly graph: GraphProto) {
    this.inits = initializers(graph);
    this.producedBy = producers(graph);
    this.consumedBy = consumers(graph);
    this.outputs = new Set(graph.output.map((o) => o.name));
    this.labels = new Map(graph.node.map((node, i) => [node, nodeDisplayName(node, i)]));
    this.names = new Set([...this.inits.keys(), ...this.producedBy.keys(), ...graph.input.map((i) => i.name)]);
  }

  /** How messages name a node (its name, or `<op>#<index>`). */
  label(node: NodeProto): string {
    return this.labels.get(node) ?? node.opType;
  }

  /** The only node reading `value`, or undefined when none, several, or it is a graph output. */
  soleConsumer(value: string): NodeProto | undefined {
    const readers = this.consumedBy.get(value) ?? [];
    return readers.length === 1 && !this.outputs.has(value) ? readers[0] : undefined;
  }

  /** Readers of `value` (each node once). */
  readers(value: string): NodeProto[] {
    return this.consumedBy.get(value) ?? [];
  }

  /** A constant's values (an initializer, or a Constant node's `value`) as numbers, else undefined. */
  constantValues(value: string): { dims: number[]; values: number[] } | undefined {
    const tensor = this.inits.get(value) ?? constantTensor(this.producedBy.get(value));
    if (!tensor) return undefined;
    const array = tensorToArray(tensor);
    return { dims: tensor.dims.map(Number), values: Array.from(array as ArrayLike<number | bigint>, Number) };
  }

  /**
   * Adds a Constant node with a 1-D INT64 value under a fresh name derived from `base`, just
   * before `reader` (nodes stay in topological order); returns the value's name. A Constant node,
   * as exporters write shape values, so initializers (and parameter counts) stay the weights.
   */
  addInt64(base: string, values: readonly number[], reader: NodeProto): string {
    const name = this.fresh(base);
    const value = arrayToTensor(name, [values.length], BigInt64Array.from(values, BigInt), DataType.INT64);
    const constant = create(NodeProtoSchema, {
      name: this.fresh(`${name}/Constant`),
      opType: "Constant",
      output: [name],
      attribute: [create(AttributeProtoSchema, { name: "value", type: AttributeProto_AttributeType.TENSOR, t: value })],
    });
    this.graph.node.splice(this.graph.node.indexOf(reader), 0, constant);
    return name;
  }

  /** A name no value of the graph has: `base`, else `base_1`, `base_2`, ... */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }
}

/** A Constant node's `value` tensor. */
function constantTensor(node: NodeProto | undefined): TensorProto | undefined {
  if (node?.opType !== "Constant") return undefined;
  return node.attribute.find((a) => a.name === "value")?.t;
}

/**
 * Removes what edits left unused: nodes whose outputs were read (or graph outputs) before and
 * are read by nothing now, repeatedly, then initializers that were read before and are not now.
 * What the input model already left unused stays as it was.
 */
export function removeOrphans(graph: GraphProto, readBefore: ReadonlySet<string>): void {
  const outputs = new Set(graph.output.map((o) => o.name));
  for (;;) {
    const read = readValues(graph);
    const orphan = (node: NodeProto) =>
      node.output.some((o) => readBefore.has(o) || outputs.has(o)) && node.output.every((o) => !read.has(o) && !outputs.has(o));
    const kept = graph.node.filter((node) => !orphan(node));
    if (kept.length === graph.node.length) break;
    graph.node = kept;
  }
  const read = readValues(graph);
  graph.initializer = graph.initializer.filter((t) => read.has(t.name) || !readBefore.has(t.name) || outputs.has(t.name));
}

/** Every value some node reads, counting every name a subgraph (If/Loop body) reads as read. */
export function readValues(graph: GraphProto): Set<string> {
  const read = new Set<string>();
  const visit = (nodes: readonly NodeProto[]): void => {
    for (const node of nodes) {
      for (const name of node.input) if (name !== "") read.add(name);
      for (const attribute of node.attribute) for (const sub of [...(attribute.g ? [attribute.g] : []), ...attribute.graphs]) visit(sub.node);
    }
  };
  visit(graph.node);
  return read;
}
