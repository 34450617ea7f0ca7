/**
 * emit:truenorth-sim — the crossbar bundle (no public TrueNorth format exists; IBM programmed the
 * chip through Corelets): `network.json` (every core's axons, neurons and their registers and
 * destinations, the host's inputs and outputs), `crossbar.bin` (each core's 256 × 256 binary
 * crossbar), `manifest.json` (sha256 of every file) and `README.md` (the layout). Deterministic.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { StageKind } from "../../src/plan/stage-kind.js";
import type { Json } from "../../src/util/canonical-json.js";
import { finishBundle, openBundle, readMapping } from "../../src/neuro/index.js";
import { layoutCores, type LayerRegisters } from "./core-layout.js";
import { REGISTERS_FILE, type LayerRegisterFile } from "./legalize.js";
import { layerShapes, trueNorthLayer, type TrueNorthMapping } from "./map.js";

/** Core geometry (profile constraints) and the tick (profile timing), recorded in network.json. */
export interface EmitParams {
  axons_per_core: number;
  neurons_per_core: number;
  tick_ms: number;
}

/** Stage kind `emit:truenorth-sim`: inputs `snn` (legalized, with registers.json), `mapping`; output `bundle`. */
export const emitKind: StageKind<EmitParams> = {
  id: "emit:truenorth-sim",
  version: "2",
  description: "write the TrueNorth crossbar bundle (network.json, crossbar.bin, manifest, README)",
  async run(ctx, inputs, params) {
    const { readSnnIr } = await import("../../src/snn/index.js");
    const loaded = await readSnnIr(inputs.snn!);
    const { ir } = loaded;
    const registers = JSON.parse(await readFile(join(inputs.snn!, REGISTERS_FILE), "utf8")) as Record<string, LayerRegisterFile>;
    const mapping = (await readMapping(inputs.mapping!)) as TrueNorthMapping;
    const geometry = { axonsPerCore: params.axons_per_core, neuronsPerCore: params.neurons_per_core };
    const { shapes } = layerShapes(ir);
    const layers: LayerRegisters[] = shapes.map((shape) => {
      const layer = ir.layers.find((l) => l.name === shape.name)!;
      if (layer.type !== "spiking" && layer.type !== "readout") throw new Error(`not a dense layer: ${shape.name}`);
      const file = registers[shape.name]!;
      const neuron = layer.neuron?.model === "sigma-delta" ? undefined : layer.neuron;
      return {
        name: layer.name,
        input: layer.input,
        output: layer.output,
        signs: loaded.arrays.get(layer.weight.file) as Int8Array,
        weight: Int32Array.from(file.weight),
        shift: Int32Array.from(file.shift),
        leak: Int32Array.from(file.leak),
        initialPotential: neuron?.initialPotential ?? 0,
        reset: neuron?.reset ?? "subtract",
        consumers: shape.consumers,
        toHost: shape.toHost,
        signedOutput: shape.signedOutput,
      };
    });
    const cores = layoutCores(layers, mapping.layers.map(trueNorthLayer), geometry);
    const crossbar = new Uint8Array(cores.reduce((n, c) => n + c.crossbar.length, 0));
    let offset = 0;
    const coreJson: Json[] = cores.map((core) => {
      crossbar.set(core.crossbar, offset);
      const entry = { id: core.id, layer: core.layer, role: core.role, crossbar: { offset, bytes: core.crossbar.length }, axons: core.axons, neurons: core.neurons };
      offset += core.crossbar.length;
      return entry as unknown as Json;
    });
    const network = {
      format: "slm-truenorth-crossbar",
      formatVersion: 1,
      geometry: { ...geometry, axonTypes: 4 },
      tickMs: params.tick_ms,
      timesteps: ir.encoding.timesteps,
      inputs: ir.layers.filter((l) => l.type === "encoder").map((l) => ({ stream: l.output, tensor: l.input, features: l.features, signed: true })),
      hostLayers: mapping.host.map((h) => h.name),
      cores: coreJson,
    };
    const bundle = await openBundle(join(ctx.workDir, "bundle"));
    await bundle.write("network.json", `${JSON.stringify(network)}\n`);
    await bundle.write("crossbar.bin", crossbar);
    const files = await finishBundle(bundle, "truenorth-sim", README, { cores: cores.length, chips: mapping.chips });
    return { outputs: { bundle: "bundle" }, metrics: { cores: cores.length, bundleFiles: files, crossbarBytes: crossbar.length } };
  },
};

const README = `# truenorth-sim bundle

Built by slm for a simulated IBM TrueNorth (Merolla et al., Science 2014). No public TrueNorth
program format exists (IBM used Corelets), so this is slm's own documented layout.
\`manifest.json\` lists every file with its size and sha256.

## network.json

- \`geometry\`: axons and neurons per core (256 × 256), 4 axon types.
- \`tickMs\`, \`timesteps\`: each input is presented for \`timesteps\` ticks of \`tickMs\`.
- \`inputs\`: spike streams the host sends (encoders: signed, one line per sign).
- \`hostLayers\`: layers that run on the host CPU (between on-chip islands).
- \`cores[]\`: \`{id, layer, role, crossbar: {offset, bytes}, axons, neurons}\`
  - \`role\`: \`neurons\` (a layer that fits one crossbar), \`partial\` (a neuron tree's partial
    sums over one group of inputs) or \`merge\` (the tree's merge neurons).
  - \`axons[a]\`: \`{from, index, line, type}\` — the spikes of element \`index\` of stream \`from\`
    (a layer's output, an encoder's stream, or \`<layer>/partial<p>±\`), sign line \`line\` (+1,
    or −1 for a host stream's negative spikes), axon type \`type\`.
  - \`neurons[n]\`: \`{output, role, sign, weights: [w0, w1, w2, w3], threshold, leak, initial,
    reset, destination}\`: integer weight per axon type, integer threshold and leak (added every
    tick), initial potential, reset (\`linear\`: subtract the threshold; \`zero\`), and its one
    destination: \`{core, axon}\` or \`{host, index, sign}\` (the host decodes
    spike count × sign).

## crossbar.bin

Each core's crossbar at its \`offset\`: 256 rows (axons) × 256 columns (neurons), row-major,
packed 8 bits to a byte, low bit first: bit (a·256 + n) set = axon a synapses on neuron n.

## Semantics

A spike on axon a adds \`weights[type(a)]\` to every neuron whose crossbar bit is set; a neuron
fires when its potential reaches \`threshold\`, then resets. A ternary synapse t ∈ {−1, 0, +1} of
weight m is a bit on the input's plus copy (type weight +m) or minus copy (−m). Copies of a
neuron with the same crossbar column exist because a neuron has one destination.
`;
