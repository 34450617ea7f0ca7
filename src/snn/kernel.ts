/**
 * The event-driven simulation kernel: runs the rows (samples, or token positions) of one island
 * (an encoder → spiking layers → readouts chain; compile.ts builds it from the IR) for T
 * timesteps and returns the decoded outputs and the event counts.
 *
 * Within a timestep the layers run in order, so a spike reaches the next layer in the same
 * timestep (no synaptic delay), as in ANN→SNN conversion practice (SpikingJelly). A spike
 * event (source neuron i, payload p) adds p × w[i, j] to every neuron j on i's fan-out list
 * (a CSR row); the synaptic ops it costs are the length of that row (the stored, nonzero
 * synapses). Binary spikes have payload ±1 (the spike's value θ is folded into the weights);
 * sigma-delta events carry the change itself.
 *
 * State is Float64Array. In fixed-point mode every weight, bias, threshold and input drive is an
 * integer (compile.ts rounds them), so every sum stays an exact integer far below 2^53: integer
 * arithmetic, without overflow to model. Float mode is IEEE double arithmetic; both are
 * deterministic, and each row is simulated alone, so results never depend on how rows are split
 * between threads.
 *
 * This function is sent to worker threads as source text (island-runner.ts), so it must stay
 * self-contained: no imports, no helpers outside it, only globals such as Math.
 */

/** One layer of an island, as the kernel runs it (units: see compile.ts). */
export interface KernelLayer {
  kind: "encoder" | "spiking" | "readout";
  /** encoder: index into the island's analog inputs; dense: index of the layer whose events it receives. */
  source: number;
  neurons: number;
  /** dense: CSR fan-out lists; row i = synapses of presynaptic neuron i. */
  rowStart: Int32Array;
  cols: Int32Array;
  /** Every synapse is stored: row i is weights[i·neurons, (i+1)·neurons), cols unused. */
  dense: boolean;
  weights: Float64Array;
  /** rate: added every timestep; sigma-delta: added to the activation. Empty when the layer has none. */
  bias: Float64Array;
  /** rate: firing threshold; sigma-delta: smallest change sent. */
  threshold: Float64Array;
  /** rate: potential at the first timestep (signed neurons: times the sign of their input). */
  initial: Float64Array;
  /** encoder: state units per unit of analog input. */
  inputScale: Float64Array;
  /** sigma-delta: activations are rounded to multiples of step (per neuron, state units) and clipped to ±levels steps; 0: not quantized. */
  levels: number;
  step: Float64Array;
  /** Decoded outputs: the value of one spike (spike counts) or of one state unit (membrane, sigma-delta). */
  outputScale: Float64Array;
  /** 1 − leak (1 for IF). */
  keep: number;
  resetZero: boolean;
  /** Emits events (encoders and spiking layers always; readouts only with spike decoding). */
  emits: boolean;
  /** Fires negative spikes too (encoders, spike-decoded readouts). */
  signed: boolean;
  /** Its decoded analog output is wanted. */
  decoded: boolean;
}

/** A compiled island. */
export interface KernelIsland {
  mode: "rate" | "sigma-delta";
  timesteps: number;
  /** Fixed point: values are integers; sigma-delta activations are the accumulator / shift, floored. 0 in float mode. */
  shift: number;
  layers: KernelLayer[];
  /** Features of each analog input (encoders read them). */
  inputWidths: number[];
}

/** Counts summed over rows, per layer. */
export interface KernelCounts {
  spikes: Float64Array;
  synapticOps: Float64Array;
  activeUpdates: Float64Array;
  idleUpdates: Float64Array;
  /** Spikes per neuron, one array per layer. */
  neuronSpikes: Float64Array[];
}

/** Decoded outputs (rows × neurons, for decoded layers; empty otherwise) and counts. */
export interface KernelResult {
  outputs: Float64Array[];
  counts: KernelCounts;
}

/**
 * Simulates `rows` rows of `island`. `inputs[k]` holds rows × inputWidths[k] analog values.
 */
export function simulateIsland(island: KernelIsland, inputs: Float32Array[], rows: number): KernelResult {
  const layers = island.layers;
  const count = layers.length;
  const T = island.timesteps;
  const sigmaDelta = island.mode === "sigma-delta";
  const shift = island.shift;
  const spikes = new Float64Array(count);
  const synapticOps = new Float64Array(count);
  const activeUpdates = new Float64Array(count);
  const idleUpdates = new Float64Array(count);
  const neuronSpikes: Float64Array[] = [];
  const outputs: Float64Array[] = [];
  // Per-layer state, allocated once and reset per row.
  const potential: Float64Array[] = [];
  const sent: Float64Array[] = [];
  const netSpikes: Float64Array[] = [];
  const drive: Float64Array[] = [];
  const touched: Uint8Array[] = [];
  const eventIndex: Int32Array[] = [];
  const eventPayload: Float64Array[] = [];
  const eventCount = new Int32Array(count);
  // Encoders: the inputs of the row that are not 0 (the others never fire).
  const driven: Int32Array[] = [];
  const drivenCount = new Int32Array(count);
  for (const layer of layers) {
    const n = layer.neurons;
    const encoder = layer.kind === "encoder";
    potential.push(new Float64Array(n));
    sent.push(new Float64Array(n));
    netSpikes.push(new Float64Array(n));
    drive.push(new Float64Array(encoder ? n : 0));
    driven.push(new Int32Array(encoder ? n : 0));
    touched.push(new Uint8Array(layer.dense ? 0 : n));
    eventIndex.push(new Int32Array(n));
    eventPayload.push(new Float64Array(n));
    neuronSpikes.push(new Float64Array(n));
    outputs.push(new Float64Array(layer.decoded ? rows * n : 0));
  }
  const scratch = new Float64Array(layers.reduce((max, layer) => Math.max(max, layer.neurons), 0));

  /**
   * Adds the source layer's events of this timestep into `v` and counts the neuron updates that
   * received input. A dense layer (every synapse stored) runs its rows as contiguous slices, and
   * any event reaches every neuron; a sparse one walks its fan-out lists and marks what it reaches.
   */
  function integrate(l: number, v: Float64Array): void {
    const layer = layers[l]!;
    const n = layer.neurons;
    const src = layer.source;
    const events = eventCount[src]!;
    const index = eventIndex[src]!;
    const payload = eventPayload[src]!;
    const rowStart = layer.rowStart;
    const weights = layer.weights;
    let ops = 0;
    let active = 0;
    if (layer.dense) {
      // Unrolled by four: V8 does not vectorize, and this halves the loop overhead per synapse.
      const quads = n - (n & 3);
      for (let e = 0; e < events; e++) {
        const p = payload[e]!;
        let k = rowStart[index[e]!]!;
        let j = 0;
        if (p === 1) {
          for (; j < quads; j += 4, k += 4) {
            v[j] = v[j]! + weights[k]!;
            v[j + 1] = v[j + 1]! + weights[k + 1]!;
            v[j + 2] = v[j + 2]! + weights[k + 2]!;
            v[j + 3] = v[j + 3]! + weights[k + 3]!;
          }
          for (; j < n; j++, k++) v[j] = v[j]! + weights[k]!;
        } else {
          for (; j < quads; j += 4, k += 4) {
            v[j] = v[j]! + weights[k]! * p;
            v[j + 1] = v[j + 1]! + weights[k + 1]! * p;
            v[j + 2] = v[j + 2]! + weights[k + 2]! * p;
            v[j + 3] = v[j + 3]! + weights[k + 3]! * p;
          }
          for (; j < n; j++, k++) v[j] = v[j]! + weights[k]! * p;
        }
      }
      ops = events * n;
      active = events > 0 ? n : 0;
    } else {
      const cols = layer.cols;
      const mark = touched[l]!;
      for (let e = 0; e < events; e++) {
        const i = index[e]!;
        const p = payload[e]!;
        const end = rowStart[i + 1]!;
        const start = rowStart[i]!;
        ops += end - start;
        for (let k = start; k < end; k++) {
          const j = cols[k]!;
          v[j] = v[j]! + weights[k]! * p;
          mark[j] = 1;
        }
      }
      for (let j = 0; j < n; j++) {
        active += mark[j]!;
        mark[j] = 0;
      }
    }
    synapticOps[l] = synapticOps[l]! + ops;
    activeUpdates[l] = activeUpdates[l]! + active;
    idleUpdates[l] = idleUpdates[l]! + (n - active);
  }

  /**
   * Rate coding: adds `extra` (the drive or bias, when given), thresholds, emits ±1 events,
   * resets. Walks neurons `list[0..m)`, or all when `list` is null.
   */
  function fire(l: number, v: Float64Array, extra: Float64Array | null, list: Int32Array | null, m: number): void {
    const layer = layers[l]!;
    const threshold = layer.threshold;
    const index = eventIndex[l]!;
    const payload = eventPayload[l]!;
    const net = netSpikes[l]!;
    const perNeuron = neuronSpikes[l]!;
    const signed = layer.signed;
    const resetZero = layer.resetZero;
    let events = 0;
    for (let k = 0; k < m; k++) {
      const j = list === null ? k : list[k]!;
      const th = threshold[j]!;
      const x = extra === null ? v[j]! : v[j]! + extra[j]!;
      if (x >= th) {
        v[j] = resetZero ? 0 : x - th;
        index[events] = j;
        payload[events++] = 1;
        net[j] = net[j]! + 1;
        perNeuron[j] = perNeuron[j]! + 1;
      } else if (signed && x <= -th) {
        v[j] = resetZero ? 0 : x + th;
        index[events] = j;
        payload[events++] = -1;
        net[j] = net[j]! - 1;
        perNeuron[j] = perNeuron[j]! + 1;
      } else {
        v[j] = x;
      }
    }
    eventCount[l] = events;
    spikes[l] = spikes[l]! + events;
  }

  /** Sigma-delta: sends each activation's change from what was last sent when it is large enough. */
  function sendChanges(l: number, activation: Float64Array, list: Int32Array | null, m: number): void {
    const layer = layers[l]!;
    const threshold = layer.threshold;
    const last = sent[l]!;
    const index = eventIndex[l]!;
    const payload = eventPayload[l]!;
    const perNeuron = neuronSpikes[l]!;
    let events = 0;
    for (let k = 0; k < m; k++) {
      const j = list === null ? k : list[k]!;
      const change = activation[j]! - last[j]!;
      if (change !== 0 && Math.abs(change) >= threshold[j]!) {
        last[j] = activation[j]!;
        index[events] = j;
        payload[events++] = change;
        perNeuron[j] = perNeuron[j]! + 1;
      }
    }
    eventCount[l] = events;
    spikes[l] = spikes[l]! + events;
  }

  /** Sets every layer's state for a new row; encoders take the row's analog input. */
  function resetRow(row: number): void {
    for (let l = 0; l < count; l++) {
      const layer = layers[l]!;
      const v = potential[l]!;
      sent[l]!.fill(0);
      netSpikes[l]!.fill(0);
      eventCount[l] = 0;
      if (layer.kind !== "encoder") {
        v.set(layer.initial);
        continue;
      }
      const width = layer.neurons;
      const input = inputs[layer.source]!;
      const d = drive[l]!;
      const list = driven[l]!;
      let m = 0;
      for (let i = 0; i < width; i++) {
        const x = input[row * width + i]! * layer.inputScale[i]!;
        // Fixed point: the drive is a whole number of state units.
        let value = shift > 0 ? Math.round(x) : x;
        if (layer.levels > 0) {
          // Integer activations: round to the grid, clip to ±levels steps (encoders are signed).
          const q = Math.round(value / layer.step[i]!);
          value = (q > layer.levels ? layer.levels : q < -layer.levels ? -layer.levels : q) * layer.step[i]! + 0;
        }
        d[i] = value;
        // A signed neuron starts on the side of its input.
        v[i] = sigmaDelta || value === 0 ? 0 : value > 0 ? layer.initial[i]! : -layer.initial[i]!;
        if (value !== 0) list[m++] = i;
      }
      drivenCount[l] = m;
    }
  }

  /** One timestep of layer `l`. */
  function step(l: number): void {
    const layer = layers[l]!;
    const n = layer.neurons;
    const v = potential[l]!;
    const bias = layer.bias.length > 0 ? layer.bias : null;
    if (layer.kind === "encoder") {
      const m = drivenCount[l]!;
      activeUpdates[l] = activeUpdates[l]! + m;
      idleUpdates[l] = idleUpdates[l]! + (n - m);
      if (sigmaDelta) sendChanges(l, drive[l]!, driven[l]!, m);
      else fire(l, v, drive[l]!, driven[l]!, m);
      return;
    }
    if (sigmaDelta) {
      integrate(l, v);
      if (!layer.emits) return;
      for (let j = 0; j < n; j++) {
        const z = shift > 0 ? Math.floor(v[j]! / shift) : v[j]!;
        const a = bias === null ? z : z + bias[j]!;
        scratch[j] = a > 0 ? a : 0;
      }
      if (layer.levels > 0) {
        const levels = layer.levels;
        const grid = layer.step;
        for (let j = 0; j < n; j++) {
          const q = Math.round(scratch[j]! / grid[j]!);
          scratch[j] = (q > levels ? levels : q) * grid[j]!;
        }
      }
      sendChanges(l, scratch, null, n);
      return;
    }
    if (layer.keep !== 1) {
      const keep = layer.keep;
      for (let j = 0; j < n; j++) v[j] = shift > 0 ? Math.trunc(v[j]! * keep) : v[j]! * keep;
    }
    integrate(l, v);
    if (layer.emits) fire(l, v, bias, null, n);
    else if (bias !== null) for (let j = 0; j < n; j++) v[j] = v[j]! + bias[j]!;
  }

  /** The decoded value of neuron j of layer l at the end of a row. */
  function decode(l: number, j: number): number {
    const layer = layers[l]!;
    const v = potential[l]!;
    if (sigmaDelta) {
      if (layer.kind !== "readout") return sent[l]![j]!;
      const z = shift > 0 ? Math.floor(v[j]! / shift) : v[j]!;
      return layer.bias.length > 0 ? z + layer.bias[j]! : z;
    }
    if (layer.kind === "readout" && !layer.emits) return (v[j]! - layer.initial[j]!) / T;
    return netSpikes[l]![j]! / T;
  }

  for (let row = 0; row < rows; row++) {
    resetRow(row);
    for (let t = 0; t < T; t++) for (let l = 0; l < count; l++) step(l);
    for (let l = 0; l < count; l++) {
      const layer = layers[l]!;
      if (!layer.decoded) continue;
      const n = layer.neurons;
      const out = outputs[l]!;
      for (let j = 0; j < n; j++) out[row * n + j] = decode(l, j) * layer.outputScale[j]!;
    }
  }
  return { outputs, counts: { spikes, synapticOps, activeUpdates, idleUpdates, neuronSpikes } };
}
