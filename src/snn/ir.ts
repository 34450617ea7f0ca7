/**
 * The SNN IR: what the convert stage writes and the simulator, the targets and the emitters read.
 * A folder holding `snn.json` (this structure; schema: schemas/snn-ir.schema.json, prose:
 * docs/snn-ir.md) and little-endian binary files it refers to by name, size and sha256.
 *
 * Values flow between layers as named tensors, named as in the source ONNX model: a layer reads
 * one tensor and writes one; a host layer (an ONNX model of the ops that cannot spike) reads and
 * writes several. Spike streams are tensors too: an encoder turns an analog tensor into one, a
 * spiking layer's output stream stands for its ReLU's output.
 *
 * Units: thresholds, biases and weights × scales are in the source model's real units. A binary
 * spike of a neuron with threshold θ stands for the value θ in the next layer's input (θ = the
 * threshold scale × the activation scale λ from calibration): each layer receives Σ w·θ_pre per
 * timestep, which is how threshold balancing works without rewriting the weights.
 */

export const SNN_IR_FORMAT = "slm-snn-ir";
export const SNN_IR_VERSION = 1;
/** The IR's JSON file inside its folder. */
export const SNN_IR_FILE = "snn.json";

/** Element types of binary arrays (little-endian). */
export const DTYPES = ["float32", "int8", "uint8", "int16", "int32"] as const;
export type Dtype = (typeof DTYPES)[number];

/** A little-endian binary array in a file beside snn.json (a plain file name, no folders). */
export interface BinaryRef {
  file: string;
  dtype: Dtype;
  shape: number[];
  /** Hex sha256 of the file's bytes. */
  sha256: string;
}

/** One value for a whole layer, or a float32 [neurons] file with one per neuron (channel). */
export type PerChannel = number | BinaryRef;

/** How inputs are presented: for T timesteps, as binary rate-coded spikes or as graded sigma-delta changes. */
export type Encoding = { type: "rate"; timesteps: number } | { type: "sigma-delta"; timesteps: number; theta: number };

/** How readout layers give values back: their integrated potential, or signed spike counts. */
export type Decoding = "membrane" | "spikes";

/** Integrate-and-fire neurons (leak 0) or leaky ones; binary spikes. */
export interface RateNeuron {
  model: "if" | "lif";
  /** lif: fraction of the potential lost per timestep (applied before the input is added). */
  leak?: number;
  reset: "subtract" | "zero";
  /** Firing threshold θ (real units); a spike stands for θ downstream. */
  threshold: PerChannel;
  /** Potential at the first timestep, as a fraction of the threshold. */
  initialPotential: number;
}

/** Sigma-delta neurons: integrate graded input changes, send their activation's change when |Δ| ≥ theta × scale. */
export interface SigmaDeltaNeuron {
  model: "sigma-delta";
  /** The activation scale λ (real units). */
  scale: PerChannel;
  /** Smallest change sent, as a fraction of the scale. */
  theta: number;
  /**
   * Optional integer activations (e.g. Akida's b-bit activations: 2^b − 1 levels): the activation
   * is rounded to a multiple of scale / levels and clipped to [0, scale] (encoders, which are
   * signed: [−scale, scale]) before its change is sent. Absent: activations are not quantized.
   */
  levels?: number;
}

export type NeuronModel = RateNeuron | SigmaDeltaNeuron;

/** Where a layer came from in the source model. */
export interface LayerSource {
  /** ONNX node names absorbed into the layer, in graph order. */
  nodes: string[];
  /** Approximations made, e.g. "GELU /blocks.0/act replaced by ReLU". */
  approximations?: string[];
}

/** Turns an analog tensor into a spike stream, one encoding neuron per feature (signed spikes). */
export interface EncoderLayer {
  type: "encoder";
  name: string;
  /** The analog tensor encoded (a graph input or a host layer's output). */
  input: string;
  /** The spike stream's tensor name. */
  output: string;
  features: number;
  neuron: NeuronModel;
}

/** Synaptic weights `[in, out]` (fan-out rows: row i lists presynaptic neuron i's synapses). */
export interface WeightRef extends BinaryRef {
  /** Real weight = stored value × scale (per layer, or per output neuron); integer dtypes keep a quantized grid. */
  scale: PerChannel;
}

/** A fully connected layer fed by a spike stream. */
export interface DenseLayer {
  /** spiking: ReLU neurons that emit spikes; readout: integrators whose state is decoded to values. */
  type: "spiking" | "readout";
  name: string;
  input: string;
  /** spiking: the spike stream standing for the ReLU's output; readout: the analog output tensor. */
  output: string;
  inFeatures: number;
  outFeatures: number;
  weight: WeightRef;
  /** float32 [out], real units, added every timestep (rate) or once (sigma-delta). */
  bias?: BinaryRef;
  /** spiking: always; readout: only with spike decoding. */
  neuron?: NeuronModel;
  /**
   * readout with membrane decoding under rate coding: the neuron that would decode it from
   * spikes instead (the network's rate neuron with threshold = threshold × its calibration scale
   * λ, as `decoding: spikes` would give it), for chips whose cores send spikes only (truenorth-sim
   * swaps it in).
   * Simulation ignores it; a target's legalized copy drops it.
   */
  spikeNeuron?: NeuronModel;
  /** spiking: its output is also needed as an analog tensor off chip (decoded from spike counts). */
  decoded?: boolean;
  source: LayerSource;
}

/** A tensor crossing into or out of a host layer. */
export interface TensorInfo {
  name: string;
  /** ONNX element type name, e.g. FLOAT, INT64. */
  dtype: string;
}

/** A MatMul/Gemm inside a host model whose operand shapes the model also outputs, for MAC counting. */
export interface MacProbe {
  node: string;
  op: "MatMul" | "Gemm";
  /** Output names holding Shape(A) and Shape(Y) (int64). */
  shapeA: string;
  shapeY: string;
  /** Gemm with transA: K is A's first dimension. */
  transA?: boolean;
}

/** Ops that cannot spike, computed exactly on the host: an ONNX model of those nodes. */
export interface HostLayer {
  type: "host";
  name: string;
  /** The ONNX model (a file beside snn.json). */
  model: { file: string; sha256: string };
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Node count per op type, keys sorted. */
  ops: Record<string, number>;
  macProbes: MacProbe[];
}

export type Layer = EncoderLayer | DenseLayer | HostLayer;

/** A graph input or output of the whole network. */
export interface GraphValue {
  name: string;
  dtype: string;
  /** Dimensions; strings are symbolic (batch, sequence). */
  shape: (number | string)[];
}

/** snn.json. */
export interface SnnIr {
  format: typeof SNN_IR_FORMAT;
  version: typeof SNN_IR_VERSION;
  /** sha256 of the source ONNX model's bytes. */
  sourceModel: string;
  encoding: Encoding;
  decoding: Decoding;
  inputs: GraphValue[];
  outputs: GraphValue[];
  /** In topological order: a layer reads only graph inputs and earlier layers' outputs. */
  layers: Layer[];
}

/** `layer` without `spikeNeuron`: what a target's legalized copy keeps (it copies no file of it). */
export function withoutSpikeNeuron(layer: DenseLayer): DenseLayer {
  const { spikeNeuron: _dropped, ...kept } = layer;
  return kept;
}
