/**
 * Small ONNX graph-editing helpers the quantize pass builds its rewrites from: nodes with typed
 * attributes, collision-free names, opset imports, initializer lookups. (Kept here rather than
 * in src/onnx while only this pass needs them.)
 */
import { create } from "@bufbuild/protobuf";
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
} from "../../onnx/index.js";

/** An attribute value: an integer (INT), a float (FLOAT) or a list of integers (INTS). */
export type AttributeValue = { int: number } | { float: number } | { ints: readonly number[] };

/** A NodeProto; `domain` "" is the default ONNX domain. */
export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attributes: Record<string, AttributeValue> = {},
  domain = "",
): NodeProto {
  return create(NodeProtoSchema, {
    opType,
    input: [...inputs],
    output: [...outputs],
    name,
    domain,
    attribute: Object.entries(attributes).map(([key, value]) => makeAttribute(key, value)),
  });
}

/** An AttributeProto of the value's type. */
export function makeAttribute(name: string, value: AttributeValue): AttributeProto {
  if ("int" in value) return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value.int) });
  if ("float" in value) return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: value.float });
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: value.ints.map((v) => BigInt(v)) });
}

/** An INT attribute's value, or `fallback` when absent. */
export function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const attribute = node.attribute.find((a) => a.name === name);
  return attribute === undefined ? fallback : Number(attribute.i);
}

/** A FLOAT attribute's value, or `fallback` when absent. */
export function floatAttribute(node: NodeProto, name: string, fallback: number): number {
  const attribute = node.attribute.find((a) => a.name === name);
  return attribute === undefined ? fallback : attribute.f;
}

/**
 * Hands out names unused anywhere in the graph (values, initializers, node names), so inserted
 * nodes and tensors never collide with the model's own: the wanted name when free, else the
 * wanted name with `_1`, `_2`, ... appended.
 */
export class NameAllocator {
  private readonly taken = new Set<string>();

  constructor(graph: GraphProto) {
    for (const node of graph.node) {
      if (node.name !== "") this.taken.add(node.name);
      for (const name of [...node.input, ...node.output]) this.taken.add(name);
    }
    for (const list of [graph.initializer, graph.input, graph.output, graph.valueInfo]) for (const item of list) this.taken.add(item.name);
  }

  /** A fresh name based on `wanted`, reserved from now on. */
  fresh(wanted: string): string {
    let name = wanted;
    for (let i = 1; this.taken.has(name); i++) name = `${wanted}_${i}`;
    this.taken.add(name);
    return name;
  }
}

/** Makes the model import `domain` at `version` or later (an existing newer import is kept). */
export function requireOpset(model: ModelProto, domain: string, version: number): void {
  const isDomain = (d: string) => (domain === "" ? d === "" || d === "ai.onnx" : d === domain);
  const entry = model.opsetImport.find((o) => isDomain(o.domain));
  if (entry === undefined) model.opsetImport.push(create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) }));
  else if (entry.version < BigInt(version)) entry.version = BigInt(version);
}

/** Whether a glob (`*` any run of characters, `?` one character) matches the whole of `text`. */
export function globMatches(glob: string, text: string): boolean {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${pattern}$`, "s").test(text);
}
