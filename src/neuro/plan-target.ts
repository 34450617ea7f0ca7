/**
 * The stages of a neuromorphic target, planned the same way for every chip. A target's
 * index.ts supplies its stage kinds and the params each reads (profile facts bound with
 * factValues/factRecords); this adds, ids suffixed `:<target>`:
 *
 *   legalize:<t>  inputs {snn: the convert step's IR}            → `snn` (legalized IR folder)
 *   map:<t>       inputs {snn: legalized}                         → `mapping.json`
 *   simulate:<t>  the `simulate` kind on the legalized IR and the ANN it came from → `metrics.json`
 *   estimate:<t>  inputs {mapping, simulation}                    → `metrics.json`: THE REPORT ROW
 *   emit:<t>      inputs {snn: legalized, mapping}                → `bundle`, materialized at build/targets/<t>/
 *
 * emit does not read the estimate: the deployable bundle depends on the network and its
 * mapping only, so a new evaluation slice or energy constant never rebuilds it.
 *
 * legalize and map also get `host_ops` (the profile's list) and map gets `chips` (the config's),
 * estimate gets `host_mac_rate` (timing.host_mac_rate): every chip reads those the same way.
 */
import { InputError } from "../errors.js";
import type { PlanContext } from "../plan/plan-context.js";
import type { AnyStageKind } from "../plan/stage-kind.js";
import type { RecipeResult, TargetUse } from "../plugins/registry.js";
import { MAPPING_FILE } from "./mapping.js";
import { factRecords, mergeParams, profileOf, profileOrigin, useParams, type BoundParams } from "./params.js";

/** A stage kind with the params it is bound to. */
export interface BoundStep extends Partial<BoundParams> {
  kind: AnyStageKind;
}

/** What a target supplies for each of its stages. */
export interface NeuromorphicSteps {
  legalize: BoundStep;
  map: BoundStep;
  /** simulate's settings (simulateSchema: `state`, `fraction_bits`) with their origins. */
  simulate: BoundParams;
  estimate: BoundStep;
  emit: BoundStep;
}

/** The ids of the stages a target's plan added. */
export interface NeuromorphicStageIds {
  legalize: string;
  map: string;
  simulate: string;
  estimate: string;
  emit: string;
}

/**
 * Adds a neuromorphic target's five stages. The recipe must end with `convert:` (a spiking
 * network); otherwise an InputError at the target's config entry says so.
 */
export function planNeuromorphicTarget(ctx: PlanContext, use: TargetUse, final: RecipeResult, steps: NeuromorphicSteps): NeuromorphicStageIds {
  const t = use.name;
  if (!final.snn) {
    throw new InputError(
      `${use.origin}: ${t} runs spiking networks, but the recipe does not end with a convert: step (add convert: as the last recipe step to turn the model into one)`,
      { location: ctx.locate(use.origin) },
    );
  }
  const profile = profileOf(use);
  const hostOps: BoundParams = { params: { host_ops: [...profile.host_ops] }, origins: { host_ops: profileOrigin(use, "host_ops") } };
  const ids: NeuromorphicStageIds = { legalize: `legalize:${t}`, map: `map:${t}`, simulate: `simulate:${t}`, estimate: `estimate:${t}`, emit: `emit:${t}` };
  const bound = (step: BoundStep, ...extra: BoundParams[]): BoundParams => mergeParams({ params: step.params ?? {}, origins: step.origins ?? {} }, ...extra);

  ctx.builder.add({ id: ids.legalize, kind: steps.legalize.kind, ...bound(steps.legalize, hostOps), inputs: { snn: final.snn.snn }, materialize: {} });
  const snn = ctx.fromStage(ids.legalize, "snn");
  ctx.builder.add({ id: ids.map, kind: steps.map.kind, ...bound(steps.map, hostOps, useParams(use, ["chips"])), inputs: { snn }, materialize: {} });
  const mapping = ctx.fromStage(ids.map, MAPPING_FILE);
  ctx.simulate(t, { snn, model: final.model }, steps.simulate);
  ctx.builder.add({
    id: ids.estimate,
    kind: steps.estimate.kind,
    ...bound(steps.estimate, factRecords(use, { host_mac_rate: "timing.host_mac_rate" })),
    inputs: { mapping, simulation: ctx.fromStage(ids.simulate, "metrics.json") },
    // simulate:<t> already materializes build/metrics/<t>.json (its own figures); the row's are beside it.
    materialize: { "metrics.json": `metrics/${t}.estimate.json` },
    row: { label: t, model: snn, target: t },
  });
  ctx.builder.add({
    id: ids.emit,
    kind: steps.emit.kind,
    ...bound(steps.emit),
    inputs: { snn, mapping },
    materialize: { bundle: `targets/${t}` },
  });
  return ids;
}
