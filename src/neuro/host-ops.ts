/**
 * The host side of a neuromorphic target: every op of the IR's host layers must be one the
 * profile's `host_ops` lets the host CPU run.
 */
import { SlmError } from "../errors.js";
import type { SnnIr } from "../snn/ir.js";
import type { HostPlacement } from "./mapping.js";

/** The IR's host layers with their ops; throws naming the layer and op the profile does not allow. */
export function checkHostOps(target: string, ir: SnnIr, hostOps: readonly string[]): HostPlacement[] {
  const allowed = new Set(hostOps);
  const host: HostPlacement[] = [];
  for (const layer of ir.layers) {
    if (layer.type !== "host") continue;
    const refused = Object.keys(layer.ops).filter((op) => !allowed.has(op)).sort();
    if (refused.length > 0) {
      throw new SlmError(
        `host layer ${layer.name} runs ${refused.join(", ")}, which neither ${target} nor the host may run ` +
          `(the profile's host_ops: ${[...allowed].sort().join(", ") || "none"}); add the op to host_ops in the profile if the host CPU should run it`,
      );
    }
    host.push({ name: layer.name, ops: { ...layer.ops } });
  }
  return host;
}
