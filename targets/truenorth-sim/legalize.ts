/**
 * legalize:truenorth-sim — the SNN IR rewritten into what TrueNorth cores express (see
 * crossbar-weights.ts): ternary synapses × one integer weight per neuron, a power-of-two integer
 * threshold, the bias as an integer leak per tick. The legalized IR keeps the network's structure
 * and thresholds; each on-chip layer's weights become int8 {−1, 0, +1} with a per-neuron scale
 * m·2^−s·θ/θ_pre, and its bias ℓ·2^−s·θ, so simulating it with fixed-point state of 2^maxShift
 * units per threshold runs exactly the integer network (every weight is m·2^(maxShift−s) units).
 *
 * Refused, naming the layer (stage error, exit 1): sigma-delta networks (graded spikes; TrueNorth
 * spikes are binary), leaky neurons (TrueNorth's leak is a constant per tick, not the IR's
 * multiplicative decay), membrane decoding of a readout without a `spikeNeuron` (a core outputs
 * spikes only; IRs from convert carry one), and spikes whose value differs per presynaptic
 * neuron (per-channel thresholds feeding a layer: one weight per axon type cannot weigh them
 * differently). A membrane-decoded network is lowered to spike decoding first: each readout
 * gets its `spikeNeuron`, the neuron convert gives it under `decoding: spikes`, so both
 * conversions legalize to the same network.
 */
import { join } from "node:path";
import { SlmError } from "../../src/errors.js";
import { checkHostOps } from "../../src/neuro/host-ops.js";
import type { StageKind } from "../../src/plan/stage-kind.js";
import { withoutSpikeNeuron, type DenseLayer, type Layer, type PerChannel, type SnnIr } from "../../src/snn/ir.js";
import type { Json } from "../../src/util/canonical-json.js";
import { writeFileAtomic } from "../../src/util/file-io.js";
import { neuronRegisters, ternarize, type RegisterLimits } from "./crossbar-weights.js";

/** registers.json: per on-chip layer, per neuron, its integer weight m, threshold exponent s and leak ℓ. */
export interface LayerRegisterFile {
  weight: number[];
  shift: number[];
  leak: number[];
}

/** Register widths from the profile's constraints, and the ops the host may run. */
export interface LegalizeParams {
  max_weight: number;
  max_leak: number;
  max_threshold_shift: number;
  host_ops: string[];
}

/** The file beside snn.json in the legalized IR folder that holds every neuron's integer registers. */
export const REGISTERS_FILE = "registers.json";

const NAME = "truenorth-sim";

/**
 * Stage kind `legalize:truenorth-sim`: input `snn`; output `snn`, the legalized IR folder with
 * registers.json beside snn.json (the framework passes one folder on to map, simulate and emit).
 */
export const legalizeKind: StageKind<LegalizeParams> = {
  id: `legalize:${NAME}`,
  version: "3",
  description: "rewrite the spiking network into TrueNorth's ternary crossbar weights, integer thresholds and leaks",
  async run(ctx, inputs, params) {
    const { readSnnIr, IrFolderWriter } = await import("../../src/snn/index.js");
    const { perChannel } = await import("../../src/snn/compile.js");
    const loaded = await readSnnIr(inputs.snn!);
    const ir = spikeDecoded(loaded.ir);
    checkSupported(ir);
    checkHostOps(NAME, ir, params.host_ops);
    const limits: RegisterLimits = { maxWeight: params.max_weight, maxLeak: params.max_leak, maxShift: params.max_threshold_shift };
    const thresholds = producerThresholds(ir);
    const writer = new IrFolderWriter(join(ctx.workDir, "snn"));
    const layers: Layer[] = [];
    const report: Json[] = [];
    const registers: Record<string, LayerRegisterFile> = {};
    for (const layer of ir.layers) {
      if (layer.type === "host") {
        layers.push({ ...layer, model: await writer.blob(layer.model.file, loaded.blobs.get(layer.model.file)!) });
        continue;
      }
      if (layer.type === "encoder") {
        layers.push({ ...layer, neuron: await copyNeuron(layer.neuron, writer, loaded.arrays) });
        continue;
      }
      const pre = thresholds.get(layer.input);
      if (pre === undefined || typeof pre !== "number") {
        throw new SlmError(
          `${NAME}: layer ${layer.name} reads spikes whose value differs per presynaptic neuron (per-channel thresholds upstream): a TrueNorth neuron has one weight per axon type and cannot weigh them differently; convert with granularity: per-layer`,
        );
      }
      const neuron = layer.neuron!;
      if (neuron.model === "sigma-delta") throw new SlmError(`${NAME}: layer ${layer.name} has sigma-delta neurons`);
      const theta = perChannel(neuron.threshold, layer.outFeatures, loaded.arrays);
      const stored = loaded.arrays.get(layer.weight.file)!;
      const scale = perChannel(layer.weight.scale, layer.outFeatures, loaded.arrays);
      const bias = layer.bias ? loaded.arrays.get(layer.bias.file)! : undefined;
      const { inFeatures: F, outFeatures: N } = layer;
      const signs = new Int8Array(F * N);
      const newScale = new Float32Array(N);
      const newBias = new Float32Array(N);
      const column = new Float64Array(F);
      const file: LayerRegisterFile = { weight: [], shift: [], leak: [] };
      registers[layer.name] = file;
      let saturated = 0;
      let leakClipped = 0;
      let silent = 0;
      let errorSquares = 0;
      let squares = 0;
      let kept = 0;
      let before = 0;
      for (let j = 0; j < N; j++) {
        for (let i = 0; i < F; i++) {
          column[i] = stored[i * N + j]! * scale[j]!;
          if (column[i] !== 0) before++;
        }
        const ternary = ternarize(column);
        const regs = neuronRegisters((ternary.alpha * pre) / theta[j]!, bias ? bias[j]! / theta[j]! : 0, limits);
        // The real weight and bias the integer registers stand for.
        const unit = 2 ** -regs.shift * theta[j]!;
        const alpha = (regs.weight * unit) / pre;
        newScale[j] = alpha > 0 ? alpha : 1;
        newBias[j] = regs.leak * unit;
        file.weight.push(regs.weight);
        file.shift.push(regs.shift);
        file.leak.push(regs.leak);
        if (regs.saturated) saturated++;
        if (regs.leakClipped) leakClipped++;
        if (regs.weight === 0) silent++;
        for (let i = 0; i < F; i++) {
          const t = file.weight[j] === 0 ? 0 : ternary.signs[i]!;
          signs[i * N + j] = t;
          if (t !== 0) kept++;
          errorSquares += (column[i]! - t * alpha) ** 2;
          squares += column[i]! ** 2;
        }
      }
      const legalized: DenseLayer = {
        ...layer,
        weight: { ...(await writer.array(layer.weight.file, signs, [F, N])), scale: await writer.array(layer.weight.file.replace(/(\.bin)?$/, ".scale.bin"), newScale, [N]) },
        bias: bias ? await writer.array(layer.bias!.file, newBias, [N]) : undefined,
        neuron: await copyNeuron(neuron, writer, loaded.arrays),
      };
      layers.push(legalized);
      if (saturated > 0) ctx.warn(`${NAME}: layer ${layer.name}: ${saturated} neurons need a weight above ${limits.maxWeight} threshold units and were clipped`);
      if (leakClipped > 0) ctx.warn(`${NAME}: layer ${layer.name}: ${leakClipped} neurons' biases exceed a leak of ${limits.maxLeak} and were clipped`);
      if (silent > 0) ctx.warn(`${NAME}: layer ${layer.name}: ${silent} neurons' weights round to 0 even at a threshold of 2^${limits.maxShift}; they receive no input`);
      report.push({
        name: layer.name,
        synapsesBefore: before,
        synapsesAfter: kept,
        relativeWeightError: squares > 0 ? round(Math.sqrt(errorSquares / squares)) : 0,
        saturatedNeurons: saturated,
        clippedLeaks: leakClipped,
        silentNeurons: silent,
      });
    }
    await writer.finish({ ...ir, layers });
    await writeFileAtomic(join(ctx.workDir, "snn", REGISTERS_FILE), `${JSON.stringify(registers)}\n`);
    return { outputs: { snn: "snn" }, metrics: { weightBits: 2, layers: report } };
  },
};

/** The network-wide refusals: encoding, neuron model, decoding. */
function checkSupported(ir: SnnIr): void {
  if (ir.encoding.type !== "rate") {
    throw new SlmError(`${NAME}: the network uses ${ir.encoding.type} encoding (graded spikes); TrueNorth spikes are binary: convert with encoding: rate`);
  }
  for (const layer of ir.layers) {
    if (layer.type === "host") continue;
    if (layer.neuron?.model === "lif") {
      throw new SlmError(
        `${NAME}: layer ${layer.name} has leaky (lif) neurons; TrueNorth's leak is a constant added every tick, not a decay of the potential: convert with neuron: if`,
      );
    }
    if (layer.type === "readout" && ir.decoding === "membrane") {
      throw new SlmError(
        `${NAME}: readout layer ${layer.name} is decoded from its membrane potential, which a TrueNorth core cannot output (it sends spikes only), and the IR gives it no spikeNeuron to decode it from spikes: convert with decoding: spikes`,
      );
    }
  }
}

/**
 * A rate-coded, membrane-decoded network with a `spikeNeuron` on every readout, as spike
 * decoding: each readout's spikeNeuron becomes its neuron. Anything else is returned as it is
 * (checkSupported then refuses what a TrueNorth core cannot do).
 */
function spikeDecoded(ir: SnnIr): SnnIr {
  const readouts = ir.layers.filter((layer): layer is DenseLayer => layer.type === "readout");
  if (ir.encoding.type !== "rate" || ir.decoding !== "membrane" || !readouts.every((layer) => layer.spikeNeuron)) return ir;
  const layers = ir.layers.map((layer): Layer => (layer.type === "readout" ? { ...withoutSpikeNeuron(layer), neuron: layer.spikeNeuron! } : layer));
  return { ...ir, decoding: "spikes", layers };
}

/** The value a spike of each stream stands for: its producer's threshold (one number, or a per-neuron file). */
function producerThresholds(ir: SnnIr): Map<string, PerChannel> {
  const out = new Map<string, PerChannel>();
  for (const layer of ir.layers) {
    if (layer.type === "host" || !layer.neuron || layer.neuron.model === "sigma-delta") continue;
    out.set(layer.output, layer.neuron.threshold);
  }
  return out;
}

/** A neuron record with its per-channel file (if any) copied into the new IR. */
async function copyNeuron<N extends DenseLayer["neuron"]>(
  neuron: N,
  writer: import("../../src/snn/index.js").IrFolderWriter,
  arrays: ReadonlyMap<string, import("../../src/snn/binary.js").IrArray>,
): Promise<N> {
  if (!neuron || neuron.model === "sigma-delta" || typeof neuron.threshold === "number") return neuron;
  const ref = neuron.threshold;
  return { ...neuron, threshold: await writer.array(ref.file, arrays.get(ref.file)!, ref.shape) };
}

function round(value: number): number {
  return Number(value.toPrecision(6));
}
