// Cost of the calibrate stage over plain inference on the same data (issue 3: at most 1.3×).
//
//   npm run build && node bench/calibrate.js [--windows 64] [--batch 8] [--threads 1]
//       [--reps 5] [--workers N]
//
// Over the same windows of gpt-relu-brown's calib.txt (tokenized) it times, each against
// plain inference (session.run of the model over the windows, tensors built beforehand, on an
// open session):
//   (e) the augmented model's session.run alone, fetching every observed tensor and computing
//       nothing: what onnxruntime-node costs to hand the activations to JavaScript, the floor
//       of any design that histograms every value in JavaScript;
//   (m) a model that only reduces each observed tensor to its min and max inside the graph
//       (ReduceMin + ReduceMax, two numbers fetched per tensor);
//   (h) (m) plus each tensor's 8192-bin histogram computed inside the graph as well, the only
//       way ONNX has: bin indices (Mul, Floor, Add, Clip, Cast) counted by ScatterElements with
//       reduction add (opset 16; the model's opset is raised for this measurement only, which
//       this model's ops allow). (m) and (h) bound any design in which onnxruntime computes
//       the statistics;
//   (b) the calibration loop: collectStatistics on an open session of the augmented model
//       (inference with every tensor of interest as an output, plus the statistics kernel);
// and against plain inference with the session opened inside the timing:
//   (d) the whole calibrate stage: read the model, write the augmented model, open it, run the
//       loop, write stats.json.
// This machine's speed drifts by tens of percent within seconds, so each variant is timed in
// pairs with its baseline, run after run (baseline, variant, baseline, variant, ...): a ratio
// is the median of 3 × --reps paired ratios, wall clock and CPU time (all threads of the
// process: onnxruntime's and the statistics workers'); times are the medians of each side.
// --workers sets the statistics worker threads (default: the cores onnxruntime leaves free,
// at most 4; 0 = on the main thread).
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openSession, tokenizeTextFile, writeIdsFile } from "../dist/src/eval/index.js";
import { create } from "@bufbuild/protobuf";
import {
  arrayToTensor,
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  DataType,
  GraphProtoSchema,
  ModelProtoSchema,
  OperatorSetIdProtoSchema,
  readModel,
  ValueInfoProtoSchema,
  writeModel,
} from "../dist/src/onnx/index.js";
import { makeNode } from "../dist/src/passes/quantize/graph-edit.js";
import { writeAugmentedModel } from "../dist/src/passes/calibrate/augment.js";
import { collectStatistics } from "../dist/src/passes/calibrate/collect.js";
import { openFeeder } from "../dist/src/passes/calibrate/feeds.js";
import { runCalibration } from "../dist/src/passes/calibrate/run.js";
import { selectTensors } from "../dist/src/passes/calibrate/select.js";

const { values: args } = parseArgs({
  options: {
    windows: { type: "string", default: "64" },
    batch: { type: "string", default: "8" },
    threads: { type: "string", default: "1" },
    reps: { type: "string", default: "5" },
    workers: { type: "string" },
  },
});
const windows = Number(args.windows);
const batch = Number(args.batch);
const threads = Number(args.threads);
const reps = Number(args.reps);
const workers = args.workers === undefined ? undefined : Number(args.workers);
const window = 128;
const optimization = "all";

const dir = fileURLToPath(new URL("../models/gpt-relu-brown/", import.meta.url));
const modelPath = `${dir}model.onnx`;
const work = mkdtempSync(join(tmpdir(), "slm-bench-calibrate-"));

/**
 * Times `after` against `before` in 3 × reps alternating pairs after one warm-up pair: the
 * median wall and CPU ratios and the median wall and CPU milliseconds of each side.
 */
async function paired(before, after) {
  const time = async (fn) => {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(cpu);
    return { wall: Number(process.hrtime.bigint() - start) / 1e6, cpu: (used.user + used.system) / 1e3 };
  };
  await before();
  await after();
  const pairs = [];
  for (let i = 0; i < 3 * reps; i++) pairs.push([await time(before), await time(after)]);
  const median = (values) => values.sort((x, y) => x - y)[Math.floor(values.length / 2)];
  return {
    ratio: median(pairs.map(([a, b]) => b.wall / a.wall)),
    cpuRatio: median(pairs.map(([a, b]) => b.cpu / a.cpu)),
    before: { wall: median(pairs.map(([a]) => a.wall)), cpu: median(pairs.map(([a]) => a.cpu)) },
    after: { wall: median(pairs.map(([, b]) => b.wall)), cpu: median(pairs.map(([, b]) => b.cpu)) },
  };
}

/**
 * Writes `model` with the min and max of each of `names` as extra outputs (keepdims 0, no axes:
 * over every element), and with `histograms` also each one's histogram over a fixed range
 * (ScatterElements, reduction add, into 8193 int64 slots; opset raised to 16), all named
 * bench/..., and returns `path`.
 */
async function writeStatisticsModel(model, names, path, histograms) {
  const graph = model.proto.graph;
  const nodes = [];
  const outputs = [];
  const constants = [
    arrayToTensor("bench/flat", [1], BigInt64Array.of(-1n), DataType.INT64),
    arrayToTensor("bench/scale", [], Float32Array.of(256), DataType.FLOAT),
    arrayToTensor("bench/half", [], Float32Array.of(4096), DataType.FLOAT),
    arrayToTensor("bench/low", [], Float32Array.of(0), DataType.FLOAT),
    arrayToTensor("bench/high", [], Float32Array.of(8192), DataType.FLOAT),
    arrayToTensor("bench/empty", [8193], new BigInt64Array(8193), DataType.INT64),
  ];
  const one = create(AttributeProtoSchema, { name: "value", type: AttributeProto_AttributeType.TENSOR, t: arrayToTensor("", [1], BigInt64Array.of(1n), DataType.INT64) });
  const add = create(AttributeProtoSchema, { name: "reduction", type: AttributeProto_AttributeType.STRING, s: new TextEncoder().encode("add") });
  names.forEach((name, i) => {
    const at = (what) => `bench/${what}/${i}`;
    for (const op of ["ReduceMin", "ReduceMax"]) {
      nodes.push(makeNode(op, [name], [at(op)], at(op), { keepdims: { int: 0 } }));
      outputs.push(at(op));
    }
    if (!histograms) return;
    const chain = [
      ["Reshape", [name, "bench/flat"]],
      ["Mul", [at("Reshape"), "bench/scale"]],
      ["Floor", [at("Mul")]],
      ["Add", [at("Floor"), "bench/half"]],
      ["Clip", [at("Add"), "bench/low", "bench/high"]],
      ["Cast", [at("Clip")], { to: { int: DataType.INT64 } }],
      ["Shape", [at("Reshape")]],
      ["ConstantOfShape", [at("Shape")]],
      ["ScatterElements", ["bench/empty", at("Cast"), at("ConstantOfShape")]],
    ];
    for (const [op, inputs, attributes] of chain) {
      const node = makeNode(op, inputs, [at(op)], at(op), attributes ?? {});
      if (op === "ConstantOfShape") node.attribute = [one];
      if (op === "ScatterElements") node.attribute = [add];
      nodes.push(node);
    }
    outputs.push(at("ScatterElements"));
  });
  const extended = create(GraphProtoSchema, {
    ...graph,
    node: [...graph.node, ...nodes],
    initializer: [...graph.initializer, ...(histograms ? constants : [])],
    output: [...graph.output, ...outputs.map((name) => create(ValueInfoProtoSchema, { name }))],
  });
  const opsetImport = histograms ? [create(OperatorSetIdProtoSchema, { domain: "", version: 16n })] : model.proto.opsetImport;
  const proto = create(ModelProtoSchema, { ...model.proto, opsetImport, graph: extended });
  await writeModel({ proto, externalSources: model.externalSources }, path, { externalData: "preserve" });
  return path;
}

try {
  const { ids } = await tokenizeTextFile({
    tokenizerPath: `${dir}tokenizer.json`,
    tokenizerConfigPath: `${dir}tokenizer_config.json`,
    textPath: `${dir}calib.txt`,
  });
  if (windows * window > ids.length) throw new Error(`calib.txt has only ${Math.floor(ids.length / window)} windows of ${window}`);
  const idsPath = join(work, "ids.bin");
  await writeIdsFile(idsPath, ids);
  const settings = { threads, optimization };
  const params = { task: "causal-lm", window, windows, batch, ...settings };
  const feedOptions = { task: "causal-lm", idsPath, window, windows };

  console.log(`calibrate: ${windows} windows of ${window} tokens of calib.txt, batch ${batch}, threads ${threads}, optimization ${optimization}, ${3 * reps} pairs (+1 warm-up pair)`);
  console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown"}), node ${process.version}`);

  // Plain inference on an open session: the baseline of (e), (m), (b).
  const plain = await openSession(modelPath, settings);
  const inputName = plain.session.inputNames[0];
  const tensors = [];
  for (let first = 0; first < windows; first += batch) {
    const count = Math.min(batch, windows - first);
    const data = BigInt64Array.from(ids.subarray(first * window, (first + count) * window), (id) => BigInt(id));
    tensors.push(new plain.ort.Tensor("int64", data, [count, window]));
  }
  const runOver = (opened, fetches) => async () => {
    for (const tensor of tensors) await opened.session.run({ [inputName]: tensor }, ...(fetches ? [fetches] : []));
  };
  const runPlain = runOver(plain);

  // (e) every observed tensor fetched, nothing computed.
  const model = await readModel(modelPath);
  const selection = selectTensors(model.proto.graph);
  const augmentedPath = join(work, "augmented.onnx");
  await writeAugmentedModel(model, selection.computed.map((t) => t.name), augmentedPath);
  const augmented = await openSession(augmentedPath, settings);
  const fetches = selection.computed.filter((t) => augmented.session.outputNames.includes(t.name)).map((t) => t.name);
  const fetchAll = await paired(runPlain, runOver(augmented, fetches));

  // (m) min and max reduced in the graph, nothing else; (h) and histograms in the graph.
  const inGraph = async (file, histograms) => {
    const opened = await openSession(await writeStatisticsModel(model, fetches, join(work, file), histograms), settings);
    const measured = await paired(runPlain, runOver(opened, opened.session.outputNames.filter((n) => n.startsWith("bench/"))));
    await opened.session.release();
    return measured;
  };
  const minMax = await inGraph("extremes.onnx", false);
  const histogram = await inGraph("histograms.onnx", true);

  // (b) the calibration loop.
  let collected;
  const loop = await paired(runPlain, async () => {
    const feeder = await openFeeder(augmented, feedOptions);
    collected = await collectStatistics(augmented, selection, feeder, { batch, source: modelPath, ...(workers === undefined ? {} : { workers }) });
  });
  await augmented.session.release();
  await plain.session.release();

  // (d) the whole stage against plain inference that opens its session.
  const stageDir = join(work, "stage");
  let result;
  const stage = await paired(
    async () => {
      const opened = await openSession(modelPath, settings);
      await runOver(opened)();
      await opened.session.release();
    },
    async () => {
      rmSync(stageDir, { recursive: true, force: true });
      mkdirSync(stageDir);
      const ctx = { projectDir: work, workDir: stageDir, signal: new AbortController().signal, warn: (m) => console.log(`warning: ${m}`) };
      result = await runCalibration(ctx, { model: modelPath, ids: idsPath }, params, workers === undefined ? {} : { workers });
    },
  );

  const elements = Object.values(collected.stats.tensors).reduce((sum, t) => sum + t.count, 0);
  const ms = (value) => `${value.toFixed(0)} ms`.padStart(8);
  const show = (label, m) =>
    console.log(`  ${label.padEnd(46)} ×${m.ratio.toFixed(2)} wall, ×${m.cpuRatio.toFixed(2)} cpu   (${ms(m.after.wall)} vs ${ms(m.before.wall)})`);
  console.log(`observed: ${Object.keys(collected.stats.tensors).length} tensors, ${(elements / 1e6).toFixed(1)} M values; stats.json ${(statSync(join(stageDir, "stats.json")).size / 1024).toFixed(0)} KiB; workers ${workers ?? "default"}`);
  console.log("  against plain inference on an open session:");
  show("(e) augmented model, fetch every tensor", fetchAll);
  show("(m) in-graph ReduceMin + ReduceMax only", minMax);
  show("(h) (m) + in-graph histograms (ScatterElements)", histogram);
  show("(b) calibration loop", loop);
  console.log("  against plain inference that opens its session:");
  show("(d) calibrate stage (whole)", stage);
  console.log(`  target: ≤ 1.3×; stage metrics: ${JSON.stringify({ samples: result.metrics.samples, tensors: result.metrics.tensors })}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
