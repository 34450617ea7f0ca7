/**
 * Constant operands of a graph as the converter needs them: initializers and Constant nodes,
 * seen through a DequantizeLinear (a quantized weight: its integer grid and scale kept) and a
 * 2-D Transpose. Everything else is an activation.
 */
import { InputError } from "../../errors.js";
import { DataType, inDefaultDomain, tensorLabel, tensorToArray, type GraphProto, type NodeProto, type TensorProto } from "../../onnx/index.js";

/** A constant's values, float or on an integer grid: real = (q − zeroPoint) × scale. */
export interface ConstantValue {
  dims: number[];
  /** Real values (dequantized when quantized), row-major in `dims`. */
  real: Float32Array;
  /** Present when the constant is DequantizeLinear of integers, per tensor or per axis. */
  quantized?: {
    /** q − zeroPoint, row-major in `dims`. */
    grid: Int32Array;
    /** One scale (per tensor) or one per index of `axis`. */
    scale: Float32Array;
    axis?: number;
  };
  /** Nodes read to produce it (DequantizeLinear, Transpose, Constant). */
  nodes: NodeProto[];
}

const INTEGER_TYPES = new Set<number>([DataType.INT8, DataType.UINT8, DataType.INT16, DataType.UINT16, DataType.INT32, DataType.INT4, DataType.UINT4]);

/** Resolves constant values of one graph. */
export class Constants {
  private readonly tensors = new Map<string, { tensor: TensorProto; node?: NodeProto }>();
  private readonly producers = new Map<string, NodeProto>();

  constructor(graph: GraphProto) {
    for (const tensor of graph.initializer) this.tensors.set(tensor.name, { tensor });
    for (const node of graph.node) {
      for (const output of node.output) this.producers.set(output, node);
      if (node.opType === "Constant" && inDefaultDomain(node)) {
        const value = node.attribute.find((a) => a.name === "value")?.t;
        if (value && node.output[0]) this.tensors.set(node.output[0], { tensor: { ...value, name: node.output[0] } as TensorProto, node });
      }
    }
  }

  /** Whether `name` is a stored tensor (initializer or Constant output). */
  isStored(name: string): boolean {
    return this.tensors.has(name);
  }

  /** The value of `name` when it is constant (through DequantizeLinear and a 2-D Transpose), else undefined. */
  value(name: string): ConstantValue | undefined {
    const stored = this.tensors.get(name);
    if (stored) {
      const { tensor, node } = stored;
      if (INTEGER_TYPES.has(tensor.dataType) || tensor.dataType === DataType.FLOAT || tensor.dataType === DataType.FLOAT16 || tensor.dataType === DataType.DOUBLE) {
        const values = tensorToArray(tensor);
        return { dims: tensor.dims.map(Number), real: finite(Float32Array.from(values as ArrayLike<number>), tensor), nodes: node ? [node] : [] };
      }
      return undefined;
    }
    const producer = this.producers.get(name);
    if (!producer || !inDefaultDomain(producer)) return undefined;
    if (producer.opType === "DequantizeLinear") return this.dequantized(producer);
    if (producer.opType === "Transpose") {
      const inner = this.value(producer.input[0] ?? "");
      if (!inner || inner.dims.length !== 2 || !isSwap(producer)) return undefined;
      return transposeConstant(inner, producer);
    }
    return undefined;
  }

  private dequantized(node: NodeProto): ConstantValue | undefined {
    const [dataName, scaleName, zeroName] = node.input;
    const data = this.tensors.get(dataName ?? "");
    const scale = this.value(scaleName ?? "");
    const zero = zeroName ? this.tensors.get(zeroName) : undefined;
    if (!data || !scale || (zeroName && !zero) || !INTEGER_TYPES.has(data.tensor.dataType)) return undefined;
    const dims = data.tensor.dims.map(Number);
    const q = tensorToArray(data.tensor) as ArrayLike<number>;
    const zp = zero ? (tensorToArray(zero.tensor) as ArrayLike<number>) : [0];
    const scales = scale.real;
    const axisAttribute = node.attribute.find((a) => a.name === "axis");
    const blockAttribute = node.attribute.find((a) => a.name === "block_size");
    const blocked = blockAttribute !== undefined && blockAttribute.i !== 0n;
    let axis = axisAttribute === undefined ? 1 : Number(axisAttribute.i);
    if (axis < 0) axis += dims.length;
    const perTensor = scales.length === 1;
    if (!perTensor && !blocked && (scales.length !== dims[axis] || (zp.length !== 1 && zp.length !== scales.length))) {
      throw new InputError(`DequantizeLinear '${node.name}': ${scales.length} scales do not fit [${dims.join(", ")}] along axis ${axis}`);
    }
    const nodes = [...(data.node ? [data.node] : []), ...scale.nodes, node];
    if (blocked || dims.length !== 2) {
      // Block-wise (or higher-rank) quantization has no single grid per output channel: keep the real values only.
      const real = dequantizeReal(q, zp, scales, dims, axis, blocked ? Number(blockAttribute!.i) : 0, node);
      return { dims, real, nodes };
    }
    const cols = dims[1]!;
    const grid = new Int32Array(q.length);
    const real = new Float32Array(q.length);
    for (let k = 0; k < q.length; k++) {
      const channel = perTensor ? 0 : axis === 0 ? Math.floor(k / cols) : k % cols;
      grid[k] = q[k]! - (zp.length === 1 ? zp[0]! : zp[channel]!);
      real[k] = grid[k]! * scales[channel]!;
    }
    return { dims, real: finite(real, data.tensor), quantized: { grid, scale: scales, ...(perTensor ? {} : { axis }) }, nodes };
  }
}

/** (q − zp) × scale for any rank: per tensor, per axis, or block-wise along an axis of a 2-D tensor. */
function dequantizeReal(q: ArrayLike<number>, zp: ArrayLike<number>, scales: Float32Array, dims: number[], axis: number, block: number, node: NodeProto): Float32Array {
  const real = new Float32Array(q.length);
  const zero = (s: number): number => (zp.length === 1 ? zp[0]! : zp[s]!);
  if (block === 0) {
    // Element k's index along `axis`: (k / stride) mod dims[axis], stride = product of the later dims.
    const stride = dims.slice(axis + 1).reduce((p, d) => p * d, 1);
    for (let k = 0; k < q.length; k++) {
      const s = scales.length === 1 ? 0 : Math.floor(k / stride) % dims[axis]!;
      real[k] = (q[k]! - zero(s)) * scales[s]!;
    }
    return real;
  }
  if (dims.length !== 2) throw new InputError(`DequantizeLinear '${node.name}': block-wise scales on a rank-${dims.length} tensor are not supported by convert`);
  const [rows, cols] = dims as [number, number];
  // Blocked along `axis`: the scale tensor has ceil(dims[axis] / block) entries there.
  const scaleCols = axis === 1 ? Math.ceil(cols / block) : cols;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const s = axis === 0 ? Math.floor(r / block) * scaleCols + c : r * scaleCols + Math.floor(c / block);
      real[r * cols + c] = (q[r * cols + c]! - zero(s)) * scales[s]!;
    }
  }
  return real;
}

/** The transpose of a 2-D constant (its integer grid and per-axis scale axis too); `node` joins its nodes. */
export function transposeConstant(inner: ConstantValue, node?: NodeProto): ConstantValue {
  const [rows, cols] = inner.dims as [number, number];
  const flip = <A extends Float32Array | Int32Array>(source: A, target: A): A => {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) target[c * rows + r] = source[r * cols + c]!;
    return target;
  };
  const real = flip(inner.real, new Float32Array(inner.real.length));
  const quantized = inner.quantized && {
    grid: flip(inner.quantized.grid, new Int32Array(inner.quantized.grid.length)),
    scale: inner.quantized.scale,
    ...(inner.quantized.axis === undefined ? {} : { axis: 1 - inner.quantized.axis }),
  };
  return { dims: [cols, rows], real, ...(quantized ? { quantized } : {}), nodes: node ? [...inner.nodes, node] : inner.nodes };
}

function finite(values: Float32Array, tensor: TensorProto): Float32Array {
  const bad = values.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new InputError(`${tensorLabel(tensor)} has a non-finite value (${values[bad]}) at element ${bad}; convert cannot use a NaN or Inf weight`);
  return values;
}

function isSwap(node: NodeProto): boolean {
  const perm = node.attribute.find((a) => a.name === "perm");
  return perm === undefined || (perm.ints.length === 2 && perm.ints[0] === 1n && perm.ints[1] === 0n);
}
