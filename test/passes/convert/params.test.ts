/**
 * The convert step's params schema, through the config module's validator: defaults per
 * encoding, and impossible or misplaced values rejected by the schema itself.
 */
import { describe, expect, it } from "vitest";
import { validatorFor } from "../../../src/config/validate.js";
import { convertSchema } from "../../../src/passes/convert/index.js";
import { convertParams } from "./rig.js";

function rejects(params: Record<string, unknown>): string[] {
  const validate = validatorFor(convertSchema as never);
  expect(validate(structuredClone(params))).toBe(false);
  return (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

describe("convert params", () => {
  it("rate coding defaults: IF, reset by subtraction, T = 32, 99.9th percentile, per layer", () => {
    expect(convertParams()).toEqual({
      encoding: "rate",
      timesteps: 32,
      neuron: "if",
      reset: "subtract",
      initial_potential: 0.5,
      decoding: "membrane",
      balancing: "percentile",
      percentile: 99.9,
      granularity: "per-layer",
      threshold: 1,
      approximate_gelu: false,
    });
    expect(convertParams({ neuron: "lif" })).toMatchObject({ neuron: "lif", leak: 0.01 });
    expect(convertParams({ balancing: "max" })).not.toHaveProperty("percentile");
  });

  it("sigma-delta defaults: T = 1, θ = 0.01, no rate-neuron knobs", () => {
    expect(convertParams({ encoding: "sigma-delta" })).toEqual({
      encoding: "sigma-delta",
      timesteps: 1,
      theta: 0.01,
      balancing: "percentile",
      percentile: 99.9,
      granularity: "per-layer",
      threshold: 1,
      approximate_gelu: false,
    });
  });

  it("T ≤ 0, θ < 0, a percentile outside (50, 100], a threshold of 0 are schema errors", () => {
    expect(rejects({ timesteps: 0 })).toContain("/timesteps must be >= 1");
    expect(rejects({ timesteps: -4 })).toContain("/timesteps must be >= 1");
    expect(rejects({ timesteps: 2.5 })).toContain("/timesteps must be integer");
    expect(rejects({ encoding: "sigma-delta", theta: -0.1 })).toContain("/theta must be >= 0");
    expect(rejects({ percentile: 100.5 })).toContain("/percentile must be <= 100");
    expect(rejects({ percentile: 40 })).toContain("/percentile must be > 50");
    expect(rejects({ threshold: 0 })).toContain("/threshold must be > 0");
    expect(rejects({ neuron: "lif", leak: 1 })).toContain("/leak must be < 1");
  });

  it("knobs that do nothing with the chosen encoding, neuron or balancing are errors", () => {
    expect(rejects({ theta: 0.1 }).join()).toContain("/theta");
    expect(rejects({ encoding: "sigma-delta", neuron: "lif" }).join()).toContain("/neuron");
    expect(rejects({ encoding: "sigma-delta", decoding: "spikes" }).join()).toContain("/decoding");
    expect(rejects({ leak: 0.1 }).join()).toContain("/leak");
    expect(rejects({ balancing: "max", percentile: 99 }).join()).toContain("/percentile");
    expect(rejects({ neuron: "izhikevich" }).join()).toContain("/neuron");
  });
});
