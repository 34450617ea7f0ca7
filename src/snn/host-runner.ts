/**
 * Host layers: their ONNX models run exactly, with onnxruntime-node, on the tensors the
 * simulation has made so far. Each run also reports what it cost: the MACs of its MatMul/Gemm
 * nodes (from the Shape outputs the converter added) and the bytes of its inputs and outputs.
 */
import type { InferenceSession, Tensor } from "onnxruntime-node";
import { SlmError } from "../errors.js";
import { loadOnnxruntime } from "../eval/session.js";
import type { HostLayer } from "./ir.js";

/** A tensor between layers. */
export interface Value {
  /** onnxruntime's type name: float32, int64, bool, ... */
  type: Tensor.Type;
  data: Tensor.DataType;
  dims: readonly number[];
}

/** What one host run cost. */
export interface HostCost {
  macs: number;
  bytesIn: number;
  bytesOut: number;
}

/** An open host layer. */
export interface HostRunner {
  run(values: ReadonlyMap<string, Value>): Promise<{ outputs: Map<string, Value>; cost: HostCost }>;
  close(): Promise<void>;
}

/** Opens `layer`'s model (bytes from the IR folder) in onnxruntime. */
export async function openHostRunner(layer: HostLayer, bytes: Uint8Array, threads: number): Promise<HostRunner> {
  const ort = await loadOnnxruntime();
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 });
  } catch (error) {
    throw new SlmError(`host layer ${layer.name}: onnxruntime cannot load its model: ${(error as Error).message}`, { cause: error });
  }
  const probeNames = new Set(layer.macProbes.flatMap((probe) => [probe.shapeA, probe.shapeY]));
  return {
    async run(values) {
      const feeds: Record<string, Tensor> = {};
      let bytesIn = 0;
      for (const input of layer.inputs) {
        const value = values.get(input.name);
        if (!value) throw new SlmError(`host layer ${layer.name}: input '${input.name}' has not been computed`);
        feeds[input.name] = new ort.Tensor(value.type, value.data as Float32Array, value.dims as number[]);
        bytesIn += byteLength(value);
      }
      let result: InferenceSession.ReturnType;
      try {
        result = await session.run(feeds);
      } catch (error) {
        throw new SlmError(`host layer ${layer.name}: onnxruntime failed: ${(error as Error).message}`, { cause: error });
      }
      const outputs = new Map<string, Value>();
      let bytesOut = 0;
      for (const output of layer.outputs) {
        if (probeNames.has(output.name)) continue;
        const tensor = result[output.name]!;
        const value = { type: tensor.type, data: tensor.data, dims: tensor.dims };
        outputs.set(output.name, value);
        bytesOut += byteLength(value);
      }
      let macs = 0;
      for (const probe of layer.macProbes) {
        const a = Array.from(result[probe.shapeA]!.data as BigInt64Array, Number);
        const y = Array.from(result[probe.shapeY]!.data as BigInt64Array, Number);
        const k = probe.transA ? a[0]! : a[a.length - 1]!;
        macs += y.reduce((p, d) => p * d, 1) * k;
      }
      return { outputs, cost: { macs, bytesIn, bytesOut } };
    },
    close: () => session.release(),
  };
}

/** Bytes of a tensor's data as it crosses between host and chip. */
export function byteLength(value: Value): number {
  const data = value.data as { byteLength?: number; length: number };
  return data.byteLength ?? data.length;
}
