// Cost of the calibrate stage over plain inference on the same data (issue 3: at most 1.3×).
//
//   npx tsc -p tsconfig.build.json && node bench/calibrate.js [--windows 64] [--batch 8]
//       [--threads 1] [--reps 5] [--workers N]
//
// Over the same windows of gpt-relu-brown's calib.txt (tokenized) it times
//   (a) plain inference: session.run of the model over the windows, tensors built beforehand,
//       on an open session (the floor);
//   (b) the calibration loop: collectStatistics on an open session of the augmented model
//       (inference with every tensor of interest as an output, plus the statistics kernel);
//   (c) plain inference with the session opened inside the timing, and
//   (d) the whole calibrate stage: read the model, write the augmented model, open it, run the
//       loop, write stats.json;
// and prints the ratios b/a (the loop) and d/c (the stage), in wall-clock time and in CPU time
// (all threads of the process: onnxruntime's and the statistics workers'), which other load on
// the machine disturbs less. It also times (e) the augmented model's session.run alone,
// fetching every observed tensor and computing nothing: the floor of this design, what
// onnxruntime-node costs to hand the activations to JavaScript. --workers sets the statistics
// worker threads (default: the cores onnxruntime leaves free, at most 4; 0 = on the main
// thread). Figures are medians of --reps repetitions after one warm-up.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openSession, tokenizeTextFile, writeIdsFile } from "../dist/src/eval/index.js";
import { readModel } from "../dist/src/onnx/index.js";
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

/** Median wall-clock and CPU milliseconds of `fn` over the repetitions. */
async function measure(fn) {
  await fn(); // warm-up
  const walls = [];
  const cpus = [];
  for (let i = 0; i < reps; i++) {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(cpu);
    walls.push(Number(process.hrtime.bigint() - start) / 1e6);
    cpus.push((used.user + used.system) / 1e3);
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { wall: median(walls), cpu: median(cpus) };
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

  const ms = (value) => `${value.toFixed(0)} ms`.padStart(8);
  console.log(`calibrate: ${windows} windows of ${window} tokens of calib.txt, batch ${batch}, threads ${threads}, optimization ${optimization}, median of ${reps} (+1 warm-up)`);
  console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown"}), node ${process.version}`);

  // (a) plain inference on an open session.
  const plain = await openSession(modelPath, settings);
  const inputName = plain.session.inputNames[0];
  const tensors = [];
  for (let first = 0; first < windows; first += batch) {
    const count = Math.min(batch, windows - first);
    const data = BigInt64Array.from(ids.subarray(first * window, (first + count) * window), (id) => BigInt(id));
    tensors.push(new plain.ort.Tensor("int64", data, [count, window]));
  }
  const bare = await measure(async () => {
    for (const tensor of tensors) await plain.session.run({ [inputName]: tensor });
  });
  await plain.session.release();

  // (b) the calibration loop on an open session of the augmented model.
  const model = await readModel(modelPath);
  const selection = selectTensors(model.proto.graph);
  const augmentedPath = join(work, "augmented.onnx");
  await writeAugmentedModel(model, selection.computed.map((t) => t.name), augmentedPath);
  const augmented = await openSession(augmentedPath, settings);
  const fetches = selection.computed.filter((t) => augmented.session.outputNames.includes(t.name)).map((t) => t.name);
  const fetchOnly = await measure(async () => {
    for (const tensor of tensors) await augmented.session.run({ [inputName]: tensor }, fetches);
  });
  let collected;
  const loop = await measure(async () => {
    const feeder = await openFeeder(augmented, feedOptions);
    collected = await collectStatistics(augmented, selection, feeder, { batch, source: modelPath, ...(workers === undefined ? {} : { workers }) });
  });
  await augmented.session.release();

  // (c) plain inference including opening the session.
  const plainWithOpen = await measure(async () => {
    const opened = await openSession(modelPath, settings);
    for (const tensor of tensors) await opened.session.run({ [inputName]: tensor });
    await opened.session.release();
  });

  // (d) the whole stage.
  const stageDir = join(work, "stage");
  let result;
  const stage = await measure(async () => {
    rmSync(stageDir, { recursive: true, force: true });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(stageDir);
    const ctx = { projectDir: work, workDir: stageDir, signal: new AbortController().signal, warn: (m) => console.log(`warning: ${m}`) };
    result = await runCalibration(ctx, { model: modelPath, ids: idsPath }, params, workers === undefined ? {} : { workers });
  });

  const elements = Object.values(collected.stats.tensors).reduce((sum, t) => sum + t.count, 0);
  const show = (label, m, base) =>
    console.log(
      `  ${label.padEnd(38)} wall ${ms(m.wall)}${base ? `  ×${(m.wall / base.wall).toFixed(2)}` : "      "}   cpu ${ms(m.cpu)}${base ? `  ×${(m.cpu / base.cpu).toFixed(2)}` : ""}`,
    );
  console.log(`observed: ${Object.keys(collected.stats.tensors).length} tensors, ${(elements / 1e6).toFixed(1)} M values; stats.json ${(statSync(join(stageDir, "stats.json")).size / 1024).toFixed(0)} KiB; workers ${workers ?? "default"}`);
  show("(a) plain inference, open session", bare);
  show("(e) augmented run, fetch only", fetchOnly, bare);
  show("(b) calibration loop, open session", loop, bare);
  show("(c) plain inference incl. open", plainWithOpen);
  show("(d) calibrate stage (whole)", stage, plainWithOpen);
  console.log(`  target: (d) ≤ 1.3 × (c); stage metrics: ${JSON.stringify({ samples: result.metrics.samples, tensors: result.metrics.tensors })}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
