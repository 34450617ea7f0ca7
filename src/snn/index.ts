/**
 * slm's spiking side: the SNN IR (types, schema, reader, writer) and the event-driven simulator.
 * The convert pass writes IR folders; targets and the simulate stage read them.
 */
export { SNN_IR_FILE, SNN_IR_FORMAT, SNN_IR_VERSION } from "./ir.js";
export type * from "./ir.js";
export { snnIrSchema, snnIrSchemaText } from "./ir-schema.js";
export { readSnnIr, type LoadedSnnIr } from "./ir-read.js";
export { formatSnnIr, IrFolderWriter } from "./ir-write.js";
export { Simulator, type LayerTally, type SimulatorOptions, type Value } from "./simulate.js";
export { simulateKind, simulateSchema, type SimulateParams } from "./simulate-kind.js";
