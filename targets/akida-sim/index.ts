import { InputError } from "../../src/errors.js";
import { factRecords, factValues, mergeParams, neuromorphicTargetSchema, planNeuromorphicTarget, profileOf, profileOrigin, type BoundParams } from "../../src/neuro/index.js";
import type { PlanContext } from "../../src/plan/plan-context.js";
import type { TargetPlugin, TargetUse } from "../../src/plugins/registry.js";
import { emitKind } from "./emit.js";
import { estimateKind } from "./estimate.js";
import { legalizeKind } from "./legalize.js";
import { mapKind } from "./map.js";

const NAME = "akida-sim";

/** Bits a version stores weights and activations in when the config does not say. */
const DEFAULT_BITS = { 1: 4, 2: 8 } as const;

/**
 * A simulated BrainChip Akida: integer weights and activations of the version's bit widths, one
 * pass per input (legalize: a sigma-delta IR with T = 1), neural processors allocated by their
 * SRAM budgets (map), events = nonzero quantized activations (simulate), energy and latency from
 * the measured board figures (estimate), a JSON + packed-binary bundle (emit).
 */
export const target: TargetPlugin = {
  name: NAME,
  description: "simulated BrainChip Akida (1.0: AKD1000, 1/2/4-bit; 2.0: 4/8-bit): integer events, no timesteps, NPs by SRAM budget",
  schema: neuromorphicTargetSchema({
    version: { enum: [1, 2], default: 1, description: "Akida 1.0 (AKD1000: weights and activations of 1, 2 or 4 bits) or 2.0 (4 or 8 bits)." },
    weight_bits: { enum: [1, 2, 4, 8], description: "Bits of the weights (default: 4 on version 1, 8 on version 2); must be one the version has." },
    activation_bits: { enum: [1, 2, 4, 8], description: "Bits of the activations (events) (default: 4 on version 1, 8 on version 2); must be one the version has." },
  }),
  profile: true,
  plan(ctx, use, final) {
    const version = (use.params.version ?? 1) as 1 | 2;
    const v = `constraints.v${version}`;
    const bits = bitParams(ctx, use, version);
    const widths = mergeParams({ params: { version }, origins: { version: `${use.origin}.version` } }, bits, factValues(use, { input_bits: "constraints.input_bits" }));
    planNeuromorphicTarget(ctx, use, final, {
      legalize: { kind: legalizeKind, ...mergeParams(widths, factValues(use, { max_inputs: version === 1 ? `${v}_fc_max_inputs` : `${v}_dense_max_inputs` })) },
      map: {
        kind: mapKind,
        ...mergeParams(
          bits,
          factValues(use, {
            weight_sram_words: `${v}_weight_sram_words`,
            weight_word_bits: `${v}_weight_word_bits`,
            input_sram_words: `${v}_input_sram_words`,
            input_word_bits: "constraints.input_word_bits",
            nps_per_chip: `${v}_nps_per_chip`,
          }),
        ),
      },
      simulate: { params: { state: "float" }, origins: {} },
      estimate: { kind: estimateKind, ...factRecords(use, { board_power: "energy.board_power", board_fps: "timing.board_fps", board_nps: "timing.board_nps" }) },
      emit: { kind: emitKind, ...widths },
    });
  },
};

/** weight_bits and activation_bits with their origins; a bit width the version lacks is a config error. */
function bitParams(ctx: PlanContext, use: TargetUse, version: 1 | 2): BoundParams {
  const path = `constraints.v${version}_bits`;
  const allowed = profileOf(use).fact(path).value as number[];
  const params: Record<string, number> = {};
  const origins: Record<string, string> = {};
  for (const name of ["weight_bits", "activation_bits"]) {
    const value = (use.params[name] ?? DEFAULT_BITS[version]) as number;
    if (!allowed.includes(value)) {
      throw new InputError(`${use.origin}.${name}: Akida ${version}.0 has ${allowed.join(", ")}-bit weights and activations, not ${value} (${profileOrigin(use, path)})`, {
        location: ctx.locate(use.params[name] === undefined ? `${use.origin}.version` : `${use.origin}.${name}`),
      });
    }
    params[name] = value;
    origins[name] = `${use.origin}.${name}`;
  }
  return { params, origins };
}
