/**
 * What a quantize run did, as `report.json`: per weight tensor its bits, type, granularity,
 * bytes before → after and the largest weight error; per quantized activation its range and
 * quantization parameters (static mode); the MatMul/Gemm nodes left in float and why.
 * Entries are in graph order, so the same run always writes the same bytes.
 */
import type { FloatNode } from "./select.js";

/** One quantized weight (or bias) tensor. */
export interface TensorReport {
  name: string;
  /** The nodes that read it. */
  nodes: string[];
  bits: 4 | 8 | 32;
  type: "int8" | "uint8" | "int4" | "uint4" | "int32";
  /** `per-channel (axis 1)`, `per-tensor`, `block 32 along K`. */
  granularity: string;
  shape: number[];
  bytesBefore: number;
  /** Quantized data + scales + zero points. */
  bytesAfter: number;
  /** max |w − dequantized(w)|. */
  maxAbsError: number;
}

/** One activation given a static Q/DQ pair. */
export interface ActivationReport {
  tensor: string;
  nodes: string[];
  method: string;
  /** The calibrated range before onnxruntime's widening to include 0. */
  rmin: number;
  rmax: number;
  type: "uint8" | "int8";
  scale: number;
  zeroPoint: number;
}

export interface QuantizeReport {
  version: 1;
  params: Record<string, unknown>;
  tensors: TensorReport[];
  activations: ActivationReport[];
  floatNodes: Pick<FloatNode, "node" | "opType" | "reason">[];
  summary: {
    quantizedTensors: number;
    quantizedNodes: number;
    floatNodes: number;
    weightBytesBefore: number;
    weightBytesAfter: number;
  };
}

/** Collects report entries as the rewrite goes. */
export class ReportBuilder {
  readonly tensors: TensorReport[] = [];
  readonly activations: ActivationReport[] = [];
  private readonly quantizedNodes = new Set<string>();

  /** Records that `node` now computes with quantized inputs. */
  quantizedNode(node: string): void {
    this.quantizedNodes.add(node);
  }

  build(params: Record<string, unknown>, floatNodes: readonly FloatNode[]): QuantizeReport {
    const weights = this.tensors.filter((t) => t.bits !== 32);
    return {
      version: 1,
      params,
      tensors: this.tensors,
      activations: this.activations,
      floatNodes: floatNodes.map(({ node, opType, reason }) => ({ node, opType, reason })),
      summary: {
        quantizedTensors: this.tensors.length,
        quantizedNodes: this.quantizedNodes.size,
        floatNodes: floatNodes.length,
        weightBytesBefore: sum(weights.map((t) => t.bytesBefore)),
        weightBytesAfter: sum(weights.map((t) => t.bytesAfter)),
      },
    };
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
