/**
 * 4-bit block-wise quantization against values worked out by hand from MLAS's
 * MlasQuantizeBlockwise (range2scale / range2scalezp, roundf) and the MatMulNBits layout of
 * matmul_nbits_quantizer.py. Blocks of 4 keep the arithmetic small.
 */
import { describe, expect, test } from "vitest";
import { dequantizeBlockwise4, packMatMulNBits, qdqInt4Tensors, quantizeBlockwise4 } from "../../../src/passes/quantize/block4.js";

/** A [K, 1] column. */
const column = (values: number[]) => Float32Array.from(values);

describe("quantizeBlockwise4", () => {
  test("symmetric: scale = (signed value of largest magnitude) / −8, zero point 8", () => {
    const q = quantizeBlockwise4(column([1, -2, 0.5, 4]), 4, 1, 4, true);
    expect(Array.from(q.scales)).toEqual([-0.5]); // 4 / −8: the extreme lands exactly on code 0
    expect(Array.from(q.zeroPoints)).toEqual([8]);
    expect(Array.from(q.codes)).toEqual([6, 12, 7, 0]); // w · (1 / −0.5) + 8
    expect(Array.from(dequantizeBlockwise4(q))).toEqual([1, -2, 0.5, 4]);
    expect(q.maxAbsError).toBe(0);
  });

  test("symmetric with a negative extreme gives a positive scale", () => {
    const q = quantizeBlockwise4(column([-3, 1, 0, 0.7]), 4, 1, 4, true);
    expect(Array.from(q.scales)).toEqual([0.375]);
    // 1/0.375 = 2.6667: −3 → −8 + 8 = 0; 1 → 10.67 → 11; 0 → 8; 0.7 → 9.87 → 10.
    expect(Array.from(q.codes)).toEqual([0, 11, 8, 10]);
  });

  test("asymmetric: scale (max − min) / 15 over the range with 0, zero point roundf(−min / scale)", () => {
    const q = quantizeBlockwise4(column([-1, 14, 0, 3.5]), 4, 1, 4, false);
    expect(Array.from(q.scales)).toEqual([1]);
    expect(Array.from(q.zeroPoints)).toEqual([1]);
    expect(Array.from(q.codes)).toEqual([0, 15, 1, 5]); // 3.5 + 1 = 4.5 → 5 (half away from zero)
    expect(q.maxAbsError).toBe(0.5);
  });

  test("codes round half away from zero (roundf), not half to even", () => {
    const q = quantizeBlockwise4(column([0, 15, 0.5, 2.5]), 4, 1, 4, false);
    expect(Array.from(q.codes)).toEqual([0, 15, 1, 3]);
  });

  test("an all-zero block: scale 0, every code is the zero point", () => {
    const q = quantizeBlockwise4(column([0, 0, 0, 0]), 4, 1, 4, false);
    expect(Array.from(q.scales)).toEqual([0]);
    expect(Array.from(q.codes)).toEqual([0, 0, 0, 0]);
    const symmetric = quantizeBlockwise4(column([0, 0, 0, 0]), 4, 1, 4, true);
    expect(Array.from(symmetric.codes)).toEqual([8, 8, 8, 8]);
    // As in MLAS, 0 / −8 is −0: the scale and the restored weights are negative zeros.
    expect(Object.is(symmetric.scales[0], -0)).toBe(true);
    expect(Array.from(dequantizeBlockwise4(symmetric))).toEqual([-0, -0, -0, -0]);
  });

  test("blocks run along K of each column; a short last block uses only its own rows", () => {
    // K 6, N 2, block 4: blocks rows 0-3 and 4-5 (padded).
    const w = Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40, -8, 0, 1, 80]);
    const q = quantizeBlockwise4(w, 6, 2, 4, true);
    expect(q.blocks).toBe(2);
    // scales[n · blocks + b]: column 0 → 4/−8, −8/−8; column 1 → 40/−8, 80/−8.
    expect(Array.from(q.scales)).toEqual([-0.5, 1, -5, -10]);
  });
});

describe("layouts", () => {
  // K 8, N 2, block 4: two blocks per column.
  const w = Float32Array.from([-8, 0, -7, 0, -6, 0, -5, 0, 1, 0, 2, 0, 3, 0, 4, 8]);
  const symmetric = quantizeBlockwise4(w, 8, 2, 4, true);

  test("MatMulNBits B is [N, blocks, block/2]: column-major, two codes per byte along K, low nibble first", () => {
    // Column 0, block 0: [-8, -7, -6, -5] scale −8/−8 = 1 → codes 0, 1, 2, 3; block 1: [1..4], scale −0.5 → 6, 4, 2, 0.
    // Column 1, block 0: zeros (scale 0) → 8s; block 1: [0, 0, 0, 8] scale −1 → 8, 8, 8, 0.
    const { weight, zeroPoints } = packMatMulNBits(symmetric);
    expect(Array.from(weight)).toEqual([0x10, 0x32, 0x46, 0x02, 0x88, 0x88, 0x88, 0x08]);
    expect(zeroPoints).toBeUndefined();
  });

  test("asymmetric zero points are packed two per byte per column, low nibble = first block", () => {
    const q = quantizeBlockwise4(Float32Array.from([-1, 14, 0, 3.5, -2, 13, 0, 1]), 8, 1, 4, false);
    // Block 0: [-1, 14] → scale 1, zp 1; block 1: [-2, 13] → scale 1, zp 2.
    expect(Array.from(q.zeroPoints)).toEqual([1, 2]);
    expect(Array.from(packMatMulNBits(q).zeroPoints!)).toEqual([0x21]);
  });

  test("QDQ form: INT4 = code − 8 when symmetric, scale and zero point [blocks, N]", () => {
    const t = qdqInt4Tensors(symmetric);
    expect(Array.from(t.scale)).toEqual([1, -0, -0.5, -1]);
    expect(Array.from(t.zeroPoint)).toEqual([0, 0, 0, 0]);
    expect(Array.from(t.data.subarray(0, 4))).toEqual([-8, 0, -7, 0]);
  });
});
