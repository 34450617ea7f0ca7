/**
 * Splits a model into on-chip layers and host segments, in an order that runs: every node not
 * absorbed into a spiking layer runs on the host, grouped into as few segments as the data
 * dependencies allow (a segment runs all host nodes whose inputs are ready, then the layers
 * whose inputs are ready run, and so on). Constant nodes are copied into each segment that
 * reads them. When the host needs a tensor that only exists inside a layer, the node making it
 * runs on the host too; when it needs a spiking layer's output, that layer is decoded.
 */
import { SlmError } from "../../errors.js";
import { inDefaultDomain, type GraphProto, type NodeProto } from "../../onnx/index.js";
import type { Synapse } from "./synapses.js";

/** A layer the converter puts on chip. */
export interface PlannedLayer {
  kind: "encoder" | "spiking" | "readout";
  name: string;
  /** encoder: the analog tensor; dense: the spike stream it reads. */
  input: string;
  /** encoder: its spike stream; spiking: the ReLU output it stands for; readout: its analog output. */
  output: string;
  /** The ONNX nodes it stands for (none for an encoder). */
  nodes: NodeProto[];
  synapse?: Synapse;
  /** spiking: the host needs its output as values. */
  decoded?: boolean;
}

/** A run of host nodes, as one ONNX model. */
export interface HostSegment {
  kind: "host";
  /** In graph order, with the Constant nodes it reads. */
  nodes: NodeProto[];
  /** Tensors it reads from outside (graph inputs, layers, earlier segments); initializers excluded. */
  inputs: string[];
  /** Tensors it makes that later units or the graph's outputs need. */
  outputs: string[];
}

export type Unit = HostSegment | { kind: "layer"; layer: PlannedLayer };

/** The units in run order. `order` is the graph's topological order. */
export function partition(graph: GraphProto, order: readonly NodeProto[], layers: readonly PlannedLayer[]): Unit[] {
  const producers = new Map<string, NodeProto>();
  for (const node of order) for (const output of node.output) producers.set(output, node);
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const isConstant = (node: NodeProto): boolean => node.opType === "Constant" && inDefaultDomain(node);
  const absorbed = new Set(layers.flatMap((layer) => layer.nodes));
  const analogFromLayer = new Map<string, PlannedLayer>();
  for (const layer of layers) if (layer.kind !== "encoder") analogFromLayer.set(layer.output, layer);

  // Which nodes the host runs: all but the absorbed ones, plus absorbed ones whose inner tensors the host reads.
  const host = new Set(order.filter((node) => !absorbed.has(node) && !isConstant(node)));
  const needed = [...[...host].flatMap((node) => node.input), ...graph.output.map((v) => v.name)];
  for (const layer of layers) if (layer.kind === "encoder") needed.push(layer.input);
  const seen = new Set<string>();
  while (needed.length > 0) {
    const name = needed.pop()!;
    if (name === "" || seen.has(name)) continue;
    seen.add(name);
    const producer = producers.get(name);
    if (!producer || !absorbed.has(producer) || host.has(producer) || isConstant(producer)) continue;
    const layer = analogFromLayer.get(name);
    if (layer?.kind === "readout") continue;
    if (layer?.kind === "spiking") {
      layer.decoded = true;
      continue;
    }
    host.add(producer);
    needed.push(...producer.input);
  }

  const available = new Set<string>([...graph.input.map((v) => v.name), ...initializers]);
  const constantOutputs = new Map<string, NodeProto>();
  for (const node of order) if (isConstant(node)) for (const output of node.output) constantOutputs.set(output, node);
  let pendingHost = order.filter((node) => host.has(node));
  let pendingLayers = [...layers];
  const units: Unit[] = [];
  while (pendingHost.length > 0 || pendingLayers.length > 0) {
    const batch: NodeProto[] = [];
    for (const node of pendingHost) {
      if (node.input.every((name) => name === "" || available.has(name) || constantOutputs.has(name))) {
        batch.push(node);
        for (const output of node.output) available.add(output);
      }
    }
    if (batch.length > 0) {
      pendingHost = pendingHost.filter((node) => !batch.includes(node));
      units.push({ kind: "host", nodes: batch, inputs: [], outputs: [] });
    }
    const ready = pendingLayers.filter((layer) => {
      if (!available.has(layer.input)) return false;
      available.add(layer.output);
      return true;
    });
    pendingLayers = pendingLayers.filter((layer) => !ready.includes(layer));
    for (const layer of ready) units.push({ kind: "layer", layer });
    if (batch.length === 0 && ready.length === 0) {
      const stuck = pendingLayers[0]?.name ?? pendingHost[0]?.name ?? "?";
      throw new SlmError(`convert: cannot order the host and spiking parts of the model (stuck at '${stuck}')`);
    }
  }
  wireSegments(units, graph, constantOutputs, initializers);
  return units;
}

/** Fills each segment's inputs and outputs, and copies in the Constant nodes it reads. */
function wireSegments(units: Unit[], graph: GraphProto, constants: ReadonlyMap<string, NodeProto>, initializers: ReadonlySet<string>): void {
  const graphOutputs = new Set(graph.output.map((v) => v.name));
  for (const [index, unit] of units.entries()) {
    if (unit.kind !== "host") continue;
    const made = new Set(unit.nodes.flatMap((node) => node.output));
    const copied = new Set<NodeProto>();
    const inputs = new Set<string>();
    for (const node of unit.nodes) {
      for (const name of node.input) {
        if (name === "" || made.has(name) || initializers.has(name)) continue;
        const constant = constants.get(name);
        if (constant) copied.add(constant);
        else inputs.add(name);
      }
    }
    const later = units.slice(index + 1);
    const readLater = new Set<string>([
      ...graphOutputs,
      ...later.flatMap((u) => (u.kind === "host" ? u.nodes.flatMap((node) => node.input) : [u.layer.input])),
    ]);
    unit.inputs = [...inputs];
    unit.outputs = [...made].filter((name) => readLater.has(name));
    unit.nodes = [...copied, ...unit.nodes];
  }
}
