/**
 * Writing a legalized copy of an SNN IR: every array and host model is rewritten through an
 * IrFolderWriter (so sha256s stay right), with the layers a legalize stage changed swapped in.
 */
import type { IrArray } from "../snn/binary.js";
import type { LoadedSnnIr } from "../snn/ir-read.js";
import { withoutSpikeNeuron, type BinaryRef, type Layer, type PerChannel, type SnnIr } from "../snn/ir.js";
import { IrFolderWriter } from "../snn/ir-write.js";

/** A layer's replacement: `weight` (stored array and its scale) for a dense layer. */
export interface LayerRewrite {
  weight?: { array: IrArray; scale: number };
}

/** Writes `loaded` to `dir` with the rewrites applied (by layer name); returns the new IR. */
export async function writeLegalizedIr(loaded: LoadedSnnIr, dir: string, rewrites: ReadonlyMap<string, LayerRewrite>): Promise<SnnIr> {
  const writer = new IrFolderWriter(dir);
  const copy = async (ref: BinaryRef): Promise<BinaryRef> => writer.array(ref.file, loaded.arrays.get(ref.file)!, ref.shape);
  const copyPerChannel = async (value: PerChannel): Promise<PerChannel> => (typeof value === "number" ? value : copy(value));
  const layers: Layer[] = [];
  for (const layer of loaded.ir.layers) {
    if (layer.type === "host") {
      layers.push({ ...layer, model: await writer.blob(layer.model.file, loaded.blobs.get(layer.model.file)!) });
      continue;
    }
    const neuron = layer.neuron && (layer.neuron.model === "sigma-delta"
      ? { ...layer.neuron, scale: await copyPerChannel(layer.neuron.scale) }
      : { ...layer.neuron, threshold: await copyPerChannel(layer.neuron.threshold) });
    if (layer.type === "encoder") {
      layers.push({ ...layer, neuron: neuron! });
      continue;
    }
    const rewrite = rewrites.get(layer.name)?.weight;
    const weight = rewrite
      ? { ...(await writer.array(layer.weight.file, rewrite.array, layer.weight.shape)), scale: rewrite.scale }
      : { ...(await copy(layer.weight)), scale: await copyPerChannel(layer.weight.scale) };
    layers.push({ ...withoutSpikeNeuron(layer), weight, ...(layer.bias ? { bias: await copy(layer.bias) } : {}), ...(neuron ? { neuron } : {}) });
  }
  const ir: SnnIr = { ...loaded.ir, layers };
  await writer.finish(ir);
  return ir;
}
