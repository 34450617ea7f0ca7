/**
 * Element types of a graph's values, for the inputs of host models cut out of it (models rarely
 * carry value_info). Inferred from graph inputs, initializers and per-op rules; an op without a
 * rule is an error naming it, never a guess.
 */
import { SlmError } from "../../errors.js";
import { DataType, type GraphProto, type NodeProto } from "../../onnx/index.js";

/** Output type = the type of input 0 (or of the given input). */
const SAME_AS_INPUT: Record<string, number> = Object.fromEntries([
  ...[
    "Abs", "Add", "Ceil", "Clip", "Concat", "Cos", "CumSum", "DepthToSpace", "Div", "Dropout", "Elu", "Erf", "Exp",
    "Expand", "Flatten", "Floor", "Gather", "GatherElements", "GatherND", "Gelu", "Gemm", "HardSigmoid", "Identity",
    "LayerNormalization", "LeakyRelu", "Log", "LogSoftmax", "MatMul", "Max", "Mean", "Min", "Mod", "Mul", "Neg", "Pad",
    "Pow", "PRelu", "Reciprocal", "ReduceL2", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum",
    "Relu", "Reshape", "Resize", "Round", "ScatterElements", "ScatterND", "Selu", "Sigmoid", "Sign", "Sin", "Slice",
    "Softmax", "Softplus", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "Tile", "Transpose", "Trilu", "Unsqueeze",
    "Range", "SimplifiedLayerNormalization", "SkipLayerNormalization", "TopK",
  ].map((op) => [op, 0]),
  ["Where", 1],
  ["CastLike", 1],
]);
const ALWAYS: Record<string, number> = {
  Shape: DataType.INT64,
  Size: DataType.INT64,
  ArgMax: DataType.INT64,
  ArgMin: DataType.INT64,
  NonZero: DataType.INT64,
  Equal: DataType.BOOL,
  Less: DataType.BOOL,
  LessOrEqual: DataType.BOOL,
  Greater: DataType.BOOL,
  GreaterOrEqual: DataType.BOOL,
  Not: DataType.BOOL,
  And: DataType.BOOL,
  Or: DataType.BOOL,
  Xor: DataType.BOOL,
  IsNaN: DataType.BOOL,
  IsInf: DataType.BOOL,
  MatMulInteger: DataType.INT32,
};

/** Element type lookup over one graph. */
export class ElemTypes {
  private readonly known = new Map<string, number>();
  private readonly producers = new Map<string, NodeProto>();

  constructor(graph: GraphProto) {
    for (const value of [...graph.input, ...graph.valueInfo, ...graph.output]) {
      const type = value.type?.value;
      if (type?.case === "tensorType" && type.value.elemType !== 0) this.known.set(value.name, type.value.elemType);
    }
    for (const tensor of graph.initializer) this.known.set(tensor.name, tensor.dataType);
    for (const node of graph.node) for (const output of node.output) this.producers.set(output, node);
  }

  /** The element type of `name` (a DataType number). */
  of(name: string): number {
    // Iterative: a residual stream chains hundreds of nodes.
    const stack = [name];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (this.known.has(top)) {
        stack.pop();
        continue;
      }
      const node = this.producers.get(top);
      if (!node) throw new SlmError(`convert: the element type of '${top}' is unknown (neither a graph input, an initializer nor a node output)`);
      const dependency = this.dependency(node, top);
      if (dependency !== undefined && !this.known.has(dependency)) {
        stack.push(dependency);
        continue;
      }
      this.known.set(top, this.rule(node, top, dependency === undefined ? undefined : this.known.get(dependency)!));
      stack.pop();
    }
    return this.known.get(name)!;
  }

  /** The input whose type decides `output`'s, if any. */
  private dependency(node: NodeProto, output: string): string | undefined {
    if (node.opType in ALWAYS || node.opType === "Cast" || node.opType === "Constant" || node.opType === "ConstantOfShape") return undefined;
    if (node.opType === "DequantizeLinear") return node.input[1];
    if (node.opType === "QuantizeLinear") return node.input[2] || undefined;
    if (node.opType === "DynamicQuantizeLinear") return undefined;
    const slot = SAME_AS_INPUT[node.opType];
    if (slot === undefined) throw new SlmError(`convert: cannot tell the element type of '${output}', an output of ${node.opType} node '${node.name}'`);
    return node.input[slot];
  }

  private rule(node: NodeProto, output: string, dependency: number | undefined): number {
    const attribute = (name: string) => node.attribute.find((a) => a.name === name);
    switch (node.opType) {
      case "Cast":
        return Number(attribute("to")?.i ?? 0n);
      case "Constant":
      case "ConstantOfShape":
        return attribute("value")?.t?.dataType ?? (attribute("value_int") || attribute("value_ints") ? DataType.INT64 : DataType.FLOAT);
      case "QuantizeLinear":
        return dependency ?? DataType.UINT8;
      case "DynamicQuantizeLinear":
        return output === node.output[1] ? DataType.FLOAT : DataType.UINT8;
      default:
        return ALWAYS[node.opType] ?? dependency!;
    }
  }
}
