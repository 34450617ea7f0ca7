/**
 * The target shape of a Reshape, read from the graph as far as it is knowable: a constant
 * (initializer or Constant node), or a Concat along axis 0 of constants and one-element dynamic
 * pieces (`Unsqueeze(Gather(Shape(x), i))`, as torch.onnx writes `x.size(i)`). Head removal
 * edits one entry (the head count, the merged width) by pointing the Reshape or the Concat at a
 * new Constant; existing constants are never changed, since other nodes may share them.
 */
import type { NodeProto } from "../../../onnx/index.js";
import type { GraphIndex } from "./graph-index.js";

/** A known entry (a number; 0 and −1 mean what Reshape says) or a run-time one. */
export type ShapeEntry = number | "dynamic";

export interface ShapeVector {
  entries: ShapeEntry[];
  /** Makes entry `at` equal `value` for this Reshape only (new initializers, rewired inputs). */
  set(at: number, value: number): void;
}

/**
 * The shape vector of `reshape`, or a reason it cannot be read or edited safely: its pieces are
 * not constants and one-element dynamic values, or the vector (or its Concat) is shared.
 */
export function readShapeVector(index: GraphIndex, reshape: NodeProto): ShapeVector | string {
  const source = reshape.input[1] ?? "";
  const where = `the shape of Reshape '${index.label(reshape)}'`;
  if (index.readers(source).length !== 1) return `${where} is shared with other nodes`;
  const constant = index.constantValues(source);
  if (constant) {
    if (constant.dims.length !== 1) return `${where} is not a 1-D constant`;
    const values = constant.values;
    return {
      entries: [...values],
      set(at, value) {
        reshape.input[1] = index.addInt64(`${source}_pruned`, values.map((v, i) => (i === at ? value : v)), reshape);
      },
    };
  }
  const concat = index.producedBy.get(source);
  if (concat?.opType !== "Concat" || Number(concat.attribute.find((a) => a.name === "axis")?.i ?? -1n) !== 0) {
    return `${where} is computed by ${concat ? `${concat.opType} '${index.label(concat)}'` : "a graph input"}, not a constant or a Concat of known pieces`;
  }
  const pieces: { input: number; entries: ShapeEntry[] }[] = [];
  for (const [input, name] of concat.input.entries()) {
    const piece = index.constantValues(name);
    if (piece && piece.dims.length === 1) pieces.push({ input, entries: piece.values });
    else if (isScalarDim(index, name)) pieces.push({ input, entries: ["dynamic"] });
    else return `${where} has a piece '${name}' (input ${input} of Concat '${index.label(concat)}') of unknown length`;
  }
  return {
    entries: pieces.flatMap((p) => p.entries),
    set(at, value) {
      let offset = 0;
      for (const piece of pieces) {
        if (at < offset + piece.entries.length) {
          // Dynamic pieces have one entry, so every other entry of the edited piece is a number.
          const values = piece.entries.map((v, i) => (i === at - offset ? value : (v as number)));
          concat.input[piece.input] = index.addInt64(`${concat.input[piece.input]}_pruned`, values, concat);
          return;
        }
        offset += piece.entries.length;
      }
      throw new RangeError(`shape entry ${at} out of range`);
    },
  };
}

/** `Unsqueeze(s, axes=[0])` of a scalar `s = Gather(v, i)` with a constant scalar index: one element. */
function isScalarDim(index: GraphIndex, name: string): boolean {
  const unsqueeze = index.producedBy.get(name);
  if (unsqueeze?.opType !== "Unsqueeze") return false;
  const axesAttribute = unsqueeze.attribute.find((a) => a.name === "axes");
  const axes = axesAttribute ? axesAttribute.ints.map(Number) : index.constantValues(unsqueeze.input[1] ?? "")?.values;
  if (!axes || axes.length !== 1 || (axes[0] !== 0 && axes[0] !== -1)) return false;
  const gather = index.producedBy.get(unsqueeze.input[0] ?? "");
  if (gather?.opType !== "Gather") return false;
  const indices = index.constantValues(gather.input[1] ?? "");
  return indices !== undefined && indices.dims.length === 0;
}
