import type { GateLimits, Gates } from "../config/types.js";
import type { GateCheck, GateName } from "../report/model.js";

/** One limit of `gates:`: which gate, where the config sets it, the target it is scoped to. */
export interface GateSpec {
  gate: GateName;
  /** Config path, e.g. `gates.latency_ms` or `gates.targets.loihi2-sim.energy_uj`. */
  field: string;
  target?: string;
  /** In the gate's unit (GATE_UNITS); `perplexity_increase: 5%` is 5. */
  limit: number;
}

/** The gates in the order they are checked and listed; each with its unit. */
export const GATE_UNITS: Readonly<Record<GateName, GateCheck["unit"]>> = {
  perplexity_increase: "%",
  accuracy_drop: "pt",
  energy_uj: "µJ",
  latency_ms: "ms",
};

export const GATE_NAMES = Object.keys(GATE_UNITS) as GateName[];

/** The gates of a validated config: the global ones, then each target's (targets by name). */
export function gateSpecs(gates: Gates): GateSpec[] {
  const specs = limitsOf(gates, "gates");
  for (const target of Object.keys(gates.targets).sort()) {
    specs.push(...limitsOf(gates.targets[target]!, `gates.targets.${target}`).map((spec) => ({ ...spec, target })));
  }
  return specs;
}

function limitsOf(limits: GateLimits, prefix: string): GateSpec[] {
  return GATE_NAMES.flatMap((gate) => {
    const written = limits[gate];
    if (written === undefined) return [];
    // The schema admits `perplexity_increase` only as a percentage such as "5%" or "2.5 %".
    const limit = typeof written === "string" ? Number.parseFloat(written) : written;
    return [{ gate, field: `${prefix}.${gate}`, limit }];
  });
}
