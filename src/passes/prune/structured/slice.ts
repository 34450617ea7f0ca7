/**
 * Slicing a linear layer's tensors down to the kept inputs and outputs: the weight along K and
 * N (in its own layout), a bias along N. Each tensor is sliced once, with every axis's keep
 * list, however many removals (an FFN before it, one after it) touched it.
 */
import { create } from "@bufbuild/protobuf";
import { SlmError } from "../../../errors.js";
import { arrayToTensor, DataType, TensorShapeProto_DimensionSchema, type GraphProto, type TensorProto } from "../../../onnx/index.js";
import type { Layout } from "../weights.js";
import { weightValues } from "../weights.js";

/** Kept indices along a weight's K (inputs) and N (outputs) axes; absent = all kept. */
export interface KeepPlan {
  layout?: Layout;
  keepK?: number[];
  keepN?: number[];
}

/** Plans per tensor name, merged as removals are decided. */
export class SlicePlan {
  private readonly plans = new Map<string, KeepPlan>();

  /** Keep only `keep` (sorted indices) along `axis` of `tensor`; a second plan for the same axis is a bug. */
  keep(tensor: string, layout: Layout | undefined, axis: "keepK" | "keepN", keep: number[]): void {
    const plan = this.plans.get(tensor) ?? {};
    if (plan[axis]) throw new SlmError(`prune: two structured removals both slice ${axis === "keepK" ? "the inputs" : "the outputs"} of '${tensor}'`);
    this.plans.set(tensor, { ...plan, ...(layout ? { layout } : {}), [axis]: keep });
  }

  /**
   * Replaces each planned initializer by its slice (and the declared shape of a graph input of
   * the same name, as models before IR 4 list initializers as inputs); returns name → [dims
   * before, dims after].
   */
  apply(graph: GraphProto): Map<string, [number[], number[]]> {
    const shapes = new Map<string, [number[], number[]]>();
    graph.initializer = graph.initializer.map((tensor) => {
      const plan = this.plans.get(tensor.name);
      if (!plan) return tensor;
      const sliced = plan.layout ? sliceWeight(tensor, plan.layout, plan) : sliceBias(tensor, plan.keepN!);
      shapes.set(tensor.name, [tensor.dims.map(Number), sliced.dims.map(Number)]);
      return sliced;
    });
    for (const input of graph.input) {
      const dims = shapes.get(input.name)?.[1];
      const type = input.type?.value;
      if (dims && type?.case === "tensorType" && type.value.shape) {
        type.value.shape.dim = dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: { case: "dimValue", value: BigInt(d) } }));
      }
    }
    return shapes;
  }
}

function sliceWeight(tensor: TensorProto, layout: Layout, plan: KeepPlan): TensorProto {
  const values = weightValues({ tensor });
  const keepK = plan.keepK ?? range(layout.k);
  const keepN = plan.keepN ?? range(layout.n);
  const out = new Float32Array(keepK.length * keepN.length);
  // The sliced tensor keeps the layout's orientation: [K', N'] when N is contiguous, else [N', K'].
  const nContiguous = layout.strideN === 1;
  const outStrideK = nContiguous ? keepN.length : 1;
  const outStrideN = nContiguous ? 1 : keepK.length;
  keepK.forEach((k, i) => {
    keepN.forEach((n, j) => {
      out[i * outStrideK + j * outStrideN] = values[k * layout.strideK + n * layout.strideN]!;
    });
  });
  const dims = nContiguous ? [keepK.length, keepN.length] : [keepN.length, keepK.length];
  return arrayToTensor(tensor.name, dims, out, DataType.FLOAT);
}

function sliceBias(tensor: TensorProto, keepN: number[]): TensorProto {
  const values = weightValues({ tensor });
  const dims = tensor.dims.map(Number);
  dims[dims.length - 1] = keepN.length;
  return arrayToTensor(tensor.name, dims, Float32Array.from(keepN, (n) => values[n]!), DataType.FLOAT);
}

/** 0, 1, ..., n − 1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
