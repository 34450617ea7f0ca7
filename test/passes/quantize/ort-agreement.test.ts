/**
 * slm's quantize/dequantize agree with onnxruntime's own kernels, bit for bit: QuantizeLinear and
 * DequantizeLinear (per tensor and per axis, int8 and uint8) on random values and exact ties,
 * block-wise INT4 DequantizeLinear (opset 21), and MatMulNBits against slm's dequantized reference.
 */
import * as ort from "onnxruntime-node";
import { describe, expect, test } from "vitest";
import { arrayToTensor, DataType } from "../../../src/onnx/index.js";
import { dequantizeBlockwise4, packMatMulNBits, qdqInt4Tensors, quantizeBlockwise4 } from "../../../src/passes/quantize/block4.js";
import { makeNode } from "../../../src/passes/quantize/graph-edit.js";
import { quantizeMatrix } from "../../../src/passes/quantize/linear.js";
import { lcg, runTiny, valueInfo } from "./tiny-models.js";

const FLOAT = DataType.FLOAT;

/** float32((q − zp) · scale), as DequantizeLinear computes it. */
const dequantize = (q: number, scale: number, zeroPoint: number) => Math.fround((q - zeroPoint) * scale);

/**
 * Random values in [-1, 127/128], plus both ends (so the uint8 range gives scale 1/128 exactly,
 * zero point 128) and exact ties (k + 0.5) / 128.
 */
function testValues(count: number, seed: number): Float32Array {
  const random = lcg(seed);
  const ties = Array.from({ length: 40 }, (_, i) => (i - 20 + 0.5) / 128);
  return Float32Array.from([-1, 127 / 128, ...Array.from({ length: count }, () => random() * 1.9), ...ties, 0, -0]);
}

describe("QuantizeLinear / DequantizeLinear, per tensor", () => {
  for (const symmetric of [false, true]) {
    const type = symmetric ? "int8" : "uint8";
    test(`${type}: the same bytes and the same floats as onnxruntime`, async () => {
      const values = testValues(4000, 11);
      const q = quantizeMatrix(values, 1, values.length, { symmetric, axis: undefined });
      if (!symmetric) expect([q.scales[0], q.zeroPoints[0]]).toEqual([1 / 128, 128]);
      const elem = symmetric ? DataType.INT8 : DataType.UINT8;
      const outputs = await runTiny(
        {
          nodes: [makeNode("QuantizeLinear", ["X", "s", "z"], ["Q"], "q"), makeNode("DequantizeLinear", ["Q", "s", "z"], ["Y"], "dq")],
          initializers: [arrayToTensor("s", [], q.scales, FLOAT), arrayToTensor("z", [], q.zeroPoints, elem)],
          inputs: [valueInfo("X", FLOAT, [values.length])],
          outputs: [valueInfo("Q", elem, [values.length]), valueInfo("Y", FLOAT, [values.length])],
        },
        { X: new ort.Tensor("float32", values, [values.length]) },
      );
      expect(Array.from(q.data)).toEqual(Array.from(outputs.Q!.data as Int8Array | Uint8Array));
      const restored = Float32Array.from(q.data, (v) => dequantize(v, q.scales[0]!, q.zeroPoints[0]!));
      expect(Array.from(restored)).toEqual(Array.from(outputs.Y!.data as Float32Array));
    });
  }
});

describe("QuantizeLinear / DequantizeLinear, per axis (opset 13)", () => {
  const rows = 48;
  const cols = 40;
  const random = lcg(5);
  // Columns and rows with very different magnitudes, so per-channel scales differ widely.
  const weight = Float32Array.from({ length: rows * cols }, (_, i) => random() * (1 + (i % cols)) * (1 + Math.floor(i / cols) / 8));

  for (const [axis, symmetric] of [
    [1, true],
    [0, true],
    [1, false],
  ] as const) {
    test(`axis ${axis}, ${symmetric ? "int8 symmetric" : "uint8 asymmetric"}: slm's quantized weight is onnxruntime's`, async () => {
      const q = quantizeMatrix(weight, rows, cols, { symmetric, axis });
      const elem = symmetric ? DataType.INT8 : DataType.UINT8;
      const outputs = await runTiny(
        {
          nodes: [
            makeNode("QuantizeLinear", ["W", "s", "z"], ["Q"], "q", { axis: { int: axis } }),
            makeNode("DequantizeLinear", ["Wq", "s", "z"], ["Y"], "dq", { axis: { int: axis } }),
          ],
          initializers: [
            arrayToTensor("s", [q.scales.length], q.scales, FLOAT),
            arrayToTensor("z", [q.zeroPoints.length], q.zeroPoints, elem),
            arrayToTensor("Wq", [rows, cols], q.data, elem),
          ],
          inputs: [valueInfo("W", FLOAT, [rows, cols])],
          outputs: [valueInfo("Q", elem, [rows, cols]), valueInfo("Y", FLOAT, [rows, cols])],
        },
        { W: new ort.Tensor("float32", weight, [rows, cols]) },
      );
      expect(Array.from(q.data)).toEqual(Array.from(outputs.Q!.data as Int8Array | Uint8Array));
      const restored = Float32Array.from(q.data, (value, i) => {
        const channel = axis === 1 ? i % cols : Math.floor(i / cols);
        return dequantize(value, q.scales[channel]!, q.zeroPoints[channel]!);
      });
      expect(Array.from(restored)).toEqual(Array.from(outputs.Y!.data as Float32Array));
      let worst = 0;
      restored.forEach((r, i) => (worst = Math.max(worst, Math.abs(r - weight[i]!))));
      expect(q.maxAbsError).toBe(worst);
    });
  }
});

describe("4-bit block-wise", () => {
  const random = lcg(9);

  for (const { rows, blockSize, symmetric } of [
    { rows: 64, blockSize: 32, symmetric: true },
    { rows: 80, blockSize: 32, symmetric: false }, // K not a multiple of the block: the last block is padded
    { rows: 48, blockSize: 16, symmetric: true },
    { rows: 37, blockSize: 16, symmetric: false }, // odd K: the last byte of each column holds one code
  ]) {
    const cols = 24;
    const weight = Float32Array.from({ length: rows * cols }, () => random() * 2 + 0.1);
    const q = quantizeBlockwise4(weight, rows, cols, blockSize, symmetric);
    const reference = dequantizeBlockwise4(q);
    const label = `K ${rows}, block ${blockSize}, ${symmetric ? "symmetric" : "asymmetric"}`;

    test(`${label}: MatMulNBits computes A · dequantized(W)`, async () => {
      const packed = packMatMulNBits(q);
      const m = 5;
      const a = Float32Array.from({ length: m * rows }, () => random() * 4);
      const inputs = ["A", "B", "scales", ...(packed.zeroPoints ? ["zp"] : [])];
      const outputs = await runTiny(
        {
          nodes: [
            makeNode("MatMulNBits", inputs, ["Y"], "mmnb", { K: { int: rows }, N: { int: cols }, bits: { int: 4 }, block_size: { int: blockSize } }, "com.microsoft"),
          ],
          initializers: [
            arrayToTensor("B", [cols, q.blocks, blockSize / 2], packed.weight, DataType.UINT8),
            arrayToTensor("scales", [cols * q.blocks], q.scales, FLOAT),
            ...(packed.zeroPoints ? [arrayToTensor("zp", [packed.zeroPoints.length], packed.zeroPoints, DataType.UINT8)] : []),
          ],
          inputs: [valueInfo("A", FLOAT, [m, rows])],
          outputs: [valueInfo("Y", FLOAT, [m, cols])],
          domains: { "com.microsoft": 1 },
        },
        { A: new ort.Tensor("float32", a, [m, rows]) },
      );
      const y = outputs.Y!.data as Float32Array;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < cols; j++) {
          let expected = 0;
          for (let k = 0; k < rows; k++) expected += a[i * rows + k]! * reference[k * cols + j]!;
          expect(y[i * cols + j]).toBeCloseTo(expected, 4);
        }
      }
    });

    test(`${label}: block-wise INT4/UINT4 DequantizeLinear (opset 21) restores slm's reference exactly`, async () => {
      const tensors = qdqInt4Tensors(q);
      const elem = symmetric ? DataType.INT4 : DataType.UINT4;
      const outputs = await runTiny(
        {
          nodes: [makeNode("DequantizeLinear", ["Wq", "s", "z"], ["Y"], "dq", { axis: { int: 0 }, block_size: { int: blockSize } })],
          initializers: [
            arrayToTensor("Wq", [rows, cols], tensors.data, elem),
            arrayToTensor("s", [q.blocks, cols], tensors.scale, FLOAT),
            arrayToTensor("z", [q.blocks, cols], tensors.zeroPoint, elem),
          ],
          inputs: [],
          outputs: [valueInfo("Y", FLOAT, [rows, cols])],
          opset: 21,
          irVersion: 10,
        },
        {},
      );
      expect(Array.from(outputs.Y!.data as Float32Array)).toEqual(Array.from(reference));
    });
  }
});
