/**
 * The quantize params schema: impossible values and knobs of another mode are config errors
 * with positions; defaults appear only where a knob applies.
 */
import { describe, expect, test } from "vitest";
import type { PluginParamsCatalog } from "../../../src/config/types.js";
import { quantizePass } from "../../../src/passes/quantize/index.js";
import { LM_MODEL, load, problems } from "../../config/rig.js";
import { quantizeParams, schemaErrors } from "./helpers.js";

const catalog: PluginParamsCatalog = { passes: new Map([["quantize", quantizePass]]), targets: new Map() };
const config = (step: string) => ({ "slm.config.yaml": `name: q\n${LM_MODEL}recipe:\n  - quantize: ${step}\n` });

describe("config errors with positions", () => {
  test("bits 3", () => {
    expect(problems(config("{bits: 3}"), [], catalog)).toEqual(["slm.config.yaml:10:16: recipe[0].quantize.bits must be one of 4, 8 (got 3)"]);
  });

  test("block size 20", () => {
    expect(problems(config("{bits: 4, block_size: 20}"), [], catalog)).toEqual([
      "slm.config.yaml:10:25: recipe[0].quantize.block_size must be one of 16, 32, 64, 128, 256 (got 20)",
    ]);
  });

  test("a percentile above 100", () => {
    expect(problems(config("{mode: static, calibration: {percentile: 100.5}}"), [], catalog)).toEqual([
      "slm.config.yaml:10:44: recipe[0].quantize.calibration.percentile must be a number > 50 and ≤ 100 (got 100.5)",
    ]);
  });

  test("4-bit dynamic quantization", () => {
    expect(problems(config("{mode: dynamic, bits: 4}"), [], catalog)).toEqual(["slm.config.yaml:10:31: recipe[0].quantize.bits must be 8 (got 4)"]);
  });

  test("unknown keys get a suggestion", () => {
    const [message] = problems(config("{blocksize: 32}"), [], catalog);
    expect(message).toContain('unknown key "blocksize" in recipe[0].quantize (did you mean "block_size"?)');
  });
});

describe("knobs of another mode are rejected", () => {
  test.each([
    [{ block_size: 32 }, "/block_size"],
    [{ format: "qdq" }, "/format"],
    [{ bits: 4, granularity: "per-tensor" }, "/granularity"],
    [{ bits: 4, reduce_range: true }, "/reduce_range"],
    [{ calibration: { method: "minmax" } }, "/calibration"],
    [{ mode: "dynamic", activation_type: "int8" }, "/activation_type"],
    [{ mode: "static", calibration: { method: "entropy", percentile: 99 } }, "/calibration/percentile"],
    [{ op_types: [] }, "/op_types"],
    [{ op_types: ["Conv"] }, "/op_types/0"],
  ])("%j", (params, path) => {
    const errors = schemaErrors(params);
    expect(errors.some((e) => e.startsWith(`${path} `))).toBe(true);
  });
});

describe("defaults", () => {
  test("weight-only int8, per-channel, symmetric", () => {
    expect(quantizeParams()).toEqual({
      mode: "weight-only",
      bits: 8,
      granularity: "per-channel",
      symmetric: true,
      reduce_range: false,
      op_types: ["MatMul", "Gemm"],
      include: [],
      exclude: [],
    });
  });

  test("4-bit: block 32 in MatMulNBits format", () => {
    expect(quantizeParams({ bits: 4 })).toMatchObject({ bits: 4, block_size: 32, format: "matmulnbits" });
    expect(quantizeParams({ bits: 4 })).not.toHaveProperty("granularity");
  });

  test("dynamic is per-tensor, as onnxruntime's quantize_dynamic", () => {
    expect(quantizeParams({ mode: "dynamic" })).toMatchObject({ granularity: "per-tensor", bits: 8 });
  });

  test("static: uint8 activations, percentile 99.999, weight×activation MatMuls only", () => {
    expect(quantizeParams({ mode: "static" })).toMatchObject({
      granularity: "per-channel",
      activation_type: "uint8",
      calibration: { method: "percentile", percentile: 99.999 },
      activation_matmuls: false,
    });
    expect(quantizeParams({ mode: "static", calibration: { method: "entropy" } }).calibration).toEqual({ method: "entropy" });
  });

  test("the config module applies the same defaults", () => {
    const { config: loaded } = load(config("{mode: static}"), [], catalog);
    expect(loaded.recipe[0]!.params).toEqual(quantizeParams({ mode: "static" }));
  });

  test("only static mode reads calibration statistics", () => {
    const needs = (params: Record<string, unknown>) => quantizePass.needsCalibration!({ ...quantizeParams(params) });
    expect(needs({ mode: "static" })).toBe(true);
    expect(needs({ mode: "dynamic" })).toBe(false);
    expect(needs({})).toBe(false);
  });
});
