import { readFileSync } from "node:fs";
import { create, toBinary } from "@bufbuild/protobuf";
import { ModelProtoSchema, parseModel, StringStringEntryProtoSchema, TensorProto_DataLocation } from "../../src/onnx/index.js";
import { REPO } from "./rig.js";

/**
 * The classifier with its largest initializer moved to external data at `location`
 * (relative to the model's folder), whose file the test may or may not create.
 */
export function externalModel(location: string): Uint8Array {
  const model = parseModel(readFileSync(`${REPO}/models/brown-genre-mlp/model.onnx`));
  const graph = model.proto.graph!;
  const largest = [...graph.initializer].sort((a, b) => b.rawData.length - a.rawData.length)[0]!;
  const length = largest.rawData.length;
  largest.rawData = new Uint8Array(0);
  largest.dataLocation = TensorProto_DataLocation.EXTERNAL;
  largest.externalData = [
    create(StringStringEntryProtoSchema, { key: "location", value: location }),
    create(StringStringEntryProtoSchema, { key: "offset", value: "0" }),
    create(StringStringEntryProtoSchema, { key: "length", value: String(length) }),
  ];
  return toBinary(ModelProtoSchema, model.proto);
}
