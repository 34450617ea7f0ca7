/**
 * Which tensors calibration observes, as onnxruntime's calibrator selects them
 * (`select_tensors_to_calibrate`): the inputs and outputs of the ops that quantization and
 * pruning act on, never initializers, plus the graph's own inputs and outputs. Whether each is
 * float32 is decided later from the session's metadata, since models rarely carry value_info.
 */
import { graphInputs, inDefaultDomain, type GraphProto, type NodeProto } from "../../onnx/index.js";

/** Ops whose activations calibration observes (default ONNX domain). */
const CALIBRATED_OPS: ReadonlySet<string> = new Set(["Conv", "Gemm", "MatMul", "Relu"]);

/** A tensor to observe. */
export interface CalibrationTarget {
  name: string;
  /** Also sum x² per index of the last axis: it is the contracted axis of a MatMul/Gemm reading it. */
  squares: boolean;
}

/** The tensors to observe, sorted by name (code-unit order). */
export interface CalibrationSelection {
  /** Graph inputs (not initializers), observed from the fed data. */
  fed: CalibrationTarget[];
  /** Every other target, observed as an output of the augmented model. */
  computed: CalibrationTarget[];
}

/** Selects the tensors of interest of `graph` (its top level; subgraph values are not reachable as outputs). */
export function selectTensors(graph: GraphProto): CalibrationSelection {
  const constant = new Set<string>([
    ...graph.initializer.map((t) => t.name),
    ...graph.sparseInitializer.map((s) => s.values?.name ?? ""),
    ...graph.node.filter((node) => node.opType === "Constant" && inDefaultDomain(node)).flatMap((node) => node.output),
  ]);
  const wanted = new Set<string>(graph.output.map((value) => value.name));
  const squared = new Set<string>();
  for (const node of graph.node) {
    if (!inDefaultDomain(node) || !CALIBRATED_OPS.has(node.opType)) continue;
    for (const name of [...node.input, ...node.output]) if (name !== "") wanted.add(name);
    for (const name of contractedLastAxisInputs(node)) squared.add(name);
  }
  const fedNames = new Set(graphInputs(graph).map((value) => value.name));
  for (const name of fedNames) wanted.add(name);
  const targets = [...wanted]
    .filter((name) => !constant.has(name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => ({ name, squares: squared.has(name) }));
  return {
    fed: targets.filter((target) => fedNames.has(target.name)),
    computed: targets.filter((target) => !fedNames.has(target.name)),
  };
}

/** The inputs of a MatMul or Gemm whose last axis is the one it sums over (the input features). */
function contractedLastAxisInputs(node: NodeProto): string[] {
  const [a, b] = node.input;
  if (node.opType === "MatMul") return a ? [a] : [];
  if (node.opType !== "Gemm") return [];
  const transposed = (name: string): boolean => node.attribute.some((attribute) => attribute.name === name && attribute.i !== 0n);
  return [...(a && !transposed("transA") ? [a] : []), ...(b && transposed("transB") ? [b] : [])];
}
