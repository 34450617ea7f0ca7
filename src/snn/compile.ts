/**
 * From a loaded IR to what the kernel runs: the layers grouped into islands (maximal runs of
 * non-host layers) between host layers, with effective weights, thresholds and biases in state
 * units, fan-out lists without the zero synapses.
 *
 * Units. A binary spike of neuron i stands for its threshold θ_i, so layer j receives
 * w[i, j]·θ_i per spike: that product is the effective weight (threshold balancing lives in the
 * thresholds; the stored weights, integer or float, are never rewritten). Sigma-delta events
 * carry their change. In float mode state is in the model's real units. In fixed-point mode
 * (`fractionBits` F) state is in integer units chosen per neuron: a spiking neuron's threshold
 * is exactly 2^F units (θ·2^−F each), a sigma-delta neuron's activation unit is λ·2^−F with an
 * accumulator F bits finer, a readout's unit is 2^−F of its largest synaptic contribution;
 * weights, biases and initial potentials are rounded to those units.
 */
import { SlmError } from "../errors.js";
import type { IrArray } from "./binary.js";
import type { LoadedSnnIr } from "./ir-read.js";
import type { DenseLayer, EncoderLayer, HostLayer, NeuronModel, PerChannel } from "./ir.js";
import type { KernelIsland, KernelLayer } from "./kernel.js";

/** How state is held. */
export interface StateOptions {
  state: "float" | "fixed";
  /** fixed: fraction bits F (a spiking neuron's threshold is 2^F units). */
  fractionBits: number;
}

/** An island and the IR layers and tensors it stands for. */
export interface CompiledIsland {
  kind: "island";
  island: KernelIsland;
  layers: (EncoderLayer | DenseLayer)[];
  /** Analog tensors its encoders read, by input slot. */
  inputs: string[];
  /** Analog tensors it produces: readouts' outputs and decoded spiking layers'. */
  outputs: { tensor: string; layer: number }[];
}

export type ProgramStep = { kind: "host"; layer: HostLayer } | CompiledIsland;

/** The IR as a sequence of host layers and islands. */
export function compileProgram(loaded: LoadedSnnIr, options: StateOptions): ProgramStep[] {
  const steps: ProgramStep[] = [];
  let run: (EncoderLayer | DenseLayer)[] = [];
  const flush = (): void => {
    if (run.length > 0) steps.push(compileIsland(loaded, run, options));
    run = [];
  };
  for (const layer of loaded.ir.layers) {
    if (layer.type === "host") {
      flush();
      steps.push({ kind: "host", layer });
    } else {
      run.push(layer);
    }
  }
  flush();
  return steps;
}

/** Per-neuron units of a compiled layer (real value per unit). */
interface Units {
  /** Of the potential / accumulator. */
  state: Float64Array;
  /** Of an emitted event's payload 1. */
  payload: Float64Array;
  /** sigma-delta: of the activation (state × 2^F in fixed mode, else = state). */
  activation: Float64Array;
}

function compileIsland(loaded: LoadedSnnIr, layers: (EncoderLayer | DenseLayer)[], options: StateOptions): CompiledIsland {
  const { ir } = loaded;
  const sigmaDelta = ir.encoding.type === "sigma-delta";
  const fixed = options.state === "fixed";
  const one = 2 ** options.fractionBits;
  const inputs: string[] = [];
  const outputs: { tensor: string; layer: number }[] = [];
  const producers = new Map<string, number>();
  const units: Units[] = [];
  const kernelLayers: KernelLayer[] = [];
  const values = (value: PerChannel, n: number): Float64Array => perChannel(value, n, loaded.arrays);

  for (const [index, layer] of layers.entries()) {
    const n = layer.type === "encoder" ? layer.features : layer.outFeatures;
    const neuron = layer.neuron;
    // The neuron's scale: a rate neuron's threshold θ, a sigma-delta neuron's λ.
    const scale = neuron === undefined ? undefined : values(neuron.model === "sigma-delta" ? neuron.scale : neuron.threshold, n);
    let source: number;
    let dense: { rowStart: Int32Array; cols: Int32Array; real: Float64Array } | undefined;
    if (layer.type === "encoder") {
      source = inputs.indexOf(layer.input);
      if (source < 0) source = inputs.push(layer.input) - 1;
    } else {
      const producer = producers.get(layer.input);
      if (producer === undefined) {
        throw new SlmError(`SNN layer ${layer.name} reads spike stream '${layer.input}' from another island; the simulator needs both in one run of on-chip layers`);
      }
      source = producer;
      dense = fanOut(layer, loaded.arrays);
    }
    // Units of this layer.
    let unit: Float64Array;
    if (!fixed) unit = new Float64Array(n).fill(1);
    else if (scale) unit = scale.map((s) => s / one);
    else unit = new Float64Array(n).fill(largestContribution(dense!, units[source]!.payload) / one);
    const activation = unit;
    const state = fixed && sigmaDelta && layer.type !== "encoder" ? unit.map((u) => u / one) : unit;
    const payload = sigmaDelta ? activation : scale ?? unit;
    units.push({ state, payload, activation });

    const round = (x: number): number => (fixed ? Math.round(x) : x);
    const empty = new Float64Array(0);
    const kernel: KernelLayer = {
      kind: layer.type,
      source,
      neurons: n,
      rowStart: dense?.rowStart ?? new Int32Array(0),
      cols: dense?.cols ?? new Int32Array(0),
      dense: dense !== undefined && dense.cols.length === (layer as DenseLayer).inFeatures * n,
      weights: empty,
      bias: empty,
      threshold: new Float64Array(n),
      initial: new Float64Array(n),
      inputScale: layer.type === "encoder" ? (sigmaDelta ? activation : state).map((u) => 1 / u) : empty,
      outputScale: sigmaDelta ? activation : scale ?? state,
      keep: 1,
      resetZero: false,
      levels: 0,
      step: empty,
      emits: neuron !== undefined,
      signed: layer.type !== "spiking",
      decoded: layer.type === "readout" || (layer.type === "spiking" && layer.decoded === true),
    };
    if (dense) {
      const inPayload = units[source]!.payload;
      const { rowStart, real } = dense;
      kernel.weights = new Float64Array(real.length);
      for (let i = 0; i < rowStart.length - 1; i++) {
        for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) kernel.weights[k] = round((real[k]! * inPayload[i]!) / state[dense.cols[k]!]!);
      }
      const bias = (layer as DenseLayer).bias;
      if (bias) {
        const b = loaded.arrays.get(bias.file) as Float32Array;
        const per = sigmaDelta ? activation : state;
        kernel.bias = Float64Array.from(b, (x, j) => round(x / per[j]!));
      }
    }
    if (neuron && scale) setNeuron(kernel, neuron, scale, sigmaDelta ? activation : state, round);
    kernelLayers.push(kernel);
    producers.set(layer.output, index);
    if (kernel.decoded) outputs.push({ tensor: layer.output, layer: index });
  }
  const island: KernelIsland = {
    mode: ir.encoding.type,
    timesteps: ir.encoding.timesteps,
    shift: fixed && sigmaDelta ? one : 0,
    layers: kernelLayers,
    inputWidths: inputs.map((name) => layers.find((l): l is EncoderLayer => l.type === "encoder" && l.input === name)!.features),
  };
  return { kind: "island", island, layers, inputs, outputs };
}

/** Thresholds, initial potentials, leak and reset, in `unit`s. */
function setNeuron(kernel: KernelLayer, neuron: NeuronModel, scale: Float64Array, unit: Float64Array, round: (x: number) => number): void {
  const n = kernel.neurons;
  if (neuron.model === "sigma-delta") {
    for (let j = 0; j < n; j++) kernel.threshold[j] = (neuron.theta * scale[j]!) / unit[j]!;
    if (neuron.levels !== undefined) {
      const levels = neuron.levels;
      kernel.levels = levels;
      kernel.step = scale.map((s, j) => s / levels / unit[j]!);
    }
    return;
  }
  for (let j = 0; j < n; j++) {
    kernel.threshold[j] = round(scale[j]! / unit[j]!);
    kernel.initial[j] = round((neuron.initialPotential * scale[j]!) / unit[j]!);
  }
  kernel.keep = neuron.model === "lif" ? 1 - (neuron.leak ?? 0) : 1;
  kernel.resetZero = neuron.reset === "zero";
}

/** A per-layer or per-neuron value as one number per neuron. */
export function perChannel(value: PerChannel, n: number, arrays: ReadonlyMap<string, IrArray>): Float64Array {
  if (typeof value === "number") return new Float64Array(n).fill(value);
  return Float64Array.from(arrays.get(value.file)!);
}

/** The layer's synapses as CSR fan-out lists of real weights (stored × scale), zeros left out. */
function fanOut(layer: DenseLayer, arrays: ReadonlyMap<string, IrArray>): { rowStart: Int32Array; cols: Int32Array; real: Float64Array } {
  const stored = arrays.get(layer.weight.file)!;
  const scale = perChannel(layer.weight.scale, layer.outFeatures, arrays);
  const rows = layer.inFeatures;
  const width = layer.outFeatures;
  let nonzero = 0;
  for (let k = 0; k < stored.length; k++) if (stored[k] !== 0) nonzero++;
  const rowStart = new Int32Array(rows + 1);
  const cols = new Int32Array(nonzero);
  const real = new Float64Array(nonzero);
  let at = 0;
  for (let i = 0; i < rows; i++) {
    rowStart[i] = at;
    for (let j = 0; j < width; j++) {
      const w = stored[i * width + j]!;
      if (w === 0) continue;
      cols[at] = j;
      real[at++] = w * scale[j]!;
    }
  }
  rowStart[rows] = at;
  return { rowStart, cols, real };
}

/** Largest |w·payload| of a layer (a readout's fixed-point unit is 2^−F of it); 1 for an all-zero layer. */
function largestContribution(dense: { rowStart: Int32Array; real: Float64Array }, payload: Float64Array): number {
  let largest = 0;
  for (let i = 0; i < dense.rowStart.length - 1; i++) {
    for (let k = dense.rowStart[i]!; k < dense.rowStart[i + 1]!; k++) largest = Math.max(largest, Math.abs(dense.real[k]! * payload[i]!));
  }
  return largest > 0 ? largest : 1;
}
