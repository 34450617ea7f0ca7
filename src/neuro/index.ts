/**
 * The shared code of the neuromorphic targets (loihi2-sim, truenorth-sim, akida-sim). A chip is a
 * folder `targets/<name>/` with a hardware profile `target.yaml` and an `index.ts` exporting a
 * TargetPlugin with `profile: true`; nothing else in slm changes. docs/targets.md is the prose.
 *
 * ## Profiles (profile.ts, schemas/target.schema.json)
 * `target.yaml`: `name`, `description`, fact groups `constraints` (legalize, map), `timing` and
 * `energy` (estimate), `host_ops` (ONNX ops the host may run), optional `cross_checks`. A fact is
 * `{value, unit, source, evidence: measured|simulated|derived|extrapolated|assumed, note?}`
 * (note required for derived, extrapolated, assumed). `loadProfile({name, path?, projectDir?})`
 * validates it (InputError, exit 2, at file:line:col); `profile.fact("energy.synaptic_op")` and
 * `profile.number(path)` throw an InputError naming the missing field and file. The project loads
 * the profiles of the configured targets (src/exec/project.ts; a config may point a target at its
 * own copy with `profile: chips/my.yaml`) and the planner hands each to its plugin as
 * `TargetUse.profile`. Every profile must have `timing.host_mac_rate` (host MACs per second).
 *
 * ## Params (params.ts, target-schema.ts)
 * `neuromorphicTargetSchema(props)`: the target's params schema with `profile` and `chips`
 * (default 1). `factValues(use, {param: "constraints.x"})` binds fact values as params (legalize,
 * map), `factRecords(use, {param: "energy.y"})` whole facts (estimate, which labels its figures
 * with their evidence); origins read `targets[i].profile:<path>`, so editing an energy constant
 * reruns only estimate and what follows. `useParams(use, names)` binds config params.
 *
 * ## Stages (plan-target.ts)
 * `planNeuromorphicTarget(ctx, use, final, {legalize, map, simulate, estimate, emit})` adds
 * `legalize:<t>` (inputs {snn} → output `snn`, params + `host_ops`), `map:<t>` ({snn} →
 * `mapping.json`, params + `host_ops`, `chips`), `simulate:<t>` (src/snn's simulate kind on the
 * legalized IR; give `{params: {state: "fixed", fraction_bits}, origins}` for integer state),
 * `estimate:<t>` ({mapping, simulation} → `metrics.json`, the report row, params +
 * `host_mac_rate`), `emit:<t>` ({snn, mapping, estimate} → `bundle`, at build/targets/<t>/).
 * Without a `convert:` step: an InputError at the target's config entry.
 *
 * ## Helpers for the stage kinds
 * - host-ops.ts `checkHostOps(target, ir, hostOps)`: host layers' ops must be in host_ops (stage error naming the layer).
 * - ir-copy.ts `writeLegalizedIr(loaded, dir, rewrites)`: the IR written anew with some layers' weights replaced.
 * - mapping.ts `placeOnChips(capacity, demands, host, weightBits)`: lays layers (each with its
 *   `units` and `reason`) onto chips; fails naming the layer and the numbers; `writeMapping`/`readMapping`.
 * - estimate.ts `estimateKind(target, version, chipModel)`: the estimate stage; a ChipModel gives
 *   `chipSeconds` and `chipJoules` (Terms with formula and evidence); the framework adds host time
 *   (HostMACs / host_mac_rate), host energy (45 nm fp32 MACs), the generic energy and the row figures.
 * - energy.ts: the generic 45 nm model (Horowitz, ISSCC 2014): `annEnergyPj`, `snnEnergyPj`, `precisionForBits`.
 * - bundle.ts `openBundle(dir)`, `finishBundle(bundle, target, readme, fields)`: README + manifest.json with every file's sha256.
 */
export { checkHostOps } from "./host-ops.js";
export { writeLegalizedIr, type LayerRewrite } from "./ir-copy.js";
export { annEnergyPj, fmt, GENERIC_EVIDENCE, GENERIC_MODEL, HOROWITZ_45NM, precisionForBits, snnEnergyPj, type Precision, type SnnOpCounts } from "./energy.js";
export {
  estimateInput,
  estimateKind,
  estimateMetrics,
  type ChipModel,
  type EstimateInput,
  type EstimateParams,
  type FactParam,
  type LayerLoad,
  type PerInference,
  type SimulatedLayer,
  type SimulationFigures,
  type Term,
} from "./estimate.js";
export { finishBundle, openBundle, type Bundle } from "./bundle.js";
export { MAPPING_FILE, placeOnChips, readMapping, round, writeMapping, type Capacity, type HostPlacement, type LayerDemand, type Mapping, type PlacedLayer } from "./mapping.js";
export { factRecords, factValues, mergeParams, profileOf, profileOrigin, useParams, type BoundParams } from "./params.js";
export { planNeuromorphicTarget, type BoundStep, type NeuromorphicStageIds, type NeuromorphicSteps } from "./plan-target.js";
export { EVIDENCE, factJson, isFact, loadProfile, Profile, shippedProfilePath, weakestEvidence, type CrossCheck, type Evidence, type Fact, type FactGroup, type FactValue, type ProfileData, type ProfileSource } from "./profile.js";
export { neuromorphicParams, neuromorphicTargetSchema } from "./target-schema.js";
