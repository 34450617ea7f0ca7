/** The loihi2-sim bundle's README.md. */
import type { SnnIr } from "../../src/snn/ir.js";
import type { Json } from "../../src/util/canonical-json.js";

export function readme(ir: SnnIr, fields: Record<string, Json>, notes: readonly string[]): string {
  const islands = (fields.islands as string[][]).map((island, k) => `- island ${k}: ${island.join(" → ")}`).join("\n");
  const hostLayers = fields.hostLayers as Array<{ name: string; file: string; inputs: string[]; outputs: string[] }>;
  const host = hostLayers.length > 0 ? hostLayers.map((h) => `- ${h.name}: \`${h.file}\` (ONNX), reads ${h.inputs.join(", ")}; writes ${h.outputs.join(", ")}`).join("\n") : "- none";
  return `# loihi2-sim bundle

Built by slm from a ${ir.encoding.type}-coded spiking network (T = ${ir.encoding.timesteps}) legalized for
Intel Loihi 2: 8-bit weight mantissas with a per-layer exponent. Nothing here ran on a Loihi
chip; slm's report (build/metrics/loihi2-sim.estimate.json) estimates its energy and latency.

## Files
- \`network.nir\`: NIR graph (HDF5; \`nir.read("network.nir")\`) of the on-chip layers. Weights are
  real-valued per input event (mantissa × 2^exponent × the sender's threshold); IF neurons reset
  by subtraction in slm's simulator, while NIR's IF resets to \`v_reset\`.
- \`${(fields.netx as string[]).join("`, `") || "network.net"}\`: lava-dl netx networks (HDF5;
  \`lava.lib.dl.netx.hdf5.Network(net_config=...)\`), one per on-chip island. Integer weight, bias
  and vThMant share one unit per layer (2^-6 of a weight step times one input event).
- \`host/\`: ONNX models of the layers the host CPU runs between the islands.
- \`mapping.json\`: cores per layer and chips.
- \`manifest.json\`: sha256 and size of every file.

The on-chip islands and the host layers run in the IR's order (slm's docs/snn-ir.md): a host
layer's outputs feed the next island's \`Input\` node (its encoder), and an island's \`Output\`
nodes feed the host layers that read them, by tensor name (manifest.json's \`nir.inputs\` and
\`nir.outputs\` pair each boundary node with its tensor).

## On chip
${islands}

## On the host
${host}
${notes.length > 0 ? `\n## Notes\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}`;
}
