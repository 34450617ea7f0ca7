import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StageKind } from "../../src/plan/stage-kind.js";
import type { ValueInfoProto } from "../../src/onnx/index.js";

export interface EmitParams {
  task: "causal-lm" | "classifier";
  optimization: string;
}

/** Bundle file name → stage input slot it is copied from. */
const FILES: ReadonlyArray<[file: string, slot: string]> = [
  ["model.onnx", "model"],
  ["tokenizer.json", "tokenizer"],
  ["tokenizer_config.json", "tokenizer_config"],
  ["labels.json", "labels"],
];

/**
 * The deployable bundle: the quantized model, the tokenizer (and class labels), a manifest with
 * every file's sha256 and the model's input/output spec, and a README saying how to run it.
 * Deterministic: the same inputs give the same bytes.
 */
export const emitKind: StageKind<EmitParams> = {
  id: "emit:cpu-int8",
  version: "1",
  description: "write the deployable cpu-int8 bundle (model, tokenizer, manifest, README)",
  async run(ctx, inputs, params) {
    const { parseModel } = await import("../../src/onnx/index.js");
    const bundle = join(ctx.workDir, "bundle");
    await mkdir(bundle);
    const files: Record<string, { sha256: string; bytes: number }> = {};
    for (const [file, slot] of FILES) {
      const from = inputs[slot];
      if (!from) continue;
      await copyFile(from, join(bundle, file));
      const bytes = await readFile(join(bundle, file));
      files[file] = { sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
    }
    const graph = parseModel(await readFile(inputs.model!), inputs.model!).proto.graph!;
    const initializers = new Set(graph.initializer.map((t) => t.name));
    const manifest = {
      format: "slm-bundle",
      formatVersion: 1,
      target: "cpu-int8",
      task: params.task,
      files,
      inputs: graph.input.filter((v) => !initializers.has(v.name)).map(describeValue),
      outputs: graph.output.map(describeValue),
      runtime: {
        engine: "onnxruntime",
        executionProvider: "CPUExecutionProvider",
        graphOptimizationLevel: params.optimization,
        note: "integer kernels are chosen by onnxruntime's graph optimizer at load time (extended or all)",
      },
    };
    await writeFile(join(bundle, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(bundle, "README.md"), readme(manifest.inputs, manifest.outputs, params));
    return { outputs: { bundle: "bundle" }, metrics: { bundleFiles: Object.keys(files).length + 2 } };
  },
};

interface ValueSpec {
  name: string;
  type: string;
  shape: Array<number | string>;
}

function describeValue(value: ValueInfoProto): ValueSpec {
  const tensor = value.type?.value.case === "tensorType" ? value.type.value.value : undefined;
  const shape = (tensor?.shape?.dim ?? []).map((d) => (d.value.case === "dimValue" ? Number(d.value.value) : d.value.case === "dimParam" ? d.value.value : "?"));
  return { name: value.name, type: ELEMENT_TYPES[tensor?.elemType ?? 0] ?? `type ${tensor?.elemType}`, shape };
}

const ELEMENT_TYPES: Record<number, string> = { 1: "float32", 2: "uint8", 3: "int8", 6: "int32", 7: "int64", 10: "float16", 11: "float64" };

function readme(inputs: ValueSpec[], outputs: ValueSpec[], params: EmitParams): string {
  const spec = (values: ValueSpec[]): string => values.map((v) => `- \`${v.name}\`: ${v.type} [${v.shape.join(", ")}]`).join("\n");
  const feed = params.task === "causal-lm"
    ? `const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;\nconst input = new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]);\nconst { ${outputs[0]?.name ?? "logits"} } = await session.run({ ${inputs[0]?.name ?? "input_ids"}: input });`
    : `const input = new ort.Tensor("float32", features, [1, features.length]);\nconst { ${outputs[0]?.name ?? "logits"} } = await session.run({ ${inputs[0]?.name ?? "features"}: input });`;
  return `# cpu-int8 bundle

Built by slm for onnxruntime's CPU execution provider. \`manifest.json\` lists every file with its
sha256 and the model's inputs and outputs.

## Inputs
${spec(inputs)}

## Outputs
${spec(outputs)}

## Run it (Node.js, onnxruntime-node and @huggingface/tokenizers)

\`\`\`js
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";

const tokenizer = new Tokenizer(JSON.parse(readFileSync("tokenizer.json", "utf8")), {});
const session = await ort.InferenceSession.create("model.onnx", { graphOptimizationLevel: "${params.optimization}" });
${feed}
\`\`\`

Integer kernels are selected by onnxruntime's graph optimizer when the session loads the model
(optimization level \`extended\` or \`all\`); keep it on.
`;
}
