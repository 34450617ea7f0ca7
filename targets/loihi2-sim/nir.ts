/**
 * The NIR graph (neuromorphs/NIR, `nir.read`'s HDF5 layout): root `version`, group `node` =
 * the NIRGraph: `type` "NIRGraph", `nodes/<name>/` each with `type` and its fields, `edges`
 * (E × 2 strings). Only on-chip islands are in the graph: each encoder is an `Input` (its analog
 * tensor, from the host or the graph input) then an `IF` node; each dense layer an `Affine`
 * (weight [out, in] in real units per input event: mantissa × scale × the sender's θ) then its
 * neuron (`IF`/`LIF`, or `I` for a membrane readout); tensors leaving an island are `Output`
 * nodes. Rate-coded networks only: NIR has no sigma-delta neuron.
 */
import type { LoadedSnnIr } from "../../src/snn/ir-read.js";
import type { NeuronModel } from "../../src/snn/ir.js";
import { h5, type H5Tree } from "./hdf5.js";
import { eventValue, islands, mantissaOutIn, neuronScale, nodeName, type ChipLayer } from "./islands.js";

/** The NIR version the layout follows. */
export const NIR_VERSION = "1.0.0";

/** The graph's boundary with the host: NIR node name ↔ the IR tensor it carries. */
export interface NirBoundary {
  node: string;
  tensor: string;
}

/** The NIR file's tree (for writeHdf5) and its Input/Output nodes; throws for sigma-delta networks. */
export function nirTree(loaded: LoadedSnnIr): { tree: H5Tree; inputs: NirBoundary[]; outputs: NirBoundary[] } {
  if (loaded.ir.encoding.type !== "rate") throw new Error("NIR has no sigma-delta neuron; only rate-coded networks are written as NIR");
  const nodes: H5Tree = {};
  const edges: Array<[string, string]> = [];
  const inputs: NirBoundary[] = [];
  const outputs: NirBoundary[] = [];
  const chip = islands(loaded).flat();
  const producedBy = new Map(chip.map((l) => [l.output, nodeName(l.name)]));
  const consumed = new Set(chip.map((l) => l.input));
  for (const layer of chip) {
    const name = nodeName(layer.name);
    if (layer.type === "encoder") {
      nodes[`${name}.input`] = { type: "Input", shape: h5.i64([layer.features]) };
      inputs.push({ node: `${name}.input`, tensor: layer.input });
      nodes[name] = neuronNode(loaded, layer.neuron, layer.features);
      edges.push([`${name}.input`, name]);
    } else {
      const { mantissa, scale } = mantissaOutIn(loaded, layer);
      const event = eventValue(loaded, layer);
      const weight = new Float32Array(mantissa.length);
      for (let j = 0; j < layer.outFeatures; j++) for (let i = 0; i < layer.inFeatures; i++) weight[j * layer.inFeatures + i] = mantissa[j * layer.inFeatures + i]! * scale * event[i]!;
      const bias = layer.bias ? loaded.arrays.get(layer.bias.file)! : new Float32Array(layer.outFeatures);
      nodes[`${name}.affine`] = { type: "Affine", weight: h5.f32(weight, [layer.outFeatures, layer.inFeatures]), bias: h5.f32(bias) };
      nodes[name] = layer.neuron ? neuronNode(loaded, layer.neuron, layer.outFeatures) : { type: "I", r: h5.f32(new Float32Array(layer.outFeatures).fill(1)) };
      edges.push([producedBy.get(layer.input)!, `${name}.affine`], [`${name}.affine`, name]);
    }
    if (leavesChip(layer, consumed, loaded)) {
      const width = layer.type === "encoder" ? layer.features : layer.outFeatures;
      nodes[`${name}.output`] = { type: "Output", shape: h5.i64([width]) };
      outputs.push({ node: `${name}.output`, tensor: layer.output });
      edges.push([name, `${name}.output`]);
    }
  }
  edges.sort(([a1, b1], [a2, b2]) => a1.localeCompare(a2) || b1.localeCompare(b2));
  return {
    tree: { version: NIR_VERSION, node: { type: "NIRGraph", nodes, edges: { strings: edges.flat(), shape: [edges.length, 2] } } },
    inputs,
    outputs,
  };
}

/** A layer's output is read off chip: by a host layer, as a graph output, or decoded. */
function leavesChip(layer: ChipLayer, consumedOnChip: ReadonlySet<string>, loaded: LoadedSnnIr): boolean {
  if (layer.type === "readout" || (layer.type === "spiking" && layer.decoded)) return true;
  if (loaded.ir.outputs.some((o) => o.name === layer.output)) return true;
  return !consumedOnChip.has(layer.output);
}

function neuronNode(loaded: LoadedSnnIr, neuron: NeuronModel, n: number): H5Tree {
  const threshold = neuronScale(loaded, neuron, n);
  const common = { r: h5.f32(new Float32Array(n).fill(1)), v_threshold: h5.f32(threshold), v_reset: h5.f32(new Float32Array(n)) };
  if (neuron.model === "lif" && (neuron.leak ?? 0) > 0) {
    // v ← (1 − leak)·v per timestep (dt = 1) is dv/dt = −v/τ with τ = −1 / ln(1 − leak).
    const tau = -1 / Math.log(1 - neuron.leak!);
    return { type: "LIF", tau: h5.f32(new Float32Array(n).fill(tau)), v_leak: h5.f32(new Float32Array(n)), ...common };
  }
  return { type: "IF", ...common };
}
