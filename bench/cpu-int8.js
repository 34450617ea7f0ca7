// The cpu-int8 target's promise, measured: is the quantized language model faster than fp32 in
// onnxruntime's CPU provider on this machine?
//
//   npm run build && node bench/cpu-int8.js [--runs 40] [--rounds 5] [--threads 1] [--window 128]
//
// gpt-relu-brown is quantized in each integer mode (dynamic, static QDQ) and weight-only for
// reference; each model goes through the cpu-int8 legalize stage (which reads onnxruntime's
// optimized graph: the fused kernels are printed), then its latency for one window of `--window`
// tokens is measured: `--rounds` rounds, each timing every model for `--runs` warm runs in turn
// (interleaved, so drift in machine load hits every model alike). The ratio fp32 / int8 of the
// medians over all runs is the figure the issue asks for (target ≥ 1.3×).
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { validatorFor } from "../dist/src/config/validate.js";
import { measureLatency, openSession, singleInputFeeds, tokenizeTextFile, writeIdsFile } from "../dist/src/eval/index.js";
import { quantile } from "../dist/src/eval/quantile.js";
import { calibrateKind } from "../dist/src/passes/calibrate/index.js";
import { quantizePass } from "../dist/src/passes/quantize/index.js";
import { legalizeKind } from "../dist/targets/cpu-int8/legalize.js";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "40" },
    rounds: { type: "string", default: "5" },
    threads: { type: "string", default: "1" },
    window: { type: "string", default: "128" },
  },
});
const runs = Number(args.runs);
const rounds = Number(args.rounds);
const threads = Number(args.threads);
const window = Number(args.window);

const lm = fileURLToPath(new URL("../models/gpt-relu-brown/", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "slm-bench-cpu-int8-"));
const context = () => ({
  projectDir: work,
  workDir: mkdtempSync(join(work, "run-")),
  signal: new AbortController().signal,
  warn: (message) => console.log(`  warning: ${message}`),
});

/** Params with the schema's defaults, as the config module applies them. */
function withDefaults(schema, partial) {
  const value = structuredClone(partial);
  const validate = validatorFor(schema);
  if (!validate(value)) throw new Error(`bad params ${JSON.stringify(partial)}: ${JSON.stringify(validate.errors)}`);
  return value;
}

console.log(`cpu-int8 bench: ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown"}), node ${process.version}, ${threads} onnxruntime thread(s), window ${window}`);

const tokenizer = { tokenizerPath: join(lm, "tokenizer.json"), tokenizerConfigPath: join(lm, "tokenizer_config.json") };
const calibration = context();
const calibIds = join(calibration.workDir, "ids.bin");
await writeIdsFile(calibIds, (await tokenizeTextFile({ ...tokenizer, textPath: join(lm, "calib.txt") })).ids);
await calibrateKind.run(calibration, { model: join(lm, "model.onnx"), ids: calibIds }, { task: "causal-lm", window: 128, batch: 8, threads: 1, optimization: "all", windows: 64 });
const stats = join(calibration.workDir, "stats.json");

const variants = [
  { label: "fp32", path: join(lm, "model.onnx") },
  { label: "dynamic int8 (per-tensor)", params: { mode: "dynamic" } },
  { label: "dynamic int8 per-channel", params: { mode: "dynamic", granularity: "per-channel" } },
  { label: "static W8A8 (QDQ)", params: { mode: "static" } },
  { label: "weight-only int8 (reference)", params: {} },
];
for (const variant of variants) {
  if (!variant.params) continue;
  const ctx = context();
  const params = withDefaults(quantizePass.schema, variant.params);
  await quantizePass.kind.run(ctx, { model: join(lm, "model.onnx"), ...(params.mode === "static" ? { calibration: stats } : {}) }, params);
  variant.path = join(ctx.workDir, "model.onnx");
  const legal = context();
  const result = await legalizeKind.run(legal, { model: variant.path }, { optimization: "all", require_integer_kernels: false });
  const kernels = Object.entries(result.metrics.integerKernels).map(([op, n]) => `${n} ${op}`).join(", ") || "none";
  const floats = Object.entries(result.metrics.floatMatrixProducts).map(([op, n]) => `${n} ${op}`).join(", ") || "none";
  console.log(`  ${variant.label}: optimized graph runs integer kernels: ${kernels}; float matrix products: ${floats}`);
}

const ids = (await tokenizeTextFile({ ...tokenizer, textPath: join(lm, "eval.txt") })).ids.slice(0, window);
const sessions = [];
for (const variant of variants) sessions.push(await openSession(variant.path, { threads, optimization: "all" }));
const samples = variants.map(() => []);
for (let round = 0; round < rounds; round++) {
  for (const [i, opened] of sessions.entries()) {
    const result = await measureLatency(opened, singleInputFeeds(opened, ids), { warmup: 5, runs });
    samples[i].push(result.medianMs);
  }
}
for (const opened of sessions) await opened.session.release();

const medians = samples.map((values) => quantile(Float64Array.from(values), 0.5));
console.log(`\nlatency per window of ${window} tokens, median over ${rounds} rounds of ${runs} warm runs (measured on this machine):`);
for (const [i, variant] of variants.entries()) {
  const ratio = medians[0] / medians[i];
  const spread = `${Math.min(...samples[i]).toFixed(2)}–${Math.max(...samples[i]).toFixed(2)} ms over rounds`;
  const verdict = i === 0 ? "" : `  ×${ratio.toFixed(2)} vs fp32${variant.params?.mode ? (ratio >= 1.3 ? " (meets ≥ 1.3×)" : " (MISSES ≥ 1.3×)") : ""}`;
  console.log(`  ${variant.label.padEnd(30)} ${medians[i].toFixed(3)} ms  (${spread})${verdict}`);
}
rmSync(work, { recursive: true, force: true });
