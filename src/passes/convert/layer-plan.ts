/**
 * Which synapses go on chip, as what. A MatMul/Gemm + ReLU (or + GELU, when approximated) is a
 * spiking layer; it reads the spike stream of the layer before it, or an encoder of its analog
 * input. A MatMul/Gemm without an activation that reads spikes is a readout, decoded back to
 * values. Everything else stays on the host.
 */
import type { PlannedLayer } from "./partition.js";
import type { Synapse } from "./synapses.js";

/** The on-chip layers in topological order (each encoder right before its first reader). */
export function planLayers(synapses: readonly Synapse[], approximateGelu: boolean): PlannedLayer[] {
  const layers: PlannedLayer[] = [];
  const streams = new Map<string, PlannedLayer>();
  const names = new Set<string>();
  const unique = (wanted: string): string => {
    let name = wanted;
    for (let i = 2; names.has(name); i++) name = `${wanted}-${i}`;
    names.add(name);
    return name;
  };
  for (const synapse of synapses) {
    const activation = synapse.activation;
    const spiking = activation !== undefined && (activation.kind === "relu" || approximateGelu);
    let stream = streams.get(synapse.input);
    if (spiking && !stream) {
      stream = { kind: "encoder", name: unique(`encoder:${synapse.input}`), input: synapse.input, output: `spikes:${synapse.input}`, nodes: [] };
      layers.push(stream);
      streams.set(synapse.input, stream);
    }
    if (!stream) continue; // analog in, no ReLU: a host op
    const name = unique(layerName(synapse.node));
    if (spiking) {
      const layer: PlannedLayer = { kind: "spiking", name, input: stream.output, output: activation.output, nodes: [...synapse.nodes, ...activation.nodes], synapse };
      layers.push(layer);
      streams.set(activation.output, layer);
    } else {
      layers.push({ kind: "readout", name, input: stream.output, output: synapse.affine, nodes: synapse.nodes, synapse });
    }
  }
  return layers;
}

/** `/blocks.0/fc/MatMul` → `blocks.0/fc`: the exporter's module path. */
export function layerName(node: string): string {
  const trimmed = node.replace(/^\/+/, "").replace(/\/(MatMul|Gemm)(_\d+)?$/, "");
  return trimmed === "" ? node : trimmed;
}
