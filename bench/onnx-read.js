// Throughput of slm's ONNX layer (src/onnx) on a large synthetic model.
//
//   npx tsc -p tsconfig.build.json && node bench/onnx-read.js [MiB=200]
//
// Builds a model whose initializers hold MiB mebibytes of float32 weights (4 MiB tensors, a
// few small ones), writes it once inline and once with external data, and prints MB/s
// (10^6 bytes/s, over the initializer bytes) for
//   - writeModel (inline .onnx, and .onnx + .onnx.data);
//   - readModel (inline, and external: protobuf decode + external data load);
//   - canonicalModelDigest (re-encode without producer/doc strings + sha256);
//   - tensorToArray over every initializer (views: no per-element work on raw_data);
// and, for scale, sha256 alone over the same bytes in memory. Figures are medians of 5 runs
// after one warm-up, with a warm page cache.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  arrayToTensor,
  canonicalModelDigest,
  DataType,
  GraphProtoSchema,
  ModelProtoSchema,
  modelFromProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  readModel,
  tensorToArray,
  writeModel,
} from "../dist/src/onnx/index.js";

const MiB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 200);
const runs = 5;
const work = mkdtempSync(join(tmpdir(), "slm-bench-onnx-"));

function syntheticModel() {
  const initializer = [];
  const elements = MiB; // 4 MiB of float32 per tensor
  for (let i = 0; i < sizeMiB / 4; i++) {
    const values = new Float32Array(elements);
    for (let j = 0; j < elements; j++) values[j] = Math.sin(i * elements + j);
    initializer.push(arrayToTensor(`w${i}`, [1024, 1024], values, DataType.FLOAT));
    initializer.push(arrayToTensor(`b${i}`, [1024], values.subarray(0, 1024), DataType.FLOAT));
  }
  const node = initializer.map((t, i) => create(NodeProtoSchema, { name: `id${i}`, opType: "Identity", input: [t.name], output: [`out${i}`] }));
  const graph = create(GraphProtoSchema, { name: "bench", node, initializer });
  const proto = create(ModelProtoSchema, {
    irVersion: 7n,
    producerName: "slm-bench",
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: 14n })],
    graph,
  });
  return modelFromProto(proto);
}

async function median(fn) {
  await fn(); // warm-up
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

try {
  const model = syntheticModel();
  const bytes = model.proto.graph.initializer.reduce((sum, t) => sum + t.rawData.length, 0);
  const inlinePath = join(work, "inline.onnx");
  const externalPath = join(work, "external.onnx");
  const rows = [];
  const report = (what, seconds) => rows.push([what, seconds, bytes / seconds / 1e6]);

  report("writeModel inline", await median(() => writeModel(model, inlinePath, { externalData: "inline" })));
  report("writeModel external", await median(() => writeModel(model, externalPath, { externalData: { minBytes: 1024 } })));
  report("readModel inline", await median(() => readModel(inlinePath)));
  report("readModel external", await median(() => readModel(externalPath)));
  const loaded = await readModel(inlinePath);
  report("canonicalModelDigest", await median(async () => canonicalModelDigest(loaded)));
  report("tensorToArray (all)", await median(async () => loaded.proto.graph.initializer.forEach((t) => tensorToArray(t))));
  const flat = Buffer.concat(loaded.proto.graph.initializer.map((t) => t.rawData));
  report("sha256 in memory (ceiling)", await median(async () => createHash("sha256").update(flat).digest()));

  console.log(`slm onnx bench: ${(bytes / MiB).toFixed(0)} MiB of initializers in ${model.proto.graph.initializer.length} tensors`);
  for (const [what, seconds, mbps] of rows) {
    console.log(`${what.padEnd(28)} ${(seconds * 1000).toFixed(1).padStart(9)} ms ${mbps.toFixed(0).padStart(8)} MB/s`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
