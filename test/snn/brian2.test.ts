/**
 * slm's simulator against Brian2 (Debian's python3-brian): the same fully connected IF network,
 * weights, inputs and reset rule give identical per-neuron spike counts. Values are multiples of
 * 1/1024 (exact in float32 and float64 sums), so both simulators must agree to the spike.
 * Without Brian2 the test is skipped with a reason, except under CI, where it fails.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { simulateIsland } from "../../src/snn/kernel.js";
import { island, tinyIr } from "./tiny-ir.js";

const SCRIPT = fileURLToPath(new URL("./brian2_if.py", import.meta.url));

/** The first Python that imports brian2, or why there is none. */
function findBrian2(): { python: string } | { reason: string } {
  const candidates = [process.env.SLM_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => !!p);
  for (const python of candidates) {
    // find_spec locates the package without importing it (importing Brian2 takes seconds).
    const probe = spawnSync(python, ["-c", "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('brian2') else 1)"], { encoding: "utf8" });
    if (probe.status === 0) return { python };
  }
  return { reason: `no Python with brian2 among ${candidates.join(", ")} (apt-get install python3-brian)` };
}

const brian2 = findBrian2();
if ("reason" in brian2) {
  if (process.env.CI) throw new Error(`Brian2 is required under CI: ${brian2.reason}`);
  console.log(`skipping the Brian2 comparison: ${brian2.reason}`);
}

/** A seeded generator of multiples of 1/den in [low, high]. */
function dyadic(seed: number): (low: number, high: number, den: number) => number {
  let state = seed >>> 0;
  return (low, high, den) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const steps = Math.round((high - low) * den);
    return low + (state % (steps + 1)) / den;
  };
}

interface Case {
  reset: "subtract" | "zero";
  initialPotential: number;
  ours: number[][];
  brian2Spec: object;
}

/** A seeded 32 → 24 → 16 IF network run by slm, and the same network as Brian2 input. */
async function makeCase(reset: "subtract" | "zero", initialPotential: number, seed: number): Promise<Case> {
  const random = dyadic(seed);
  const sizes = [32, 24, 16];
  const T = 64;
  const input = Array.from({ length: sizes[0]! }, () => random(0, 0.75, 64));
  const encoderThreshold = Array.from({ length: sizes[0]! }, () => random(0.5, 1.5, 16));
  const layers = sizes.slice(1).map((out, l) => ({
    weight: Array.from({ length: sizes[l]! }, () => Array.from({ length: out }, () => random(-1, 1, 64))),
    bias: Array.from({ length: out }, () => random(-0.25, 0.25, 64)),
    threshold: Array.from({ length: out }, () => random(0.5, 1.5, 16)),
  }));
  const loaded = await tinyIr({
    encoding: { type: "rate", timesteps: T },
    rate: { model: "if", reset, initialPotential },
    encoderThreshold,
    inputs: sizes[0]!,
    layers: layers.map((layer) => ({ type: "spiking" as const, ...layer })),
  });
  const result = simulateIsland(island(loaded).island, [Float32Array.from(input)], 1);
  // In slm a spike of neuron i stands for its threshold θ_i: Brian2's synapse adds w·θ_i.
  const thresholds = [encoderThreshold, ...layers.map((layer) => layer.threshold)];
  const brian2Spec = {
    T,
    reset,
    inputs: [input],
    encoder: { threshold: encoderThreshold, initial: encoderThreshold.map((th) => initialPotential * th) },
    layers: layers.map((layer, l) => ({
      weight: layer.weight.map((row, i) => row.map((w) => w * thresholds[l]![i]!)),
      bias: layer.bias,
      threshold: layer.threshold,
      initial: layer.threshold.map((th) => initialPotential * th),
    })),
  };
  return { reset, initialPotential, ours: result.counts.neuronSpikes.map((counts) => Array.from(counts)), brian2Spec };
}

describe.skipIf("reason" in brian2)("Brian2 agreement", () => {
  it("32 → 24 → 16 IF networks (reset by subtraction from 0 and from θ/2, reset to zero): identical per-neuron spike counts", async () => {
    const cases = [await makeCase("subtract", 0, 11), await makeCase("subtract", 0.5, 13), await makeCase("zero", 0, 7)];
    const result = spawnSync((brian2 as { python: string }).python, [SCRIPT], {
      input: JSON.stringify({ networks: cases.map((c) => c.brian2Spec) }),
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`brian2_if.py failed: ${result.stderr}`);
    const theirs = (JSON.parse(result.stdout) as { results: { counts: number[][] }[] }).results;
    cases.forEach((c, k) => {
      expect({ reset: c.reset, initialPotential: c.initialPotential, counts: c.ours }).toEqual({ reset: c.reset, initialPotential: c.initialPotential, counts: theirs[k]!.counts });
      // Every layer fires: the comparison is not between silent networks.
      for (const layer of c.ours) expect(layer.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    });
  });
});
