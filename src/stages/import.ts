import { stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { InputError } from "../errors.js";
import type { NodeProto, OnnxModel } from "../onnx/index.js";
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

/** IR < 4: the model with its initializers no longer listed as graph inputs, as IR 4 (see importKind). */
function withoutInitializerInputs(model: OnnxModel): OnnxModel {
  const { proto } = model;
  if (proto.irVersion >= 4n) return model;
  const graph = proto.graph!;
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const input = graph.input.filter((value) => !initializers.has(value.name));
  return { ...model, proto: { ...proto, irVersion: 4n, graph: { ...graph, input } } };
}

/** Ops whose constant inputs are weights. */
const WEIGHT_READERS: ReadonlySet<string> = new Set(["MatMul", "Gemm", "Conv"]);

/** Top-level Constant nodes with a tensor `value` that a weight reader reads, as initializers of their output's name (see importKind). */
function constantsAsInitializers(model: OnnxModel): OnnxModel {
  const graph = model.proto.graph!;
  const outputs = new Set(graph.output.map((value) => value.name));
  const defaultDomain = (node: NodeProto) => node.domain === "" || node.domain === "ai.onnx";
  const weights = new Set(graph.node.filter((node) => defaultDomain(node) && WEIGHT_READERS.has(node.opType)).flatMap((node) => node.input));
  const folded = (node: NodeProto) =>
    node.opType === "Constant" && defaultDomain(node) && node.output.length === 1 && weights.has(node.output[0]!) && !outputs.has(node.output[0]!) &&
    node.attribute.length === 1 && node.attribute[0]!.name === "value" && node.attribute[0]!.t !== undefined;
  const constants = graph.node.filter(folded);
  if (constants.length === 0) return model;
  const initializers = constants.map((node) => ({ ...node.attribute[0]!.t!, name: node.output[0]! }));
  const node = graph.node.filter((n) => !folded(n));
  return { ...model, proto: { ...model.proto, graph: { ...graph, node, initializer: [...graph.initializer, ...initializers] } } };
}
