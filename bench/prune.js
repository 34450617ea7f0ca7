// The prune pass: throughput, and what each mode does to gpt-relu-brown.
//
//   npm run build && node bench/prune.js [--mb 200] [--windows all] [--threads 1] [--runs 50]
//
// 1. Throughput: magnitude pruning of --mb MB of random fp32 weights (64 tensors, one core):
//    threshold selection over |w| and zeroing, global and per-layer (target ≥ 200 MB/s);
//    then the whole stage (read model, prune, write model and report) on a model that size.
// 2. Perplexity of gpt-relu-brown on --windows windows of eval.txt (all 1857 by default, the
//    protocol of metrics.json) for fp32, magnitude 50% global, 30% per layer, Wanda 50%, 2:4
//    (magnitude and Wanda) and structured 25% FFN (both importances), with Δ vs fp32 and the
//    PyTorch references; brown-genre-mlp accuracy for the two magnitude references.
// 3. Structured speedup: onnxruntime latency (median of --runs warm runs, [1, 128] input,
//    --threads intra-op threads) of fp32 vs 25% of FFN units removed (and + 25% of heads).
import { create } from "@bufbuild/protobuf";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { evaluateCausalLm, evaluateClassifier, measureLatency, singleInputFeeds, tokenizeTextFile, withSession, writeIdsFile } from "../dist/src/eval/index.js";
import {
  arrayToTensor,
  DataType,
  GraphProtoSchema,
  ModelProtoSchema,
  modelFromProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
  writeModel,
} from "../dist/src/onnx/index.js";
import { calibrateKind } from "../dist/src/passes/calibrate/index.js";
import { prunePass } from "../dist/src/passes/prune/index.js";
import { pruneUnstructured } from "../dist/src/passes/prune/unstructured.js";

const { values: args } = parseArgs({
  options: {
    mb: { type: "string", default: "200" },
    windows: { type: "string", default: "all" },
    threads: { type: "string", default: "1" },
    runs: { type: "string", default: "50" },
  },
});
const megabytes = Number(args.mb);
const windows = args.windows === "all" ? undefined : Number(args.windows);
const threads = Number(args.threads);
const runs = Number(args.runs);

const models = fileURLToPath(new URL("../models/", import.meta.url));
const lmDir = join(models, "gpt-relu-brown");
const mlpDir = join(models, "brown-genre-mlp");
const LM = join(lmDir, "model.onnx");
const MLP = join(mlpDir, "model.onnx");
const work = mkdtempSync(join(tmpdir(), "slm-bench-prune-"));
const ctxFor = (dir) => ({ projectDir: dir, workDir: dir, signal: new AbortController().signal, warn: (m) => console.log(`  warning: ${m}`) });

// Defaults as the config loader fills them (method-specific ones included).
const defaults = {
  magnitude: { method: "magnitude", sparsity: 0.5, pattern: "unstructured", scope: "per-layer", include: [], exclude: [] },
  wanda: { method: "wanda", sparsity: 0.5, pattern: "unstructured", scope: "per-output", include: [], exclude: [] },
  structured: { method: "structured", ffn: 0.25, heads: 0, importance: "magnitude", include: [], exclude: [] },
};
const params = (method, extra = {}) => {
  const p = { ...defaults[method], ...extra };
  if (p.pattern && p.pattern !== "unstructured") delete p.scope;
  return p;
};

let runCount = 0;
async function prune(model, p, calibration) {
  const dir = join(work, `run-${runCount++}`);
  mkdirSync(dir, { recursive: true });
  const started = process.hrtime.bigint();
  const result = await prunePass.kind.run(ctxFor(dir), { model, ...(calibration ? { calibration } : {}) }, p);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { path: join(dir, result.outputs["model.onnx"]), metrics: result.metrics, ms };
}

// A deterministic xorshift stream of N(0, 1)-ish values (sum of uniforms): realistic magnitudes, few ties.
function randomWeights(count, seed) {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < count; i++) out[i] = (next() + next() + next() - 1.5) * 0.05;
  return out;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

// ---- 1. throughput ---------------------------------------------------------------------------
const tensors = 64;
const perTensor = Math.floor((megabytes * 1e6) / 4 / tensors);
const side = Math.floor(Math.sqrt(perTensor));
const shapes = Array.from({ length: tensors }, () => [side, Math.floor(perTensor / side)]);
const weights = shapes.map(([k, n], i) => randomWeights(k * n, i + 1));
const bytes = weights.reduce((t, w) => t + w.byteLength, 0);
console.log(`\n1. magnitude pruning throughput: ${tensors} tensors [${shapes[0]}], ${(bytes / 1e6).toFixed(0)} MB of fp32, one thread`);
for (const scope of ["global", "per-layer"]) {
  const times = [];
  for (let rep = 0; rep < 3; rep++) {
    // Magnitude pruning's scores are the weights themselves (as the stage passes them).
    const items = weights.map((w, i) => {
      const values = Float32Array.from(w);
      return { weight: { name: `w${i}`, layout: { k: shapes[i][0], n: shapes[i][1], strideK: shapes[i][1], strideN: 1 } }, values, scores: values };
    });
    const started = process.hrtime.bigint();
    pruneUnstructured(items, 0.5, scope);
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  const seconds = median(times);
  console.log(`   ${scope.padEnd(9)} select + zero: ${(bytes / 1e6 / seconds).toFixed(0)} MB/s (${(seconds * 1000).toFixed(0)} ms, median of 3)`);
}

// The whole stage on a model of those weights: x → MatMul w0 → MatMul w1 → … (shapes chained).
{
  const dims = [side, ...shapes.map(() => side)];
  const nodes = [];
  const inits = [];
  for (let i = 0; i < tensors; i++) {
    const values = weights[i].subarray(0, side * side);
    inits.push(arrayToTensor(`w${i}`, [side, side], values, DataType.FLOAT));
    nodes.push(create(NodeProtoSchema, { name: `mm${i}`, opType: "MatMul", input: [i === 0 ? "x" : `h${i - 1}`, `w${i}`], output: [i === tensors - 1 ? "y" : `h${i}`] }));
  }
  const value = (name) =>
    create(ValueInfoProtoSchema, {
      name,
      type: create(TypeProtoSchema, {
        value: { case: "tensorType", value: create(TypeProto_TensorSchema, { elemType: DataType.FLOAT, shape: { dim: [1, dims[0]].map((d) => ({ value: { case: "dimValue", value: BigInt(d) } })) } }) },
      }),
    });
  const graph = create(GraphProtoSchema, { name: "bench", node: nodes, initializer: inits, input: [value("x")], output: [value("y")] });
  const proto = create(ModelProtoSchema, { irVersion: 7n, opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: 14n })], graph });
  const path = join(work, "big.onnx");
  await writeModel(modelFromProto(proto), path);
  const size = statSync(path).size;
  for (const scope of ["global", "per-layer"]) {
    const { ms } = await prune(path, params("magnitude", { scope }));
    console.log(`   whole stage (read, prune, write model + report), ${scope}: ${(size / 1e6).toFixed(0)} MB model in ${ms.toFixed(0)} ms = ${(size / 1e6 / (ms / 1000)).toFixed(0)} MB/s`);
  }
  rmSync(path);
}
weights.length = 0;

// ---- 2. perplexity table ---------------------------------------------------------------------
const metrics = JSON.parse(readFileSync(join(lmDir, "metrics.json"), "utf8")).results;
const evalIds = (await tokenizeTextFile({ tokenizerPath: join(lmDir, "tokenizer.json"), textPath: join(lmDir, "eval.txt") })).ids;
const calibDir = join(work, "calibration");
mkdirSync(calibDir, { recursive: true });
const calibIds = (await tokenizeTextFile({ tokenizerPath: join(lmDir, "tokenizer.json"), textPath: join(lmDir, "calib.txt") })).ids;
await writeIdsFile(join(calibDir, "ids.bin"), calibIds);
const calibration = await calibrateKind.run(ctxFor(calibDir), { model: LM, ids: join(calibDir, "ids.bin") }, { task: "causal-lm", window: 128, batch: 8, threads: 2, optimization: "all" });
const stats = join(calibDir, calibration.outputs["stats.json"]);
const perplexity = async (path) => (await evaluateCausalLm({ modelPath: path, ids: evalIds, window: 128, ...(windows ? { windows } : {}), threads: 2 })).perplexity;

const fp32 = await perplexity(LM);
console.log(`\n2. gpt-relu-brown perplexity, ${windows ?? "all 1857"} windows of eval.txt (calibration: ${Math.floor(calibIds.length / 128)} windows of calib.txt)`);
console.log(`   ${"variant".padEnd(44)} ${"ppl".padStart(8)} ${"Δ vs fp32".padStart(10)} ${"PyTorch".padStart(8)} ${"rel. diff".padStart(10)}  file bytes`);
// The PyTorch figures are for the whole eval split: compared only when all windows are evaluated.
const row = (label, ppl, fullEvalReference, size) => {
  const reference = windows ? undefined : fullEvalReference;
  console.log(
    `   ${label.padEnd(44)} ${ppl.toFixed(4).padStart(8)} ${`${(((ppl - fp32) / fp32) * 100).toFixed(2)}%`.padStart(10)} ${reference ? reference.toFixed(4).padStart(8) : "".padStart(8)} ${reference ? ((ppl - reference) / reference).toExponential(1).padStart(10) : "".padStart(10)}  ${size}`,
  );
};
row("fp32", fp32, metrics.fp32.ppl, statSync(LM).size);
const variants = [
  ["magnitude 50% global", params("magnitude", { scope: "global" }), metrics.pruned_global_50.ppl],
  ["magnitude 30% per layer", params("magnitude", { sparsity: 0.3 }), metrics.pruned_per_layer_30.ppl],
  ["magnitude 50% per layer", params("magnitude")],
  ["wanda 50% per output", params("wanda")],
  ["magnitude 2:4", params("magnitude", { pattern: "2:4" })],
  ["wanda 2:4", params("wanda", { pattern: "2:4" })],
  ["structured 25% FFN (magnitude importance)", params("structured")],
  ["structured 25% FFN (activation importance)", params("structured", { importance: "activation" })],
  ["structured 25% FFN + 25% heads (activation)", params("structured", { heads: 0.25, importance: "activation" })],
];
const built = new Map();
for (const [label, p, reference] of variants) {
  const needs = prunePass.needsCalibration(p);
  const { path } = await prune(LM, p, needs ? stats : undefined);
  built.set(label, path);
  row(label, await perplexity(path), reference, statSync(path).size);
}

const mlpMetrics = JSON.parse(readFileSync(join(mlpDir, "metrics.json"), "utf8")).results_accuracy;
console.log("\n   brown-genre-mlp accuracy on eval.jsonl (PyTorch reference in brackets)");
const accuracy = async (path) => (await evaluateClassifier({ modelPath: path, jsonlPath: join(mlpDir, "eval.jsonl") })).accuracy;
console.log(`   fp32                      ${(await accuracy(MLP)).toFixed(4)} (${mlpMetrics.fp32})`);
for (const [label, p, key] of [
  ["magnitude 50% global", params("magnitude", { scope: "global" }), "pruned_global_50"],
  ["magnitude 30% per layer", params("magnitude", { sparsity: 0.3 }), "pruned_per_layer_30"],
]) {
  console.log(`   ${label.padEnd(25)} ${(await accuracy((await prune(MLP, p)).path)).toFixed(4)} (${mlpMetrics[key]})`);
}

// ---- 3. structured speedup -------------------------------------------------------------------
const input = evalIds.subarray(0, 128);
async function latency(path) {
  return withSession(path, { threads, optimization: "all" }, (opened) => measureLatency(opened, singleInputFeeds(opened, input), { warmup: 20, runs }));
}
console.log(`\n3. onnxruntime latency, [1, 128] input, ${threads} thread(s), median of ${runs} warm runs (3 alternating rounds, median)`);
const structured = built.get("structured 25% FFN (magnitude importance)");
const withHeads = built.get("structured 25% FFN + 25% heads (activation)");
const times = { fp32: [], ffn: [], heads: [] };
for (let round = 0; round < 3; round++) {
  times.fp32.push((await latency(LM)).medianMs);
  times.ffn.push((await latency(structured)).medianMs);
  times.heads.push((await latency(withHeads)).medianMs);
}
const [base, ffn, heads] = [median(times.fp32), median(times.ffn), median(times.heads)];
console.log(`   fp32                          ${base.toFixed(3)} ms`);
console.log(`   25% FFN units removed         ${ffn.toFixed(3)} ms   speedup ×${(base / ffn).toFixed(3)}   file ${statSync(LM).size} → ${statSync(structured).size} bytes`);
console.log(`   25% FFN units + 25% heads     ${heads.toFixed(3)} ms   speedup ×${(base / heads).toFixed(3)}   file ${statSync(withHeads).size} bytes`);

rmSync(work, { recursive: true, force: true });
