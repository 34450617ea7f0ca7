/**
 * The augmented model onnxruntime's HistogramCalibrater builds: a copy of the model whose
 * tensors of interest are extra graph outputs, so one session.run returns them all.
 */
import { create } from "@bufbuild/protobuf";
import {
  GraphProtoSchema,
  ModelProtoSchema,
  ValueInfoProtoSchema,
  writeModel,
  type OnnxModel,
} from "../../onnx/index.js";

/**
 * Writes `model` with `names` added as graph outputs to `path`, keeping external data external
 * (`<path>.data`), and returns the files written. The input model is not modified: the copy
 * shares its nodes and initializers. The added outputs carry no type: models seldom have
 * value_info for intermediates, and onnxruntime infers each output's type and shape itself
 * (its session metadata then says which are float32); declaring float for a value that is not
 * would make the model fail to load.
 */
export async function writeAugmentedModel(model: OnnxModel, names: readonly string[], path: string): Promise<string[]> {
  const graph = model.proto.graph!;
  const present = new Set(graph.output.map((value) => value.name));
  const added = names.filter((name) => !present.has(name)).map((name) => create(ValueInfoProtoSchema, { name }));
  const augmentedGraph = create(GraphProtoSchema, { ...graph, output: [...graph.output, ...added] });
  const proto = create(ModelProtoSchema, { ...model.proto, graph: augmentedGraph });
  // The copy holds the same tensor objects, so those read from external data are written there again.
  const written = await writeModel({ proto, externalSources: model.externalSources }, path, { externalData: "preserve" });
  return written.dataPath === undefined ? [written.modelPath] : [written.modelPath, written.dataPath];
}
