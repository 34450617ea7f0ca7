// The quantize pass on the bundled models, measured for real with onnxruntime-node.
//
//   npm run build && node bench/quantize.js [--windows N] [--calibration-windows N] [--size 2048] [--reps 7]
//
// 1. gpt-relu-brown: perplexity of fp32 and of each quantization mode on the evaluation protocol
//    of models/README.md (all 1857 windows of eval.txt unless --windows), Δ vs fp32, model file
//    size, and the issue's target for the mode; static modes calibrate on calib.txt first.
// 2. brown-genre-mlp: accuracy on the 600 samples of eval.jsonl, the same way.
// 3. Weight quantization throughput on one core (JavaScript is single-threaded here): MB/s of
//    fp32 weights through the 8-bit and 4-bit quantizers on a --size × --size matrix (median of
//    --reps after warm-up; target ≥ 200 MB/s), and the whole stage's time on gpt-relu-brown.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { validatorFor } from "../dist/src/config/validate.js";
import { evaluateCausalLm, evaluateClassifier, tokenizeTextFile, writeIdsFile } from "../dist/src/eval/index.js";
import { calibrateKind } from "../dist/src/passes/calibrate/index.js";
import { quantizeBlockwise4 } from "../dist/src/passes/quantize/block4.js";
import { quantizePass } from "../dist/src/passes/quantize/index.js";
import { quantizeMatrix } from "../dist/src/passes/quantize/linear.js";

const { values: args } = parseArgs({
  options: {
    windows: { type: "string" },
    "calibration-windows": { type: "string" },
    size: { type: "string", default: "2048" },
    reps: { type: "string", default: "7" },
  },
});

const models = fileURLToPath(new URL("../models/", import.meta.url));
const lm = join(models, "gpt-relu-brown");
const mlp = join(models, "brown-genre-mlp");
const work = mkdtempSync(join(tmpdir(), "slm-bench-quantize-"));
/** A stage context with a fresh work folder. */
const context = () => ({
  projectDir: work,
  workDir: mkdtempSync(join(work, "run-")),
  signal: new AbortController().signal,
  warn: (message) => console.log(`  warning: ${message}`),
});

/** Params with the schema's defaults, as the config module applies them. */
function params(partial) {
  const value = structuredClone(partial);
  const validate = validatorFor(quantizePass.schema);
  if (!validate(value)) throw new Error(`bad params ${JSON.stringify(partial)}: ${JSON.stringify(validate.errors)}`);
  return value;
}

async function quantize(model, partial, calibration) {
  const ctx = context();
  const start = performance.now();
  await quantizePass.kind.run(ctx, { model, ...(calibration ? { calibration } : {}) }, params(partial));
  const ms = performance.now() - start;
  const path = join(ctx.workDir, "model.onnx");
  return { path, bytes: statSync(path).size, ms };
}

const pct = (value) => `${value >= 0 ? "+" : ""}${(value * 100).toFixed(2)}%`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;
const row = (cells, widths) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ");

console.log(`quantize bench: ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown"}), node ${process.version}`);

// --- 1. gpt-relu-brown perplexity
const windows = args.windows === undefined ? undefined : Number(args.windows);
const { ids } = await tokenizeTextFile({ tokenizerPath: join(lm, "tokenizer.json"), tokenizerConfigPath: join(lm, "tokenizer_config.json"), textPath: join(lm, "eval.txt") });
const perplexity = async (model) => (await evaluateCausalLm({ modelPath: model, ids, ...(windows ? { windows } : {}) })).perplexity;

const calibrationCtx = context();
const calib = await tokenizeTextFile({ tokenizerPath: join(lm, "tokenizer.json"), tokenizerConfigPath: join(lm, "tokenizer_config.json"), textPath: join(lm, "calib.txt") });
const calibIds = join(calibrationCtx.workDir, "calib-ids.bin");
await writeIdsFile(calibIds, calib.ids);
const calibrationWindows = args["calibration-windows"] === undefined ? {} : { windows: Number(args["calibration-windows"]) };
await calibrateKind.run(calibrationCtx, { model: join(lm, "model.onnx"), ids: calibIds }, { task: "causal-lm", window: 128, batch: 8, threads: 1, optimization: "all", ...calibrationWindows });
const lmStats = join(calibrationCtx.workDir, "stats.json");

const lmModes = [
  ["weight-only int8 per-channel", {}, "≤ +1%"],
  ["weight-only int8 per-tensor", { granularity: "per-tensor" }, ""],
  ["dynamic int8 (per-tensor, ORT default)", { mode: "dynamic" }, "≤ PyTorch dynamic"],
  ["dynamic int8 per-channel", { mode: "dynamic", granularity: "per-channel" }, ""],
  ["dynamic int8 per-channel reduce_range", { mode: "dynamic", granularity: "per-channel", reduce_range: true }, ""],
  ["static W8A8 percentile 99.999", { mode: "static" }, "≤ +3%"],
  ["static W8A8 minmax", { mode: "static", calibration: { method: "minmax" } }, ""],
  ["static W8A8 entropy", { mode: "static", calibration: { method: "entropy" } }, ""],
  ["static W8A8 percentile, uint8 weights", { mode: "static", symmetric: false }, ""],
  ["4-bit block 32 MatMulNBits", { bits: 4, block_size: 32 }, "≤ +8%"],
  ["4-bit block 32 asymmetric", { bits: 4, block_size: 32, symmetric: false }, ""],
  ["4-bit block 128", { bits: 4, block_size: 128 }, ""],
  ["4-bit block 32 QDQ (opset 21)", { bits: 4, block_size: 32, format: "qdq" }, ""],
];

const fp32 = await perplexity(join(lm, "model.onnx"));
const metrics = JSON.parse(readFileSync(join(lm, "metrics.json"), "utf8")).results;
const widths = [40, 10, 9, 9, 18, 9];
console.log(`\ngpt-relu-brown: perplexity on ${windows ?? "all"} windows of eval.txt (calibration: calib.txt${calibrationWindows.windows ? `, ${calibrationWindows.windows} windows` : ""})`);
console.log(row(["mode", "ppl", "Δ fp32", "size", "target", "stage"], widths));
console.log(row(["fp32", fp32.toFixed(4), "", mb(statSync(join(lm, "model.onnx")).size), "", ""], widths));
console.log(row(["PyTorch dynamic int8 (metrics.json)", metrics.dynamic_int8.ppl.toFixed(4), pct(metrics.dynamic_int8.ppl / metrics.fp32.ppl - 1), "", "(full eval)", ""], widths));
for (const [label, partial, target] of lmModes) {
  const result = await quantize(join(lm, "model.onnx"), partial, partial.mode === "static" ? lmStats : undefined);
  const ppl = await perplexity(result.path);
  console.log(row([label, ppl.toFixed(4), pct(ppl / fp32 - 1), mb(result.bytes), target, `${result.ms.toFixed(0)} ms`], widths));
}

// --- 2. brown-genre-mlp accuracy
const mlpCtx = context();
await calibrateKind.run(mlpCtx, { model: join(mlp, "model.onnx"), data: join(mlp, "calib.jsonl") }, { task: "classifier", batch: 64, threads: 1, optimization: "all" });
const mlpStats = join(mlpCtx.workDir, "stats.json");
const accuracy = async (model) => (await evaluateClassifier({ modelPath: model, jsonlPath: join(mlp, "eval.jsonl") })).accuracy;
const mlpFp32 = await accuracy(join(mlp, "model.onnx"));
const mlpModes = [
  ["weight-only int8 per-channel", {}, ""],
  ["dynamic int8", { mode: "dynamic" }, ""],
  ["static W8A8 percentile 99.999", { mode: "static" }, "within 1 point"],
  ["static W8A8 minmax", { mode: "static", calibration: { method: "minmax" } }, ""],
  ["static W8A8 entropy", { mode: "static", calibration: { method: "entropy" } }, ""],
  ["4-bit block 32", { bits: 4 }, ""],
];
console.log("\nbrown-genre-mlp: accuracy on the 600 samples of eval.jsonl (calibration: calib.jsonl)");
console.log(row(["mode", "accuracy", "Δ points", "size", "target", "stage"], widths));
console.log(row(["fp32", mlpFp32.toFixed(4), "", mb(statSync(join(mlp, "model.onnx")).size), "", ""], widths));
for (const [label, partial, target] of mlpModes) {
  const result = await quantize(join(mlp, "model.onnx"), partial, partial.mode === "static" ? mlpStats : undefined);
  const acc = await accuracy(result.path);
  console.log(row([label, acc.toFixed(4), ((acc - mlpFp32) * 100).toFixed(2), mb(result.bytes), target, `${result.ms.toFixed(0)} ms`], widths));
}

// --- 3. throughput
const size = Number(args.size);
const reps = Number(args.reps);
const weights = new Float32Array(size * size);
let seed = 1;
for (let i = 0; i < weights.length; i++) {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  weights[i] = (seed / 2 ** 32 - 0.5) * 0.2;
}
function medianMs(fn) {
  for (let i = 0; i < 3; i++) fn(); // warm-up: let the JIT settle
  const times = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
console.log(`\nweight quantization throughput, one core: ${size}×${size} fp32 (${mb(weights.byteLength)}), median of ${reps}; target ≥ 200 MB/s`);
for (const [label, fn] of [
  ["int8 per-channel (axis 1)", () => quantizeMatrix(weights, size, size, { symmetric: true, axis: 1 })],
  ["int8 per-channel (axis 0)", () => quantizeMatrix(weights, size, size, { symmetric: true, axis: 0 })],
  ["int8 per-tensor", () => quantizeMatrix(weights, size, size, { symmetric: true, axis: undefined })],
  ["uint8 asymmetric per-channel", () => quantizeMatrix(weights, size, size, { symmetric: false, axis: 1 })],
  ["4-bit block 32", () => quantizeBlockwise4(weights, size, size, 32, true)],
]) {
  const ms = medianMs(fn);
  console.log(`  ${label.padEnd(30)} ${ms.toFixed(1).padStart(7)} ms  ${((weights.byteLength / 1e6 / ms) * 1000).toFixed(0).padStart(5)} MB/s`);
}
const stage = await quantize(join(lm, "model.onnx"), {});
console.log(`  whole stage on gpt-relu-brown (read, quantize 3.67 MB of MatMul weights, write): ${stage.ms.toFixed(0)} ms`);

rmSync(work, { recursive: true, force: true });
