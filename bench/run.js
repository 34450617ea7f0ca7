// `npm run bench`: every benchmark in turn, each printing its own figures. Sizes are chosen to
// finish in about half an hour on 2 cores (the accuracy benches use 256 of the 1857 evaluation
// windows); run a script alone with its defaults for the full evaluation protocol.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const benches = [
  ["noop-build.js", "21"],
  ["hash.js", "512"],
  ["onnx-read.js", "200"],
  ["eval-overhead.js", "--windows", "64", "--threads", "1"],
  ["config-load.js"],
  ["quantize.js", "--windows", "256"],
  ["prune.js", "--windows", "256", "--mb", "100"],
  ["calibrate.js"],
  ["cpu-int8.js"],
  ["snn.js", "--reps", "3"],
];

let failed = 0;
for (const [script, ...args] of benches) {
  console.log(`\n== bench/${script} ${args.join(" ")}`);
  const result = spawnSync(process.execPath, [join(here, script), ...args], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.log(`bench/${script} exited ${result.status}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
