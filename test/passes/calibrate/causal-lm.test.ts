/** The calibrate stage on gpt-relu-brown over a few windows of its calib.txt. */
import { beforeAll, describe, expect, test } from "vitest";
import { calibrate, calibrationIds, LM, params, type CalibrationRun } from "./rig.js";

const BLOCKS = [0, 1, 2, 3];
/** models/README.md: FFN ReLU zero fraction and max on the 64 eval windows. */
const README_RELU = [
  { zeros: 0.735, max: 2.6894 },
  { zeros: 0.934, max: 3.184 },
  { zeros: 0.959, max: 3.9055 },
  { zeros: 0.94, max: 4.7465 },
];

describe("calibrate on gpt-relu-brown", () => {
  let ids: string;
  let run: CalibrationRun;
  const lmParams = (windows: number, batch: number) => params({ task: "causal-lm", window: 128, windows, batch });

  beforeAll(async () => {
    ids = await calibrationIds();
    run = await calibrate({ model: LM, ids }, lmParams(6, 2));
  });

  test("the FFN ReLU outputs have statistics close to models/README.md's", () => {
    for (const block of BLOCKS) {
      const relu = run.stats.tensors[`/blocks.${block}/act/Relu_output_0`]!;
      expect(relu.count).toBe(6 * 128 * 512);
      expect(relu.min).toBe(0);
      expect(relu.zeroFraction).toBeCloseTo(README_RELU[block]!.zeros, 1);
      expect(relu.max / README_RELU[block]!.max).toBeGreaterThan(0.5);
      expect(relu.max / README_RELU[block]!.max).toBeLessThan(1.5);
      expect(relu.histogram.counts.reduce((a, b) => a + b, 0)).toBe(relu.count);
    }
  });

  test("every MatMul activation input has per-feature square sums over its last axis", () => {
    const features: Record<string, number> = {
      "/blocks.0/ln1/Add_1_output_0": 128, // qkv
      "/blocks.0/attn/Transpose_output_0": 32, // q of q·kᵀ, per head
      "/blocks.0/attn/Softmax_output_0": 128, // attention weights of ·v
      "/blocks.0/attn/Reshape_3_output_0": 128, // proj
      "/blocks.0/ln2/Add_1_output_0": 128, // fc
      "/blocks.0/act/Relu_output_0": 512, // fc_out
      "/ln_f/Add_1_output_0": 128, // the tied LM head
    };
    for (const [name, width] of Object.entries(features)) {
      const sums = run.stats.tensors[name]!.channelSquareSums!;
      expect(sums.length, name).toBe(width);
      expect(sums.every((s) => s >= 0)).toBe(true);
    }
    // kᵀ is the right operand: its last axis is not the one q·kᵀ sums over.
    expect(run.stats.tensors["/blocks.0/attn/Transpose_2_output_0"]!.channelSquareSums).toBeUndefined();
  });

  test("observes float activations only: the logits, not the int64 token ids", () => {
    expect(run.stats.tensors.logits!.count).toBe(6 * 128 * 1024);
    expect(run.stats.tensors.input_ids).toBeUndefined();
    expect(Object.keys(run.stats.tensors)).toHaveLength(62);
    expect(Object.keys(run.stats.tensors)).toEqual(Object.keys(run.stats.tensors).sort());
  });

  test("the same inputs give the same bytes, whatever the number of statistics workers", async () => {
    const again = await calibrate({ model: LM, ids }, lmParams(6, 2));
    const inline = await calibrate({ model: LM, ids }, lmParams(6, 2), { workers: 0 });
    const threeWorkers = await calibrate({ model: LM, ids }, lmParams(6, 2), { workers: 3 });
    expect(again.text).toBe(run.text);
    expect(inline.text).toBe(run.text);
    expect(threeWorkers.text).toBe(run.text);
  });

  test("histograms, ranges and counts do not depend on the batch size", async () => {
    const other = await calibrate({ model: LM, ids }, lmParams(6, 4));
    for (const [name, stats] of Object.entries(run.stats.tensors)) {
      const { channelSquareSums, ...exact } = other.stats.tensors[name]!;
      const { channelSquareSums: sums, ...expected } = stats;
      expect(exact, name).toEqual(expected);
      // Square sums add the same values grouped differently: equal up to rounding.
      sums?.forEach((sum, j) => expect(channelSquareSums![j]!).toBeCloseTo(sum, 3));
    }
  });
});
