/**
 * The graph edits of one quantize run, applied at the end in one go: nodes inserted before or
 * replacing an original node, new initializers, and the float weights that no node reads any
 * more removed. Rewriting in one pass over the original node order keeps the graph sorted: a
 * node's inserted helpers (DequantizeLinear of its weight, QuantizeLinear of its input) read
 * only initializers and values produced before it.
 */
import type { GraphProto, NodeProto, TensorProto } from "../../onnx/index.js";
import { NameAllocator } from "./graph-edit.js";

export class GraphRewrite {
  readonly names: NameAllocator;
  private readonly before = new Map<NodeProto, NodeProto[]>();
  private readonly replacements = new Map<NodeProto, NodeProto[]>();
  private readonly added: TensorProto[] = [];
  /** Original initializers that quantized copies replace; dropped when nothing reads them. */
  private readonly replaced = new Set<string>();

  constructor(private readonly graph: GraphProto) {
    this.names = new NameAllocator(graph);
  }

  /** Inserts `nodes` right before `anchor` (an original node), after earlier insertions. */
  insertBefore(anchor: NodeProto, ...nodes: NodeProto[]): void {
    const list = this.before.get(anchor);
    if (list) list.push(...nodes);
    else this.before.set(anchor, [...nodes]);
  }

  /** Replaces the original node `node` with `nodes` (in order). */
  replace(node: NodeProto, nodes: NodeProto[]): void {
    this.replacements.set(node, nodes);
  }

  /** Adds an initializer (its name must come from `names.fresh`). */
  addInitializer(tensor: TensorProto): void {
    this.added.push(tensor);
  }

  /** Marks an original initializer as superseded by a quantized copy. */
  supersede(name: string): void {
    this.replaced.add(name);
  }

  /** Writes the edits into the graph. */
  apply(): void {
    const nodes: NodeProto[] = [];
    for (const node of this.graph.node) {
      nodes.push(...(this.before.get(node) ?? []), ...(this.replacements.get(node) ?? [node]));
    }
    const read = new Set(nodes.flatMap((node) => node.input));
    for (const output of this.graph.output) read.add(output.name);
    this.graph.node = nodes;
    // Subgraphs (If/Loop bodies) may read an outer initializer too; keep anything they name.
    for (const node of nodes) for (const attribute of node.attribute) for (const g of [...(attribute.g ? [attribute.g] : []), ...attribute.graphs]) collectReads(g, read);
    this.graph.initializer = [...this.graph.initializer.filter((t) => !this.replaced.has(t.name) || read.has(t.name)), ...this.added];
  }
}

function collectReads(graph: GraphProto, read: Set<string>): void {
  for (const node of graph.node) {
    for (const name of node.input) read.add(name);
    for (const attribute of node.attribute) for (const g of [...(attribute.g ? [attribute.g] : []), ...attribute.graphs]) collectReads(g, read);
  }
}
