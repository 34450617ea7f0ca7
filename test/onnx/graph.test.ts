import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { graphInputs, nodeDisplayName, opsetVersion, opTypeCounts, parameterCount, topologicalOrder } from "../../src/onnx/graph.js";
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  SparseTensorProtoSchema,
  ValueInfoProtoSchema,
  type GraphProto,
  type NodeProto,
} from "../../src/onnx/proto/onnx_pb.js";
import { arrayToTensor, DataType } from "../../src/onnx/tensor.js";
import { tinyAddModel } from "./helpers.js";

function node(name: string, opType: string, input: string[], output: string[], extra: MessageInitShape<typeof NodeProtoSchema> = {}): NodeProto {
  return create(NodeProtoSchema, { name, opType, input, output, ...extra });
}

function graphOf(nodes: NodeProto[]): GraphProto {
  return create(GraphProtoSchema, { name: "g", node: nodes });
}

describe("topologicalOrder", () => {
  it("orders producers before consumers and keeps the order of independent nodes", () => {
    const c = node("c", "Relu", ["b"], ["c"]);
    const a = node("a", "Relu", ["x"], ["a"]);
    const b = node("b", "Add", ["a", ""], ["b"]); // "" is an omitted optional input
    const z = node("z", "Relu", ["x"], ["z"]);
    expect(topologicalOrder(graphOf([c, a, b, z])).map((n) => n.name)).toEqual(["a", "b", "c", "z"]);
  });

  it("puts a node after the producers of values its subgraph reads from the outer graph", () => {
    const body = create(GraphProtoSchema, {
      name: "then",
      node: [node("inner", "Identity", ["outer"], ["t"])],
      output: [create(ValueInfoProtoSchema, { name: "t" })],
    });
    const branch = node("if", "If", ["cond"], ["y"], {
      attribute: [create(AttributeProtoSchema, { name: "then_branch", type: AttributeProto_AttributeType.GRAPH, g: body })],
    });
    const producer = node("p", "Relu", ["x"], ["outer"]);
    expect(topologicalOrder(graphOf([branch, producer])).map((n) => n.name)).toEqual(["p", "if"]);
  });

  it("names a node on a cycle", () => {
    const graph = graphOf([node("first", "Add", ["x", "d"], ["a"]), node("", "Relu", ["a"], ["d"])]);
    expect(() => topologicalOrder(graph)).toThrow(InputError);
    expect(() => topologicalOrder(graph)).toThrow(/graph 'g' has a cycle through node '(first|Relu#1)'/);
    expect(() => topologicalOrder(graphOf([node("self", "Add", ["s", "x"], ["s"])]))).toThrow(/cycle through node 'self'/);
  });

  it("sorts a 100,000-node chain without exhausting the stack", () => {
    const nodes = Array.from({ length: 100_000 }, (_, i) => node(`n${i}`, "Relu", [`v${i}`], [`v${i + 1}`]));
    const order = topologicalOrder(graphOf(nodes.slice().reverse()));
    expect(order[0]).toBe(nodes[0]);
    expect(order[99_999]).toBe(nodes[99_999]);
  });
});

describe("graph queries", () => {
  it("graph inputs leave out initializers listed as inputs (IR < 4 style)", () => {
    const model = tinyAddModel();
    const graph = model.graph!;
    graph.input.push(create(ValueInfoProtoSchema, { name: "W" }));
    expect(graphInputs(graph).map((v) => v.name)).toEqual(["X"]);
  });

  it("op-type counts prefix non-default domains; opset versions per domain", () => {
    const graph = graphOf([
      node("", "MatMulNBits", ["a"], ["b"], { domain: "com.microsoft" }),
      node("", "Add", ["b", "b"], ["c"], { domain: "ai.onnx" }),
      node("", "Add", ["c", "c"], ["d"]),
    ]);
    expect([...opTypeCounts(graph)]).toEqual([
      ["Add", 2],
      ["com.microsoft:MatMulNBits", 1],
    ]);
    const model = tinyAddModel();
    model.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: "com.microsoft", version: 1n }));
    expect(opsetVersion(model, "com.microsoft")).toBe(1);
    expect(opsetVersion(model)).toBe(14);
    expect(nodeDisplayName(graph.node[0]!, 0)).toBe("MatMulNBits#0");
  });

  it("parameter counts include the stored values of sparse initializers", () => {
    const graph = tinyAddModel().graph!;
    const values = arrayToTensor("s", [2], Float32Array.of(1, 2), DataType.FLOAT);
    const indices = arrayToTensor("s_idx", [2], BigInt64Array.of(0n, 5n), DataType.INT64);
    graph.sparseInitializer.push(create(SparseTensorProtoSchema, { values, indices, dims: [10n] }));
    expect(parameterCount(graph)).toBe(4 + 2);
  });
});
