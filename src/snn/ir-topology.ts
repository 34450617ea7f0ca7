/**
 * The IR checks a schema cannot express: each layer reads tensors an earlier layer or the graph's
 * inputs provide, of the right kind (an analog tensor or a spike stream of the right width);
 * no tensor is produced twice; shapes and per-channel arrays agree with the layer's sizes; the
 * neuron models fit the encoding; every graph output is produced.
 */
import type { InputError } from "../errors.js";
import type { IrArray } from "./binary.js";
import type { BinaryRef, DenseLayer, NeuronModel, PerChannel, SnnIr } from "./ir.js";

/** Throws `fail(message)` at the first inconsistency. */
export function checkTopology(ir: SnnIr, arrays: ReadonlyMap<string, IrArray>, fail: (message: string) => InputError): void {
  const analog = new Set(ir.inputs.map((value) => value.name));
  const streams = new Map<string, number>();
  const produced = new Set<string>(analog);
  const names = new Set<string>();
  const produce = (at: string, tensor: string): void => {
    if (produced.has(tensor)) throw fail(`${at} writes tensor '${tensor}', which an earlier layer or a graph input already provides`);
    produced.add(tensor);
  };
  const checkNeuron = (at: string, neuron: NeuronModel | undefined, neurons: number): void => {
    if (neuron === undefined) return;
    const sigmaDelta = ir.encoding.type === "sigma-delta";
    if ((neuron.model === "sigma-delta") !== sigmaDelta) {
      throw fail(`${at}.neuron.model is ${neuron.model}, which does not fit the network's ${ir.encoding.type} encoding`);
    }
    const [field, value] = neuron.model === "sigma-delta" ? ["scale", neuron.scale] : ["threshold", neuron.threshold];
    checkPerChannel(`${at}.neuron.${field}`, value, neurons, arrays, fail);
  };

  for (const [index, layer] of ir.layers.entries()) {
    const at = `layers[${index}]`;
    if (names.has(layer.name)) throw fail(`${at}.name '${layer.name}' is used by an earlier layer`);
    names.add(layer.name);
    switch (layer.type) {
      case "encoder":
        if (!analog.has(layer.input)) throw fail(`${at}.input '${layer.input}' is not an analog tensor provided before it`);
        checkNeuron(at, layer.neuron, layer.features);
        produce(at, layer.output);
        streams.set(layer.output, layer.features);
        break;
      case "spiking":
      case "readout": {
        checkDense(at, layer, streams, arrays, fail);
        const needsNeuron = layer.type === "spiking" || ir.decoding === "spikes";
        if (needsNeuron !== (layer.neuron !== undefined)) {
          throw fail(`${at}.neuron must ${needsNeuron ? "be present" : "be absent"} on a ${layer.type} layer with ${ir.decoding} decoding`);
        }
        if (layer.type === "readout" && layer.neuron?.model === "sigma-delta") throw fail(`${at}: spike decoding needs rate coding`);
        if (layer.decoded && layer.type !== "spiking") throw fail(`${at}.decoded applies to spiking layers only`);
        checkNeuron(at, layer.neuron, layer.outFeatures);
        if (layer.spikeNeuron !== undefined) {
          if (layer.type !== "readout" || ir.decoding !== "membrane" || layer.spikeNeuron.model === "sigma-delta") {
            throw fail(`${at}.spikeNeuron belongs to readouts with membrane decoding under rate coding only`);
          }
          checkPerChannel(`${at}.spikeNeuron.threshold`, layer.spikeNeuron.threshold, layer.outFeatures, arrays, fail);
        }
        produce(at, layer.output);
        if (layer.type === "spiking") streams.set(layer.output, layer.outFeatures);
        if (layer.type === "readout" || layer.decoded) analog.add(layer.output);
        break;
      }
      case "host":
        for (const [i, input] of layer.inputs.entries()) {
          if (!analog.has(input.name)) throw fail(`${at}.inputs[${i}] '${input.name}' is not an analog tensor provided before it`);
        }
        for (const [i, output] of layer.outputs.entries()) {
          produce(`${at}.outputs[${i}]`, output.name);
          analog.add(output.name);
        }
        for (const [i, probe] of layer.macProbes.entries()) {
          for (const name of [probe.shapeA, probe.shapeY]) {
            if (!layer.outputs.some((output) => output.name === name)) throw fail(`${at}.macProbes[${i}] names '${name}', not one of the layer's outputs`);
          }
        }
        break;
    }
  }
  for (const [i, output] of ir.outputs.entries()) {
    if (!analog.has(output.name)) throw fail(`outputs[${i}] '${output.name}' is not produced by any layer`);
  }
}

function checkDense(
  at: string,
  layer: DenseLayer,
  streams: ReadonlyMap<string, number>,
  arrays: ReadonlyMap<string, IrArray>,
  fail: (message: string) => InputError,
): void {
  const width = streams.get(layer.input);
  if (width === undefined) throw fail(`${at}.input '${layer.input}' is not a spike stream provided before it`);
  if (width !== layer.inFeatures) throw fail(`${at}.inFeatures is ${layer.inFeatures} but its input stream '${layer.input}' has ${width} neurons`);
  const [rows, cols] = layer.weight.shape;
  if (rows !== layer.inFeatures || cols !== layer.outFeatures) {
    throw fail(`${at}.weight.shape is [${layer.weight.shape.join(", ")}], not [inFeatures, outFeatures] = [${layer.inFeatures}, ${layer.outFeatures}]`);
  }
  checkPerChannel(`${at}.weight.scale`, layer.weight.scale, layer.outFeatures, arrays, fail);
  if (layer.bias) checkVector(`${at}.bias`, layer.bias, layer.outFeatures, fail);
}

function checkVector(field: string, ref: BinaryRef, length: number, fail: (message: string) => InputError): void {
  if (ref.dtype !== "float32" || ref.shape.length !== 1 || ref.shape[0] !== length) {
    throw fail(`${field} must be float32 [${length}], got ${ref.dtype} [${ref.shape.join(", ")}]`);
  }
}

/** A scalar, or a float32 file of one finite positive value per neuron. */
function checkPerChannel(field: string, value: PerChannel, neurons: number, arrays: ReadonlyMap<string, IrArray>, fail: (message: string) => InputError): void {
  if (typeof value === "number") return; // the schema requires a positive number
  checkVector(field, value, neurons, fail);
  const array = arrays.get(value.file)!;
  const bad = array.findIndex((x) => !(x > 0));
  if (bad >= 0) throw fail(`${field}: file ${value.file} holds ${array[bad]} at element ${bad}; every value must be positive`);
}
