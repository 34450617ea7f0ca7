/**
 * The SNN simulator: runs an IR's program (host layers exactly in onnxruntime, islands of
 * on-chip layers event by event, rows in parallel on worker threads) over batches of inputs and
 * tallies, per layer, what it cost: spikes, synaptic ops, neuron updates, host MACs, bytes
 * crossing between host and chip.
 */
import { SlmError } from "../errors.js";
import { compileProgram, type CompiledIsland, type ProgramStep, type StateOptions } from "./compile.js";
import { openHostRunner, type HostRunner, type Value } from "./host-runner.js";
import { islandRunner, type IslandRunner } from "./island-runner.js";
import type { LoadedSnnIr } from "./ir-read.js";
import type { Layer } from "./ir.js";

export type { Value } from "./host-runner.js";

/** How to simulate. */
export interface SimulatorOptions extends StateOptions {
  /** Worker threads for the islands (≤ 1: the calling thread), and onnxruntime threads for host layers. */
  threads: number;
}

/** What one layer did over every run so far. */
export interface LayerTally {
  name: string;
  type: Layer["type"];
  /** Neurons (on-chip layers). */
  neurons: number;
  /** Sends spikes or graded events (encoders, spiking layers, spike-decoded readouts). */
  emits: boolean;
  /** Rows simulated (samples, or token positions), each for T timesteps; host layers: runs. */
  rows: number;
  spikes: number;
  synapticOps: number;
  activeUpdates: number;
  idleUpdates: number;
  /** Spikes per neuron (on-chip layers). */
  neuronSpikes: Float64Array;
  /** Dense layers: the ANN's MACs for the same rows (rows × in × out); host layers: MatMul/Gemm MACs run. */
  macs: number;
  /** Bytes into the layer from the host (encoders, host layers) and out of it to the host (decoded outputs, host layers). */
  bytesIn: number;
  bytesOut: number;
}

type OpenStep = { kind: "host"; runner: HostRunner; index: number } | { kind: "island"; compiled: CompiledIsland; handle: number; indices: number[] };

/** An IR opened for simulation; call close() when done. */
export class Simulator {
  private constructor(
    private readonly steps: OpenStep[],
    private readonly islands: IslandRunner,
    private readonly tally: LayerTally[],
    private readonly outputs: readonly string[],
  ) {}

  /** Compiles `loaded` and opens its host layers' sessions and the worker threads. */
  static async open(loaded: LoadedSnnIr, options: SimulatorOptions): Promise<Simulator> {
    const program: ProgramStep[] = compileProgram(loaded, options);
    const islands = islandRunner(options.threads);
    const steps: OpenStep[] = [];
    const index = new Map(loaded.ir.layers.map((layer, i) => [layer, i]));
    try {
      for (const step of program) {
        if (step.kind === "host") {
          const runner = await openHostRunner(step.layer, loaded.blobs.get(step.layer.model.file)!, Math.max(1, options.threads));
          steps.push({ kind: "host", runner, index: index.get(step.layer)! });
        } else {
          steps.push({ kind: "island", compiled: step, handle: islands.register(step.island), indices: step.layers.map((layer) => index.get(layer)!) });
        }
      }
    } catch (error) {
      await Promise.all([islands.close(), ...steps.map((step) => (step.kind === "host" ? step.runner.close() : undefined))]);
      throw error;
    }
    const tally = loaded.ir.layers.map((layer) => {
      const neurons = layer.type === "host" ? 0 : layer.type === "encoder" ? layer.features : layer.outFeatures;
      const emits = layer.type !== "host" && layer.neuron !== undefined;
      return { name: layer.name, type: layer.type, neurons, emits, rows: 0, spikes: 0, synapticOps: 0, activeUpdates: 0, idleUpdates: 0, neuronSpikes: new Float64Array(neurons), macs: 0, bytesIn: 0, bytesOut: 0 };
    });
    return new Simulator(steps, islands, tally, loaded.ir.outputs.map((output) => output.name));
  }

  /** Runs one batch: graph inputs in, graph outputs out. */
  async run(feeds: ReadonlyMap<string, Value>): Promise<Map<string, Value>> {
    const values = new Map(feeds);
    for (const step of this.steps) {
      if (step.kind === "host") {
        const { outputs, cost } = await step.runner.run(values);
        for (const [name, value] of outputs) values.set(name, value);
        const t = this.tally[step.index]!;
        t.rows += 1;
        t.macs += cost.macs;
        t.bytesIn += cost.bytesIn;
        t.bytesOut += cost.bytesOut;
      } else {
        await this.runIsland(step, values);
      }
    }
    return new Map(this.outputs.map((name) => [name, values.get(name)!]));
  }

  /** The width an encoder reads from graph input `name` (its last dimension), if one reads it directly. */
  inputWidth(name: string): number | undefined {
    for (const step of this.steps) {
      if (step.kind !== "island") continue;
      const slot = step.compiled.inputs.indexOf(name);
      if (slot >= 0) return step.compiled.island.inputWidths[slot];
    }
    return undefined;
  }

  /** Per-layer counts so far, in the IR's layer order. */
  tallies(): LayerTally[] {
    return this.tally.map((t) => ({ ...t, neuronSpikes: t.neuronSpikes.slice() }));
  }

  async close(): Promise<void> {
    await Promise.all([this.islands.close(), ...this.steps.map((step) => (step.kind === "host" ? step.runner.close() : undefined))]);
  }

  private async runIsland(step: Extract<OpenStep, { kind: "island" }>, values: Map<string, Value>): Promise<void> {
    const { compiled } = step;
    let rows = -1;
    let leading: number[] = [];
    const inputs = compiled.inputs.map((name, slot) => {
      const value = values.get(name);
      const width = compiled.island.inputWidths[slot]!;
      if (!value) throw new SlmError(`SNN simulation: the encoder input '${name}' has not been computed`);
      if (value.type !== "float32" || value.dims[value.dims.length - 1] !== width) {
        throw new SlmError(`SNN simulation: encoder input '${name}' is ${value.type} [${value.dims.join(", ")}], not float32 [..., ${width}]`);
      }
      const count = (value.data as Float32Array).length / width;
      if (rows >= 0 && count !== rows) throw new SlmError(`SNN simulation: the inputs of one island have different row counts (${rows}, ${count})`);
      rows = count;
      leading = value.dims.slice(0, -1) as number[];
      return value.data as Float32Array;
    });
    const result = await this.islands.run(step.handle, inputs, rows);
    compiled.layers.forEach((layer, l) => {
      const t = this.tally[step.indices[l]!]!;
      const c = result.counts;
      t.rows += rows;
      t.spikes += c.spikes[l]!;
      t.synapticOps += c.synapticOps[l]!;
      t.activeUpdates += c.activeUpdates[l]!;
      t.idleUpdates += c.idleUpdates[l]!;
      c.neuronSpikes[l]!.forEach((s, j) => (t.neuronSpikes[j] = t.neuronSpikes[j]! + s));
      if (layer.type === "encoder") t.bytesIn += rows * layer.features * 4;
      else t.macs += rows * layer.inFeatures * layer.outFeatures;
    });
    for (const { tensor, layer } of compiled.outputs) {
      const n = compiled.island.layers[layer]!.neurons;
      values.set(tensor, { type: "float32", data: Float32Array.from(result.outputs[layer]!), dims: [...leading, n] });
      this.tally[step.indices[layer]!]!.bytesOut += rows * n * 4;
    }
  }
}
