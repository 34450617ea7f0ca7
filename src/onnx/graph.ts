/**
 * Queries over an ONNX graph: who produces and who consumes a value, initializers, real graph
 * inputs, a topological node order, op-type and parameter counts, opset versions.
 */
import { InputError } from "../errors.js";
import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from "./proto/onnx_pb.js";
import { elementCount } from "./tensor.js";

/** How a node is named in messages: its `name`, or `<op_type>#<index in graph.node>` when unnamed. */
export function nodeDisplayName(node: NodeProto, index: number): string {
  return node.name !== "" ? node.name : `${node.opType}#${index}`;
}

/** Value name → the node that outputs it. */
export function producers(graph: GraphProto): Map<string, NodeProto> {
  const out = new Map<string, NodeProto>();
  for (const node of graph.node) for (const name of node.output) if (name !== "") out.set(name, node);
  return out;
}

/** Value name → the nodes that take it as an input, in graph order (a node listed once per value). */
export function consumers(graph: GraphProto): Map<string, NodeProto[]> {
  const out = new Map<string, NodeProto[]>();
  for (const node of graph.node) {
    for (const name of new Set(node.input)) {
      if (name === "") continue; // an omitted optional input
      const list = out.get(name);
      if (list) list.push(node);
      else out.set(name, [node]);
    }
  }
  return out;
}

/** Initializer name → tensor (dense initializers; sparse ones are in `graph.sparseInitializer`). */
export function initializers(graph: GraphProto): Map<string, TensorProto> {
  return new Map(graph.initializer.map((t) => [t.name, t]));
}

/**
 * The inputs a caller must feed: graph inputs that are not initializers (older exporters
 * list every initializer as an input too, IR < 4).
 */
export function graphInputs(graph: GraphProto): ValueInfoProto[] {
  const constant = new Set([
    ...graph.initializer.map((t) => t.name),
    ...graph.sparseInitializer.map((s) => s.values?.name ?? ""),
  ]);
  return graph.input.filter((input) => !constant.has(input.name));
}

/**
 * The graph's nodes in an order where every node comes after the producers of its inputs,
 * including values its subgraphs (If/Loop/Scan bodies) read from this graph. Nodes already
 * in order keep their order. InputError naming a node on the cycle when there is one.
 */
export function topologicalOrder(graph: GraphProto): NodeProto[] {
  const producedBy = producers(graph);
  const index = new Map(graph.node.map((node, i) => [node, i]));
  const dependencies = (node: NodeProto): NodeProto[] =>
    [...node.input, ...outerScopeReads(node)].flatMap((name) => {
      const producer = producedBy.get(name);
      return producer ? [producer] : []; // a node reading its own output is a cycle too
    });
  const state = new Map<NodeProto, "visiting" | "done">();
  const order: NodeProto[] = [];
  for (const root of graph.node) {
    if (state.has(root)) continue;
    // Iterative depth-first search: a deep chain of nodes must not exhaust the call stack.
    const stack: { node: NodeProto; pending: NodeProto[] }[] = [{ node: root, pending: dependencies(root) }];
    state.set(root, "visiting");
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = top.pending.shift();
      if (next === undefined) {
        state.set(top.node, "done");
        order.push(top.node);
        stack.pop();
      } else if (state.get(next) === "visiting") {
        const name = nodeDisplayName(next, index.get(next)!);
        throw new InputError(`graph '${graph.name}' has a cycle through node '${name}' (${next.opType})`);
      } else if (!state.has(next)) {
        state.set(next, "visiting");
        stack.push({ node: next, pending: dependencies(next) });
      }
    }
  }
  return order;
}

/** Names a node's subgraphs read without defining them: values from the enclosing graph. */
function outerScopeReads(node: NodeProto): string[] {
  const reads = new Set<string>();
  for (const attribute of node.attribute) {
    for (const subgraph of [...(attribute.g ? [attribute.g] : []), ...attribute.graphs]) {
      const defined = new Set([
        ...subgraph.input.map((v) => v.name),
        ...subgraph.initializer.map((t) => t.name),
        ...subgraph.sparseInitializer.map((s) => s.values?.name ?? ""),
        ...subgraph.node.flatMap((n) => n.output),
      ]);
      for (const inner of subgraph.node) {
        for (const name of [...inner.input, ...outerScopeReads(inner)]) {
          if (name !== "" && !defined.has(name)) reads.add(name);
        }
      }
    }
  }
  return [...reads];
}

/**
 * Node count per operator, keys sorted: `op_type` for the default ONNX domain, `domain:op_type`
 * otherwise (e.g. `com.microsoft:MatMulNBits`). Counts this graph's nodes, not subgraphs'.
 */
export function opTypeCounts(graph: GraphProto): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of graph.node) {
    const key = isDefaultDomain(node.domain) ? node.opType : `${node.domain}:${node.opType}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return new Map([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function isDefaultDomain(domain: string): boolean {
  return domain === "" || domain === "ai.onnx";
}

/** Whether `node` is a standard ONNX op (domain "" or "ai.onnx"), not a contrib or custom one. */
export function inDefaultDomain(node: NodeProto): boolean {
  return isDefaultDomain(node.domain);
}

/** The imported opset version of `domain` ("" and "ai.onnx" are the same), or undefined. */
export function opsetVersion(model: ModelProto, domain = ""): number | undefined {
  const wanted = isDefaultDomain(domain) ? isDefaultDomain : (d: string) => d === domain;
  const entry = model.opsetImport.find((o) => wanted(o.domain));
  return entry === undefined ? undefined : Number(entry.version);
}

/**
 * Number of stored parameter values: the elements of every dense initializer plus the stored
 * (non-default) values of every sparse initializer, in this graph (not subgraphs).
 */
export function parameterCount(graph: GraphProto): number {
  let total = 0;
  for (const tensor of graph.initializer) total += elementCount(tensor);
  for (const sparse of graph.sparseInitializer) if (sparse.values) total += elementCount(sparse.values);
  return total;
}
