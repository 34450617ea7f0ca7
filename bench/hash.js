// Hashing throughput of the store (src/store), against the ceiling: Node's sha256 over memory.
//
//   npx tsc -p tsconfig.build.json && node bench/hash.js [MiB=512]
//
// Prints MB/s (10^6 bytes/s) for
//   - sha256 of an in-memory buffer (crypto.createHash, one update): the ceiling;
//   - StatCache.digestFile on a file of that size, cold stat cache, warm page cache;
//   - Store.putFile of that file into an empty store, cold stat cache (a reflink and a hash of
//     the copy where the file system has reflinks, else one pass that copies while hashing);
// and the cost of a stat-cache hit (digestFile on an unchanged file) in microseconds.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StatCache } from "../dist/src/store/stat-cache.js";
import { Store } from "../dist/src/store/store.js";

const MiB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 512);
const runs = 5;
const work = mkdtempSync(join(tmpdir(), "slm-bench-hash-"));

try {
  const file = join(work, "model.bin");
  // Random 1 MiB repeated: incompressible enough, and cheap to write.
  const block = randomBytes(MiB);
  const data = Buffer.alloc(sizeMiB * MiB);
  for (let offset = 0; offset < data.length; offset += MiB) block.copy(data, offset);
  writeFileSync(file, data);
  readFileSync(file); // warm the page cache
  const bytes = data.length;

  const memory = await measure(() => createHash("sha256").update(data).digest("hex"));
  const store = await Store.open(join(work, ".slm"));
  const digestFile = await measure(() => new StatCache(join(work, "cold.json"), store.tmpDir).digestFile(file));
  const putFile = await measure(async () => {
    rmSync(join(work, ".slm"), { recursive: true, force: true });
    const fresh = await Store.open(join(work, ".slm"));
    await fresh.putFile(file);
  });

  // Stat-cache hit: a cache that has hashed the file once (let the fs clock pass its mtime first).
  await new Promise((resolve) => setTimeout(resolve, 50));
  const warm = new StatCache(join(work, "warm.json"), store.tmpDir);
  await warm.digestFile(file);
  const hits = 20_000;
  const start = performance.now();
  for (let i = 0; i < hits; i++) await warm.digestFile(file);
  const hitMicros = ((performance.now() - start) * 1000) / hits;
  if (warm.counters.hashed !== 1) throw new Error(`expected hits only, hashed ${warm.counters.hashed} times`);

  const mbps = (ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  const line = (name, result) =>
    console.log(`${name.padEnd(44)} ${mbps(result.median).padStart(6)} MB/s median  ${mbps(result.best).padStart(6)} MB/s best`);
  console.log(`file: ${sizeMiB} MiB, ${runs} runs each, node ${process.version}`);
  line("sha256 in memory (crypto.createHash)", memory);
  line("StatCache.digestFile (cold cache, warm pages)", digestFile);
  line("Store.putFile (copy into store + hash)", putFile);
  console.log(`${"stat-cache hit (digestFile, unchanged file)".padEnd(44)} ${hitMicros.toFixed(1).padStart(6)} µs per call`);
  console.log(`digestFile / in-memory: ${((memory.median / digestFile.median) * 100).toFixed(0)}%`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Median and best wall time in ms of `runs` calls of `fn`. */
async function measure(fn) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)], best: times[0] };
}
