/**
 * slm's ONNX layer: read and write models (with external data), decode and encode tensors,
 * query graphs, and digest models. Passes, targets and eval import from here.
 */
export { canonicalModel, canonicalModelDigest } from "./digest.js";
export { ALIGN_THRESHOLD_BYTES, ALIGNMENT_BYTES, allTensors, type ExternalDataRef } from "./external-data.js";
export {
  consumers,
  graphInputs,
  inDefaultDomain,
  initializers,
  nodeDisplayName,
  opsetVersion,
  opTypeCounts,
  parameterCount,
  producers,
  topologicalOrder,
} from "./graph.js";
export {
  modelFromProto,
  parseModel,
  readModel,
  serializeModel,
  writeModel,
  type ExternalDataPolicy,
  type OnnxModel,
  type WriteModelOptions,
  type WrittenModel,
} from "./model.js";
export {
  arrayToTensor,
  DataType,
  dataTypeName,
  elementCount,
  rawByteLength,
  tensorLabel,
  tensorToArray,
  type TensorArray,
} from "./tensor.js";
export * from "./proto/onnx_pb.js";
