/**
 * Writes the converted network as an SNN IR folder: per layer its weights in fan-out order
 * ([in, out]; integers when the source weight was quantized per tensor or per output channel,
 * with the scale beside them), bias, neuron model and thresholds θ = threshold × λ; per host
 * segment its ONNX model.
 */
import { dataTypeName, type ModelProto, type ValueInfoProto } from "../../onnx/index.js";
import type { IrArray } from "../../snn/binary.js";
import { IrFolderWriter } from "../../snn/ir-write.js";
import { SNN_IR_FORMAT, SNN_IR_VERSION, type GraphValue, type Layer, type NeuronModel, type PerChannel, type SnnIr, type WeightRef } from "../../snn/ir.js";
import type { Scale } from "./balance.js";
import type { ElemTypes } from "./elem-types.js";
import { hostModel } from "./host-model.js";
import type { ConvertParams } from "./params.js";
import type { PlannedLayer, Unit } from "./partition.js";
import type { Synapse } from "./synapses.js";

/** What a converted network holds, for the stage's metrics. */
export interface EmittedSummary {
  layers: { name: string; type: Layer["type"]; neurons?: number; synapses?: number; weights?: string; lambda?: number | string }[];
}

/** Writes the IR folder `dir` for `units`. */
export async function emitIr(
  dir: string,
  source: ModelProto,
  sourceDigest: string,
  units: readonly Unit[],
  scales: ReadonlyMap<PlannedLayer, Scale>,
  types: ElemTypes,
  params: ConvertParams,
): Promise<EmittedSummary> {
  const writer = new IrFolderWriter(dir);
  const graph = source.graph!;
  const layers: Layer[] = [];
  const summary: EmittedSummary = { layers: [] };
  // File names from layer names: "blocks.0/fc" → "blocks.0.fc"; two names that map to one stem get a suffix.
  const stems = new Map<string, string>();
  const fileStem = (name: string): string => {
    let stem = stems.get(name);
    if (stem === undefined) {
      const base = name.replace(/[^A-Za-z0-9._-]+/g, ".").replace(/^[._-]+/, "") || "layer";
      const taken = new Set(stems.values());
      stem = base;
      for (let i = 2; taken.has(stem); i++) stem = `${base}-${i}`;
      stems.set(name, stem);
    }
    return stem;
  };
  const perChannel = async (name: string, what: string, value: number | Float64Array, factor: number): Promise<PerChannel> =>
    typeof value === "number" ? value * factor : writer.array(`${fileStem(name)}.${what}.bin`, Float32Array.from(value, (v) => v * factor), [value.length]);
  const neuron = async (layer: PlannedLayer, scale: Scale, initialPotential: number): Promise<NeuronModel> => {
    if (params.encoding === "sigma-delta") return { model: "sigma-delta", scale: await perChannel(layer.name, "scale", scale.value, 1), theta: params.theta };
    const threshold = await perChannel(layer.name, "threshold", scale.value, params.threshold);
    const reset = params.reset;
    return params.neuron === "lif" ? { model: "lif", leak: params.leak ?? 0, reset, threshold, initialPotential } : { model: "if", reset, threshold, initialPotential };
  };
  const initial = params.encoding === "rate" ? params.initial_potential : 0;
  let hostCount = 0;
  for (const unit of units) {
    if (unit.kind === "host") {
      const name = `host-${hostCount++}`;
      const model = hostModel(source, unit, types, name);
      const file = await writer.blob(`${name}.onnx`, model.bytes);
      layers.push({ type: "host", name, model: file, inputs: model.inputs, outputs: model.outputs, ops: model.ops, macProbes: model.macProbes });
      summary.layers.push({ name, type: "host" });
      continue;
    }
    const planned = unit.layer;
    const scale = scales.get(planned);
    const lambda = scale === undefined ? undefined : typeof scale.value === "number" ? scale.value : "per-channel";
    if (planned.kind === "encoder") {
      const features = readerOf(units, planned).inFeatures;
      layers.push({ type: "encoder", name: planned.name, input: planned.input, output: planned.output, features, neuron: await neuron(planned, scale!, initial) });
      summary.layers.push({ name: planned.name, type: "encoder", neurons: features, ...(lambda === undefined ? {} : { lambda }) });
      continue;
    }
    const synapse = planned.synapse!;
    const stem = fileStem(planned.name);
    const weight = await weightRef(writer, stem, synapse);
    const bias = synapse.bias ? await writer.array(`${stem}.bias.bin`, synapse.bias, [synapse.outFeatures]) : undefined;
    const layerNeuron = scale ? await neuron(planned, scale, planned.kind === "spiking" ? initial : 0) : undefined;
    // A membrane-decoded readout keeps the neuron spike decoding would give it, apart (SnnIr: spikeNeuron).
    const spikeDecoding = planned.kind === "spiking" || (params.encoding === "rate" && params.decoding === "spikes");
    layers.push({
      type: planned.kind,
      name: planned.name,
      input: planned.input,
      output: planned.output,
      inFeatures: synapse.inFeatures,
      outFeatures: synapse.outFeatures,
      weight,
      ...(bias ? { bias } : {}),
      ...(layerNeuron ? (spikeDecoding ? { neuron: layerNeuron } : { spikeNeuron: layerNeuron }) : {}),
      ...(planned.decoded ? { decoded: true } : {}),
      source: {
        nodes: planned.nodes.map((node) => node.name).filter((name) => name !== ""),
        ...(synapse.activation?.kind === "gelu" && planned.kind === "spiking" ? { approximations: [`GELU after ${planned.name} runs as ReLU`] } : {}),
      },
    });
    const synapses = synapse.weight.real.reduce((n, w) => n + (w !== 0 ? 1 : 0), 0);
    summary.layers.push({ name: planned.name, type: planned.kind, neurons: synapse.outFeatures, synapses, weights: weight.dtype, ...(lambda === undefined ? {} : { lambda }) });
  }
  const inputs: GraphValue[] = graph.input
    .filter((value) => !graph.initializer.some((t) => t.name === value.name))
    .map((value) => graphValue(value, types.of(value.name)));
  const outputs: GraphValue[] = graph.output.map((value) => graphValue(value, types.of(value.name)));
  const ir: SnnIr = {
    format: SNN_IR_FORMAT,
    version: SNN_IR_VERSION,
    sourceModel: sourceDigest,
    encoding: params.encoding === "rate" ? { type: "rate", timesteps: params.timesteps } : { type: "sigma-delta", timesteps: params.timesteps, theta: params.theta },
    decoding: params.encoding === "rate" ? params.decoding : "membrane",
    inputs,
    outputs,
    layers,
  };
  await writer.finish(ir);
  return summary;
}

/** The first dense layer reading an encoder's stream (it knows the stream's width). */
function readerOf(units: readonly Unit[], encoder: PlannedLayer): Synapse {
  for (const unit of units) if (unit.kind === "layer" && unit.layer.synapse && unit.layer.input === encoder.output) return unit.layer.synapse;
  throw new Error(`convert: encoder ${encoder.name} has no reader`);
}

/** Integers + scale when the grid is per tensor or per output neuron, else the real values. */
async function weightRef(writer: IrFolderWriter, stem: string, synapse: Synapse): Promise<WeightRef> {
  const shape = [synapse.inFeatures, synapse.outFeatures];
  const quantized = synapse.weight.quantized;
  if (quantized && (quantized.axis === undefined || quantized.axis === 1)) {
    const grid = quantized.grid;
    let low = 0;
    let high = 0;
    for (const q of grid) {
      if (q < low) low = q;
      if (q > high) high = q;
    }
    const narrow: IrArray = low >= -128 && high <= 127 ? Int8Array.from(grid) : low >= -32768 && high <= 32767 ? Int16Array.from(grid) : grid;
    const ref = await writer.array(`${stem}.weight.bin`, narrow, shape);
    const scale: PerChannel = quantized.scale.length === 1 ? quantized.scale[0]! : await writer.array(`${stem}.weight-scale.bin`, quantized.scale, [quantized.scale.length]);
    return { ...ref, scale };
  }
  return { ...(await writer.array(`${stem}.weight.bin`, synapse.weight.real, shape)), scale: 1 };
}

function graphValue(value: ValueInfoProto, elemType: number): GraphValue {
  const type = value.type?.value;
  const dims = type?.case === "tensorType" ? (type.value.shape?.dim ?? []) : [];
  const shape = dims.map((dim, i) => (dim.value.case === "dimValue" ? Number(dim.value.value) : dim.value.case === "dimParam" ? dim.value.value : `d${i}`));
  return { name: value.name, dtype: dataTypeName(elemType), shape };
}
