import { estimateKind, factRecords, factValues, mergeParams, neuromorphicTargetSchema, planNeuromorphicTarget } from "../../src/neuro/index.js";
import type { TargetPlugin } from "../../src/plugins/registry.js";
import { loihiChipModel, type LoihiEstimateParams } from "./chip-model.js";
import { emitKind } from "./emit.js";
import { legalizeKind } from "./legalize.js";
import { mapKind } from "./map.js";

const NAME = "loihi2-sim";

/** The estimate stage: Loihi 1 per-event costs (extrapolated) and Loihi 2's measured static power. */
const loihiEstimateKind = estimateKind<LoihiEstimateParams>(NAME, "1", loihiChipModel);

/**
 * Intel Loihi 2, simulated: the spiking network legalized to 8-bit weight mantissas with a
 * per-layer exponent, packed into cores of 8,192 neurons and 128 KiB of synaptic memory,
 * simulated with integer (fixed-point) state, estimated from per-event costs, and emitted as
 * NIR and lava-dl netx HDF5 files. The numbers are the profile's (target.yaml).
 */
export const target: TargetPlugin = {
  name: NAME,
  description: "Intel Loihi 2 (simulated): 8-bit weights with exponent, 8,192-neuron cores, NIR and lava-dl netx bundle",
  schema: neuromorphicTargetSchema(),
  profile: true,
  plan(ctx, use, final) {
    const weightBits = factValues(use, { weight_bits: "constraints.weight_mantissa_bits" });
    planNeuromorphicTarget(ctx, use, final, {
      legalize: { kind: legalizeKind, ...weightBits },
      map: {
        kind: mapKind,
        ...mergeParams(
          weightBits,
          factValues(use, {
            cores_per_chip: "constraints.cores_per_chip",
            neurons_per_core: "constraints.neurons_per_core",
            synaptic_memory_per_core: "constraints.synaptic_memory_per_core",
          }),
          { params: { origin: use.origin }, origins: { origin: use.origin } },
        ),
      },
      // Loihi's neuron state is integer: the simulator rounds it to 12 fraction bits of each threshold.
      simulate: { params: { state: "fixed" }, origins: { state: use.origin } },
      estimate: {
        kind: loihiEstimateKind,
        ...factRecords(use, {
          t_synaptic_op: "timing.synaptic_op",
          t_neuron_active: "timing.neuron_update_active",
          t_neuron_idle: "timing.neuron_update_inactive",
          t_barrier: "timing.barrier",
          e_synaptic_op: "energy.synaptic_op",
          e_neuron_active: "energy.neuron_update_active",
          e_neuron_idle: "energy.neuron_update_inactive",
          e_spike: "energy.spike_within_tile",
          static_power: "energy.static_power",
        }),
      },
      emit: { kind: emitKind },
    });
  },
};
