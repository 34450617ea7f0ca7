// Overhead of slm's perplexity evaluation over bare onnxruntime-node inference.
//
//   npx tsc -p tsconfig.build.json && node bench/eval-overhead.js [--windows 64] [--batch 16]
//       [--threads 1,2] [--reps 5] [--full]
//
// Over the same windows of models/gpt-relu-brown/eval-ids.json it times
//   (a) bare: session.run over tensors built beforehand (the floor: inference alone), and
//   (b) the full evaluation: computePerplexity (tensors, checks, float64 log-softmax scoring),
// on one open session, and prints both and their ratio (target ≤ 1.2), once with the default
// scoring workers (cores minus onnxruntime threads, at most 4) and once on the main thread. It also times tokenizing eval.txt.
// --full evaluates all 1857 windows of eval.txt against metrics.json (fp32 ppl 35.4894).
// Figures are medians of --reps repetitions after one warm-up.
import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { computePerplexity, openSession, tokenizeTextFile } from "../dist/src/eval/index.js";

const { values: args } = parseArgs({
  options: {
    windows: { type: "string", default: "64" },
    batch: { type: "string", default: "16" },
    threads: { type: "string", default: "1,2" },
    reps: { type: "string", default: "5" },
    full: { type: "boolean", default: false },
  },
});
const windows = Number(args.windows);
const batch = Number(args.batch);
const reps = Number(args.reps);
const threadCounts = args.threads.split(",").map(Number);

const dir = fileURLToPath(new URL("../models/gpt-relu-brown/", import.meta.url));
const metrics = JSON.parse(readFileSync(`${dir}metrics.json`, "utf8"));
const evalIds = Int32Array.from(JSON.parse(readFileSync(`${dir}eval-ids.json`, "utf8")).flat());
if (windows * 128 > evalIds.length) throw new Error(`eval-ids.json has only ${evalIds.length / 128} windows`);

async function medianMs(fn) {
  await fn(); // warm-up
  const times = [];
  for (let i = 0; i < reps; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const ms = (value) => `${value.toFixed(1)} ms`;
console.log(`eval-overhead: ${windows} windows of 128, batch ${batch}, median of ${reps} (+1 warm-up)`);
console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown"}), node ${process.version}`);

for (const threads of threadCounts) {
  const opened = await openSession(`${dir}model.onnx`, { threads });
  try {
    const tensors = [];
    for (let first = 0; first < windows; first += batch) {
      const count = Math.min(batch, windows - first);
      const data = BigInt64Array.from(evalIds.subarray(first * 128, (first + count) * 128), (id) => BigInt(id));
      tensors.push(new opened.ort.Tensor("int64", data, [count, 128]));
    }
    const bare = await medianMs(async () => {
      for (const input_ids of tensors) await opened.session.run({ input_ids });
    });
    let result;
    const full = await medianMs(async () => {
      result = await computePerplexity(opened, evalIds, { windows, batch });
    });
    const inline = await medianMs(async () => {
      result = await computePerplexity(opened, evalIds, { windows, batch, scoringWorkers: 0 });
    });
    console.log(`threads ${threads}:`);
    console.log(`  (a) bare session.run           ${ms(bare)}`);
    console.log(`  (b) computePerplexity          ${ms(full)}   ratio ${(full / bare).toFixed(2)}  (default: scoring workers on the cores onnxruntime leaves free)`);
    console.log(`  (b) computePerplexity, inline  ${ms(inline)}   ratio ${(inline / bare).toFixed(2)}  (scoringWorkers 0: scoring on the main thread)`);
    console.log(`  perplexity ${result.perplexity.toFixed(4)} (metrics.json fp32_first64 ${metrics.results.fp32_first64.ppl})`);
  } finally {
    await opened.session.release();
  }
}

const tokenize = () =>
  tokenizeTextFile({
    tokenizerPath: `${dir}tokenizer.json`,
    tokenizerConfigPath: `${dir}tokenizer_config.json`,
    textPath: `${dir}eval.txt`,
  });
let tokenized;
const tokenizeMs = await medianMs(async () => {
  tokenized = await tokenize();
});
const textBytes = readFileSync(`${dir}eval.txt`).length;
console.log(
  `tokenize eval.txt (${(textBytes / 1000).toFixed(0)} KB → ${tokenized.ids.length} ids, load + encode): ${ms(tokenizeMs)}`,
);

if (args.full) {
  const threads = Math.max(...threadCounts);
  const opened = await openSession(`${dir}model.onnx`, { threads });
  try {
    const start = process.hrtime.bigint();
    const all = await computePerplexity(opened, tokenized.ids, { batch, tokenizerVocabSize: tokenized.vocabSize });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    const expected = metrics.results.fp32.ppl;
    console.log(
      `full eval (${all.windows} windows, ${all.predictions} predictions, threads ${threads}): ppl ${all.perplexity.toFixed(4)}, ` +
        `mean NLL ${all.nll.toFixed(6)} (metrics.json ${expected}, relative diff ${(Math.abs(all.perplexity - expected) / expected).toExponential(1)}) in ${ms(elapsed)}`,
    );
  } finally {
    await opened.session.release();
  }
}
