/**
 * The 8-bit quantizer's math against values worked out by hand from onnxruntime's
 * quant_utils.py (compute_scale_zp, quantize_data, quantize_nparray). Scales are chosen as
 * powers of two (or ranges that give them) so every expected value is exact.
 */
import { describe, expect, test } from "vitest";
import { computeScaleZeroPoint, qRange, quantizeMatrix, roundHalfEven } from "../../../src/passes/quantize/linear.js";

const f32 = (values: number[]) => Float32Array.from(values);
const symmetricInt8 = qRange("int8", true);
const uint8 = qRange("uint8", false);

describe("roundHalfEven", () => {
  test("rounds ties to the even neighbour, both signs; other values to nearest", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6, 3].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3, 3]);
  });
});

describe("qRange", () => {
  test("symmetric int8 is [-127, 127]; asymmetric int8 [-128, 127]; uint8 [0, 255]; reduce_range 7 bits", () => {
    expect(symmetricInt8).toEqual({ qmin: -127, qmax: 127 });
    expect(qRange("int8", false)).toEqual({ qmin: -128, qmax: 127 });
    expect(uint8).toEqual({ qmin: 0, qmax: 255 });
    expect(qRange("int8", true, true)).toEqual({ qmin: -64, qmax: 64 });
    expect(qRange("uint8", false, true)).toEqual({ qmin: 0, qmax: 127 });
  });
});

describe("computeScaleZeroPoint", () => {
  test("all zeros: the scale would be 0 (< float32 tiny), so scale 1 and zero point 0", () => {
    expect(computeScaleZeroPoint(0, 0, -127, 127, true)).toEqual({ scale: 1, zeroPoint: 0 });
    expect(computeScaleZeroPoint(0, 0, 0, 255, false)).toEqual({ scale: 1, zeroPoint: 0 });
  });

  test("a tiny (subnormal) range gives scale 1 as well", () => {
    expect(computeScaleZeroPoint(-1e-40, 1e-40, -127, 127, true)).toEqual({ scale: 1, zeroPoint: 0 });
  });

  test("a range that does not include 0 is widened to include it", () => {
    // constant 2: [0, 2] → (2 − 0) / 255; zero point round(0 − 0 / s) = 0.
    expect(computeScaleZeroPoint(2, 2, 0, 255, false)).toEqual({ scale: Math.fround(2 / 255), zeroPoint: 0 });
    // negative only [-255, -1] → [-255, 0]: scale 1, zero point round(0 + 255) = 255.
    expect(computeScaleZeroPoint(-255, -1, 0, 255, false)).toEqual({ scale: 1, zeroPoint: 255 });
  });

  test("symmetric int8: ±max|x| over 254 levels, zero point 0", () => {
    expect(computeScaleZeroPoint(-3, 127, -127, 127, true)).toEqual({ scale: 1, zeroPoint: 0 });
    expect(computeScaleZeroPoint(-0.25, 0.125, -127, 127, true)).toEqual({ scale: Math.fround(0.5 / 254), zeroPoint: 0 });
  });

  test("asymmetric: zero point = round_half_even(qmin − rmin / scale), computed in float64", () => {
    // [-1, 254] over 255 levels: scale 1, zero point 1.
    expect(computeScaleZeroPoint(-1, 254, 0, 255, false)).toEqual({ scale: 1, zeroPoint: 1 });
    // int8 activations [0, 255]: scale 1, zero point −128.
    expect(computeScaleZeroPoint(0, 255, -128, 127, false)).toEqual({ scale: 1, zeroPoint: -128 });
    // [-0.5, 2]: scale 2.5/255 in float64 → zero point 0 + 0.5·255/2.5 = 51.
    expect(computeScaleZeroPoint(-0.5, 2, 0, 255, false)).toEqual({ scale: Math.fround(2.5 / 255), zeroPoint: 51 });
  });

  test("the range's float32 subtraction happens before the float64 division", () => {
    // 0.1 and −0.2 as float32; their float32 difference differs from the float64 one.
    const low = Math.fround(-0.2);
    const high = Math.fround(0.1);
    const expected = Math.fround(Math.fround(high - low) / 255);
    expect(computeScaleZeroPoint(low, high, 0, 255, false).scale).toBe(expected);
  });
});

/** One row quantized per tensor: the data decides the scale, as quantize_data does. */
const perTensor = (values: number[], symmetric: boolean) => quantizeMatrix(f32(values), 1, values.length, { symmetric, axis: undefined });

describe("per-tensor quantization (quantize_data)", () => {
  test("absmax 127 gives scale 1: values round half to even", () => {
    const q = perTensor([-127, 0.5, 1.5, 2.5, -2.5, 126.6, 127], true);
    expect(Array.from(q.scales)).toEqual([1]);
    expect(Array.from(q.data)).toEqual([-127, 0, 2, 2, -2, 127, 127]);
  });

  test("uint8 with a zero point: [-1, 254] → scale 1, zero point 1", () => {
    const q = perTensor([-1, 0, 0.5, 253.5, 254], false);
    expect([q.scales[0], q.zeroPoints[0]]).toEqual([1, 1]);
    expect(Array.from(q.data)).toEqual([0, 1, 1, 255, 255]);
  });

  test("negative-only data: [-255, -127.5, -0.5] → scale 1, zero point 255, codes [0, 127, 255]", () => {
    const q = perTensor([-255, -127.5, -0.5], false);
    expect([q.scales[0], q.zeroPoints[0]]).toEqual([1, 255]);
    expect(Array.from(q.data)).toEqual([0, 127, 255]);
  });

  test("the division is float32: x / scale rounded to float32 before rounding to an integer", () => {
    // absmax 1.9703238 → scale 0.015514361; 0.50421673 / scale is 32.50000042 in float64 (→ 33),
    // exactly 32.5 in float32 (numpy's division) → 32.
    const q = perTensor([1.9703238010406494, 0.504216730594635], true);
    expect(q.scales[0]).toBe(Math.fround(0.01551436074078083));
    expect(Array.from(q.data)).toEqual([127, 32]);
  });

  test("all-zero, constant and tiny data", () => {
    const zeros = perTensor([0, 0, 0], true);
    expect([Array.from(zeros.data), zeros.scales[0], zeros.maxAbsError]).toEqual([[0, 0, 0], 1, 0]);
    expect(Array.from(perTensor([2, 2], true).data)).toEqual([127, 127]);
    expect(Array.from(perTensor([2, 2], false).data)).toEqual([255, 255]);
    const tiny = perTensor([1e-40, -1e-40], true);
    expect([Array.from(tiny.data), tiny.scales[0]]).toEqual([[0, 0], 1]);
  });

  test("the reported error is the largest |w − float32((q − zp) · scale)|", () => {
    const q = perTensor([0.3, -0.1, 0.7], false); // scale 0.8/255, zero point 32
    const restored = Array.from(q.data, (v) => Math.fround((v - q.zeroPoints[0]!) * q.scales[0]!));
    const worst = Math.max(...[0.3, -0.1, 0.7].map((w, i) => Math.abs(Math.fround(w) - restored[i]!)));
    expect(q.zeroPoints[0]).toBe(32);
    expect(q.maxAbsError).toBe(worst);
  });
});

describe("quantizeMatrix", () => {
  // [[127, -2.5, 0], [0.5, 254, 0]]
  const w = f32([127, -2.5, 0, 0.5, 254, 0]);

  test("per-channel along axis 1 (MatMul B [K, N]): one symmetric scale per column", () => {
    const q = quantizeMatrix(w, 2, 3, { symmetric: true, axis: 1 });
    expect(Array.from(q.scales)).toEqual([1, 2, 1]); // absmax 127, 254, 0 (→ scale 1)
    expect(Array.from(q.zeroPoints)).toEqual([0, 0, 0]);
    expect(Array.from(q.data)).toEqual([127, -1, 0, 0, 127, 0]); // -2.5/2 = -1.25 → -1; 0.5 → 0 (tie)
    expect(q.type).toBe("int8");
    expect(q.axis).toBe(1);
    expect(q.maxAbsError).toBe(0.5);
  });

  test("per-channel along axis 0 (Gemm B with transB=1): one scale per row", () => {
    const q = quantizeMatrix(w, 2, 3, { symmetric: true, axis: 0 });
    expect(Array.from(q.scales)).toEqual([1, 2]);
    expect(Array.from(q.data)).toEqual([127, -2, 0, 0, 127, 0]); // -2.5 → -2 (tie to even); 0.25 → 0
  });

  test("per-tensor: one scale for the whole matrix", () => {
    const q = quantizeMatrix(w, 2, 3, { symmetric: true, axis: undefined });
    expect(Array.from(q.scales)).toEqual([2]);
    expect(Array.from(q.data)).toEqual([64, -1, 0, 0, 127, 0]); // 63.5 → 64 (tie to even)
    expect(q.axis).toBeUndefined();
    expect(q.maxAbsError).toBe(1); // 127 → 128
  });

  test("asymmetric weights are uint8 with per-channel zero points", () => {
    // column 0 [-1, 254]: scale 1, zp 1; column 1 [0, 510]: scale 2, zp 0.
    const q = quantizeMatrix(f32([-1, 0, 254, 510]), 2, 2, { symmetric: false, axis: 1 });
    expect(q.type).toBe("uint8");
    expect(Array.from(q.scales)).toEqual([1, 2]);
    expect(Array.from(q.zeroPoints)).toEqual([1, 0]);
    expect(Array.from(q.data)).toEqual([0, 0, 255, 255]);
  });

  test("reduce_range: 7-bit symmetric weights in [-64, 64]", () => {
    const q = quantizeMatrix(f32([64, -32, 16, 1]), 2, 2, { symmetric: true, axis: undefined, reduceRange: true });
    expect(Array.from(q.scales)).toEqual([1]);
    expect(Array.from(q.data)).toEqual([64, -32, 16, 1]);
  });

  test("the error of every weight is at most half a step", () => {
    const values = Float32Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 48)));
    for (const axis of [0, 1, undefined] as const) {
      const q = quantizeMatrix(values, 64, 48, { symmetric: true, axis });
      const largestStep = Math.max(...q.scales);
      expect(q.maxAbsError).toBeLessThanOrEqual(largestStep / 2 + 1e-6);
      expect(q.maxAbsError).toBeGreaterThan(0);
    }
  });
});
