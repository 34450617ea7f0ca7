import { describe, expect, it } from "vitest";
import type { Config } from "../../src/config/types.js";
import { InputError } from "../../src/errors.js";
import { loadProfile } from "../../src/neuro/profile.js";
import { planBuild } from "../../src/plan/expand.js";
import { builtinRegistry } from "../../src/plugins/registry.js";

const config = (recipe: Config["recipe"]): Config => ({
  name: "t",
  model: { task: "classifier", onnx: "m/model.onnx", tokenizer: "m/tokenizer.json" },
  data: {
    evaluation: { path: "m/eval.jsonl", format: "jsonl", window: 128, samples: 10 },
    calibration: { path: "m/calib.jsonl", format: "jsonl", window: 128, samples: 10 },
  },
  evaluation: { threads: 1, optimization: "all", batch: 8, latency_runs: 0 },
  recipe,
  targets: [{ name: "loihi2-sim", params: { chips: 1 }, origin: "targets[0]" }],
  gates: { targets: {} },
  build: { out_dir: "build", store: ".slm", jobs: 2 },
});
const convert = { pass: "convert", params: { encoding: "rate", timesteps: 8 }, origin: "recipe[0]" } as Config["recipe"][number];
const profiles = new Map([["targets[0]", loadProfile({ name: "loihi2-sim" })]]);

describe("planNeuromorphicTarget (loihi2-sim)", () => {
  it("adds legalize → map → simulate → estimate → emit, with profile facts as params named by their origin", () => {
    const plan = planBuild(config([convert]), builtinRegistry(), () => undefined, profiles);
    const ids = plan.order.filter((id) => id.endsWith(":loihi2-sim"));
    expect(ids).toEqual(["legalize:loihi2-sim", "map:loihi2-sim", "simulate:loihi2-sim", "estimate:loihi2-sim", "emit:loihi2-sim"]);
    const map = plan.stages.get("map:loihi2-sim")!;
    expect(map.params).toMatchObject({ neurons_per_core: 8192, cores_per_chip: 128, synaptic_memory_per_core: 131072, weight_bits: 8, chips: 1 });
    expect(map.origins).toMatchObject({ neurons_per_core: "targets[0].profile:constraints.neurons_per_core", chips: "targets[0].chips", host_ops: "targets[0].profile:host_ops" });
    const estimate = plan.stages.get("estimate:loihi2-sim")!;
    expect(estimate.params.e_synaptic_op).toMatchObject({ value: 23.6, unit: "pJ", evidence: "extrapolated" });
    expect(estimate.origins.e_synaptic_op).toBe("targets[0].profile:energy.synaptic_op");
    expect(estimate.origins.host_mac_rate).toBe("targets[0].profile:timing.host_mac_rate");
    // Energy and timing facts reach only estimate: changing one cannot rerun legalize, map or simulate.
    for (const id of ["legalize:loihi2-sim", "map:loihi2-sim", "simulate:loihi2-sim"]) {
      expect(Object.values(plan.stages.get(id)!.origins).some((o) => /profile:(energy|timing)\./.test(o))).toBe(false);
    }
    expect(estimate.row).toEqual({ label: "loihi2-sim", model: { from: "stage", stage: "legalize:loihi2-sim", output: "snn" }, target: "loihi2-sim" });
    expect(plan.stages.get("simulate:loihi2-sim")!.params.state).toBe("fixed");
    expect(plan.stages.get("emit:loihi2-sim")!.materialize).toEqual({ bundle: "targets/loihi2-sim" });
  });

  it("refuses a recipe without convert at the target's config entry", () => {
    const locate = (field: string) => ({ file: "slm.config.yaml", line: field === "targets[0]" ? 9 : 1, column: 5 });
    let error: unknown;
    try {
      planBuild(config([]), builtinRegistry(), locate, profiles);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).format()).toBe(
      "slm.config.yaml:9:5: targets[0]: loihi2-sim runs spiking networks, but the recipe does not end with a convert: step (add convert: as the last recipe step to turn the model into one)",
    );
  });
});
