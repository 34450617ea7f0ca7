import { stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { InputError } from "../errors.js";
import type { StageKind } from "../plan/stage-kind.js";

/**
 * Brings the user's ONNX model into the build: checks it (parses, external data inside its
 * folder, a graph with inputs and outputs whose nodes can be ordered) and writes it in canonical
 * form: external data inlined, producer and doc strings dropped. A re-export that changes only
 * those fields therefore yields the same artifact, and nothing downstream reruns.
 *
 * A model of IR version < 4 must list every initializer among the graph inputs, where it is a
 * constant (from IR 4 such an entry makes it a default the caller may override, and onnxruntime
 * treats it as an input). The imported model drops those entries and declares IR 4: the same
 * meaning, in the form every pass reads initializers in (quantize would otherwise see
 * overridable weights and leave them in float).
 *
 * Likewise a Constant node holding a tensor (`value`) that a MatMul, Gemm or Conv reads, which
 * is how exporters write weights when they do not fold constants, becomes an initializer of its
 * output's name: passes find weights among the initializers. Other Constants (shapes, masks,
 * scalars) stay nodes, so the parameter count stays the model's.
 */
export const importKind: StageKind<Record<string, never>> = {
  id: "import",
  version: "2",
  description: "check the ONNX model and write it in canonical, self-contained form",
  async run(ctx, inputs) {
    // Loaded here, not at the top: planning a build (even a no-op one) must not pay for it.
    const { canonicalModel, graphInputs, opsetVersion, opTypeCounts, parameterCount, readModel, topologicalOrder, writeModel } =
      await import("../onnx/index.js");
    const { constantsAsInitializers, withoutInitializerInputs } = await import("./import-normalize.js");
    const source = inputs.model!;
    const model = await readModel(source);
    const imported = constantsAsInitializers(withoutInitializerInputs(canonicalModel(model)));
    const graph = imported.proto.graph!;
    if (graphInputs(graph).length === 0) throw new InputError(`${source}: the graph has no inputs (other than initializers)`);
    if (graph.output.length === 0) throw new InputError(`${source}: the graph has no outputs`);
    const nodes = topologicalOrder(graph);
    const out = join(ctx.workDir, "model.onnx");
    await writeModel(imported, out, { externalData: "inline" });
    const folder = dirname(resolve(source));
    const externalFiles = [...new Set([...model.externalSources.values()].map((ref) => resolve(folder, ref.location)))].sort();
    return {
      outputs: { "model.onnx": "model.onnx" },
      metrics: {
        modelBytes: (await stat(out)).size,
        parameters: parameterCount(graph),
        nodes: nodes.length,
        opset: opsetVersion(imported.proto) ?? 0,
        irVersion: Number(imported.proto.irVersion),
        opTypes: Object.fromEntries([...opTypeCounts(graph)].sort(([a], [b]) => a.localeCompare(b))),
        inputs: graphInputs(graph).map((input) => input.name),
        outputs: graph.output.map((output) => output.name),
      },
      discoveredInputs: externalFiles,
    };
  },
};
