/**
 * Recognizes a GELU applied to one tensor: a Gelu node (opset 20, or com.microsoft's), or the
 * exact form exporters write, x · 0.5 · (1 + erf(x / √2)) as Div (or Mul by 1/√2), Erf, Add,
 * and two Muls in either order.
 */
import type { NodeProto } from "../../onnx/index.js";
import type { Constants } from "./constants.js";

/** The nodes of the GELU and the tensor it outputs. */
export interface GeluMatch {
  nodes: NodeProto[];
  output: string;
}

const ELEMENTWISE = new Set(["Div", "Mul", "Add", "Erf"]);
const ERF_FORM = ["Add", "Erf", "Mul", "Mul", "Mul"];

/** The GELU applied to `x`, if `x` feeds one and nothing else. */
export function matchGelu(
  x: string,
  consumers: ReadonlyMap<string, NodeProto[]>,
  constants: Constants,
  graphOutputs: ReadonlySet<string>,
): GeluMatch | undefined {
  const first = consumers.get(x) ?? [];
  if (graphOutputs.has(x) || first.length === 0) return undefined;
  const only = first.length === 1 ? first[0]! : undefined;
  if (only?.opType === "Gelu" && (only.domain === "" || only.domain === "ai.onnx" || only.domain === "com.microsoft")) {
    const approximate = only.attribute.find((a) => a.name === "approximate");
    if (approximate === undefined || new TextDecoder().decode(approximate.s) === "none") return { nodes: [only], output: only.output[0]! };
    return undefined;
  }
  // Grow the elementwise region fed by x: a node joins when all its non-constant inputs are x or region outputs.
  const region: NodeProto[] = [];
  const inside = new Set<string>([x]);
  let frontier = [...first];
  while (frontier.length > 0 && region.length <= ERF_FORM.length) {
    const next: NodeProto[] = [];
    for (const node of frontier) {
      if (region.includes(node) || !ELEMENTWISE.has(node.opType) || node.domain !== "") continue;
      if (!node.input.every((name) => inside.has(name) || constants.value(name) !== undefined)) continue;
      region.push(node);
      for (const output of node.output) {
        inside.add(output);
        next.push(...(consumers.get(output) ?? []));
      }
    }
    frontier = next;
  }
  const ops = region.map((node) => (node.opType === "Div" ? "Mul" : node.opType)).sort();
  if (ops.join() !== ERF_FORM.join()) return undefined;
  // x must feed only the region, and exactly one region output may leave it.
  if (!first.every((node) => region.includes(node))) return undefined;
  const leaving = region.flatMap((node) => node.output).filter((name) => graphOutputs.has(name) || (consumers.get(name) ?? []).some((c) => !region.includes(c)));
  if (leaving.length !== 1) return undefined;
  if (!constantsFit(region, constants)) return undefined;
  return { nodes: region, output: leaving[0]! };
}

/** The erf form's constants: √2 (or 1/√2), 1 and 0.5. */
function constantsFit(region: readonly NodeProto[], constants: Constants): boolean {
  const near = (value: number, target: number): boolean => Math.abs(value - target) < 1e-3 * target;
  const scalars = region.flatMap((node) =>
    node.input.flatMap((name) => {
      const value = constants.value(name);
      return value && value.real.length === 1 ? [{ op: node.opType, value: value.real[0]! }] : [];
    }),
  );
  const hasScaling = scalars.some(({ op, value }) => (op === "Div" && near(value, Math.SQRT2)) || (op === "Mul" && near(value, Math.SQRT1_2)));
  return hasScaling && scalars.some(({ op, value }) => op === "Add" && near(value, 1)) && scalars.some(({ op, value }) => op === "Mul" && near(value, 0.5));
}
