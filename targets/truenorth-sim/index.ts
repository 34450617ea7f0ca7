import { factRecords, factValues, mergeParams, neuromorphicTargetSchema, planNeuromorphicTarget } from "../../src/neuro/index.js";
import type { TargetPlugin } from "../../src/plugins/registry.js";
import { emitKind } from "./emit.js";
import { estimateKind } from "./estimate.js";
import { legalizeKind } from "./legalize.js";
import { mapKind } from "./map.js";

/**
 * A simulated IBM TrueNorth: ternary crossbar weights with integer registers (legalize), cores
 * with neuron trees and duplicated neurons (map), the integer network run tick by tick with
 * fixed-point state (simulate), 26 pJ per synaptic event and 1 ms ticks (estimate), and a JSON +
 * binary crossbar bundle (emit). Profile facts are stage params with their origins, so editing an
 * energy constant reruns only estimate.
 */
export const target: TargetPlugin = {
  name: "truenorth-sim",
  description: "simulated IBM TrueNorth: 4,096 cores of 256 × 256 binary crossbars, binary spikes, 1 ms tick, 26 pJ per synaptic event",
  schema: neuromorphicTargetSchema(),
  profile: true,
  plan(ctx, use, final) {
    planNeuromorphicTarget(ctx, use, final, {
      legalize: {
        kind: legalizeKind,
        ...factValues(use, { max_weight: "constraints.max_weight", max_leak: "constraints.max_leak", max_threshold_shift: "constraints.max_threshold_shift" }),
      },
      map: {
        kind: mapKind,
        ...factValues(use, { axons_per_core: "constraints.axons_per_core", neurons_per_core: "constraints.neurons_per_core", cores_per_chip: "constraints.cores_per_chip" }),
      },
      // Integer state: thresholds are 2^shift units, so 2^max_threshold_shift units per threshold is exact.
      simulate: mergeParams({ params: { state: "fixed" }, origins: {} }, factValues(use, { fraction_bits: "constraints.max_threshold_shift" })),
      estimate: { kind: estimateKind, ...factRecords(use, { synaptic_event: "energy.synaptic_event", tick: "timing.tick" }) },
      emit: { kind: emitKind, ...factValues(use, { axons_per_core: "constraints.axons_per_core", neurons_per_core: "constraints.neurons_per_core", tick_ms: "timing.tick" }) },
    });
  },
};
