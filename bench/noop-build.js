// A no-op `slm build` against starting Node: the example project built once, then rebuilt with
// nothing changed, timed as whole processes (what a user waits for), alternating with
// `node -e 0` in the same run so machine load hits both alike. Then the same with a model file
// 100× larger (an unused 100×-sized initializer added), to show the no-op cost does not grow
// with the model: the stat cache answers without reading it.
//
//   npm run build && node bench/noop-build.js [runs=21]
//
// Targets (issue 2): no-op ≤ 3× `node -e 0`; +<10% for the 100× model; no model bytes read
// (checked with strace when it is installed).
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { parseModel, serializeModel, arrayToTensor, DataType } from "../dist/src/onnx/index.js";

const repo = resolve(fileURLToPath(import.meta.url), "../..");
const cli = join(repo, "bin/slm.js");
const runs = Number(process.argv[2] ?? 21);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeMs(args, cwd) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd, stdio: "ignore" });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function project(label) {
  const dir = mkdtempSync(join(tmpdir(), `slm-bench-noop-${label}-`));
  cpSync(join(repo, "models/gpt-relu-brown"), join(dir, "models/gpt-relu-brown"), { recursive: true });
  writeFileSync(join(dir, "slm.config.yaml"), readFileSync(join(repo, "slm.config.yaml"), "utf8").replace("latency_runs: 20", "latency_runs: 2"));
  return dir;
}

/** Builds twice (the second settles the stat cache), then times no-op builds against `node -e 0`. */
function measure(dir) {
  for (let i = 0; i < 2; i++) execFileSync(process.execPath, [cli, "build"], { cwd: dir, stdio: "ignore" });
  const node = [];
  const slm = [];
  for (let i = 0; i < runs; i++) {
    node.push(timeMs(["-e", "0"], dir));
    slm.push(timeMs([cli, "build"], dir));
  }
  return { node: median(node), slm: median(slm) };
}

/** Bytes read from files under models/ during one no-op build, by strace; undefined without strace. */
function modelBytesRead(dir) {
  const trace = join(dir, "strace.txt");
  const result = spawnSync("strace", ["-f", "-y", "-e", "trace=read,pread64", "-o", trace, process.execPath, cli, "build"], { cwd: dir, stdio: "ignore" });
  if (result.error || result.status !== 0) return undefined;
  let bytes = 0;
  for (const line of readFileSync(trace, "utf8").split("\n")) {
    const match = /read(?:64)?\(\d+<([^>]*)>.*= (\d+)$/.exec(line);
    if (match && match[1].includes("/models/")) bytes += Number(match[2]);
  }
  return bytes;
}

function grow(dir, factor) {
  const path = join(dir, "models/gpt-relu-brown/model.onnx");
  const bytes = readFileSync(path);
  const model = parseModel(bytes, path);
  const floats = Math.floor(((factor - 1) * bytes.length) / 4);
  model.proto.graph.initializer.push(arrayToTensor("bench_unused_padding", [floats], new Float32Array(floats), DataType.FLOAT));
  writeFileSync(path, serializeModel(model));
  return readFileSync(path).length;
}

const small = project("small");
const large = project("large");
try {
  const base = measure(small);
  const readSmall = modelBytesRead(small);
  const size = grow(large, 100);
  const big = measure(large);
  const readLarge = modelBytesRead(large);
  const fmt = (ms) => `${ms.toFixed(1)} ms`;
  console.log(`no-op slm build (median of ${runs}, whole process):`);
  console.log(`  node -e 0                        ${fmt(base.node)}`);
  console.log(`  slm build, example model (4.4 MB) ${fmt(base.slm)}  = ${(base.slm / base.node).toFixed(2)}× node -e 0 (target ≤ 3×)`);
  console.log(`  slm build, model 100× (${(size / 1e6).toFixed(0)} MB)   ${fmt(big.slm)}  = ${(big.slm / big.node).toFixed(2)}× node -e 0; ${(((big.slm / big.node) / (base.slm / base.node) - 1) * 100).toFixed(1)}% vs the 4.4 MB model (target < 10%)`);
  console.log(`  model bytes read by a no-op build: ${readSmall ?? "n/a (no strace)"} (4.4 MB model), ${readLarge ?? "n/a (no strace)"} (100× model)`);
} finally {
  rmSync(small, { recursive: true, force: true });
  rmSync(large, { recursive: true, force: true });
}
