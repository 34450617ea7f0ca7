/**
 * emit:loihi2-sim — the bundle: `network.nir` (NIR graph of the on-chip islands, rate coding),
 * `network.net` (lava-dl netx; `network.<k>.net` per island when there are several), the host
 * layers' ONNX models under `host/`, `mapping.json`,
 * README.md and manifest.json (every file's sha256).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { StageKind } from "../../src/plan/stage-kind.js";
import type { Json } from "../../src/util/canonical-json.js";

export const emitKind: StageKind<Record<string, never>> = {
  id: "emit:loihi2-sim",
  version: "1",
  description: "write the loihi2-sim bundle: NIR graph, lava-dl netx network, host models, mapping, manifest",
  async run(ctx, inputs) {
    const { readSnnIr } = await import("../../src/snn/index.js");
    const { finishBundle, openBundle } = await import("../../src/neuro/bundle.js");
    const { writeHdf5 } = await import("./hdf5.js");
    const { nirTree } = await import("./nir.js");
    const { netxTree } = await import("./netx.js");
    const { islands } = await import("./islands.js");
    const { readme } = await import("./readme.js");
    const loaded = await readSnnIr(inputs.snn!);
    const bundle = await openBundle(join(ctx.workDir, "bundle"));
    const notes: string[] = [];
    let nir: Json = null;
    if (loaded.ir.encoding.type === "rate") {
      const graph = nirTree(loaded);
      await writeHdf5(join(bundle.dir, "network.nir"), graph.tree);
      nir = { file: "network.nir", inputs: graph.inputs as unknown as Json, outputs: graph.outputs as unknown as Json };
    } else notes.push("network.nir is not written: NIR has no sigma-delta neuron (network.net describes the SDNN layers)");
    const parts = islands(loaded);
    const netx: string[] = [];
    for (const [k, island] of parts.entries()) {
      const file = parts.length === 1 ? "network.net" : `network.${k}.net`;
      const made = netxTree(loaded, island);
      if ("skipped" in made) {
        const message = `${file} (island ${island.map((l) => l.name).join(", ")}) is not written: ${made.skipped}`;
        ctx.warn(message);
        notes.push(message);
        continue;
      }
      await writeHdf5(join(bundle.dir, file), made.tree);
      netx.push(file);
    }
    const host: Json[] = [];
    for (const layer of loaded.ir.layers) {
      if (layer.type !== "host") continue;
      await bundle.write(`host/${layer.model.file}`, loaded.blobs.get(layer.model.file)!);
      host.push({ name: layer.name, file: `host/${layer.model.file}`, inputs: layer.inputs.map((t) => t.name), outputs: layer.outputs.map((t) => t.name) });
    }
    await bundle.write("mapping.json", await readFile(inputs.mapping!));
    const fields: Record<string, Json> = {
      encoding: loaded.ir.encoding.type,
      nir,
      netx,
      hostLayers: host,
      islands: parts.map((island) => island.map((l) => l.name)),
    };
    const files = await finishBundle(bundle, "loihi2-sim", readme(loaded.ir, fields, notes), fields);
    return { outputs: { bundle: "bundle" }, metrics: { bundleFiles: files } };
  },
};
