// Cost of loading and validating a config (src/config), the first thing every `slm` command does.
//
//   npx tsc -p tsconfig.build.json && node bench/config-load.js [processes=15]
//
// Each figure is the median over fresh Node processes (module loading is most of the cost, and
// only a new process pays it), for the example config below:
//   - wall time of `node -e 0` and of a process that imports the config module and loads once;
//   - inside that process: importing yaml, importing the rest of the config module, the first
//     loadConfig (with the generated validator: ajv is neither loaded nor compiled), a warm
//     loadConfig (modules loaded and compiled by V8);
//   - the first loadConfig when the catalog differs from the one the validator was generated
//     from (ajv loaded and the schema compiled at run time: the cost the generated code avoids);
//   - the same with the config module and yaml bundled into one file by esbuild, as
//     scripts/bundle.mjs bundles the CLI (dist/cli/slm.js).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const CONFIG = `# yaml-language-server: $schema=./schemas/slm.config.schema.json
name: gpt-relu-brown
model:
  task: causal-lm
  onnx: models/gpt-relu-brown/model.onnx
  tokenizer: models/gpt-relu-brown/tokenizer.json
  tokenizer_config: models/gpt-relu-brown/tokenizer_config.json
data:
  evaluation:
    path: models/gpt-relu-brown/eval.txt
    window: 128
    windows: 32
  calibration:
    path: models/gpt-relu-brown/calib.txt
evaluation:
  threads: 1
  optimization: all
  batch: 8
  latency_runs: 20
recipe: []
targets: []
build:
  out_dir: build
  store: .slm
  jobs: 2
`;

const here = fileURLToPath(import.meta.url);
const configModule = new URL("../dist/src/config/index.js", import.meta.url).href;

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4], process.argv[5] ?? configModule);
else await parent(Number(process.argv[2] ?? 15));

/** Runs in a fresh process: prints its timings as one JSON line. */
async function child(configPath, mode, modulePath) {
  const start = performance.now();
  if (mode !== "bundle") await import("yaml");
  const yamlDone = performance.now();
  const { loadConfig } = await import(modulePath);
  const imported = performance.now();
  // An empty catalog is the one the checked-in validator was generated from; "compile" adds a
  // pass, so the schema differs and ajv compiles it at run time.
  const passes = new Map(mode === "compile" ? [["prune", { schema: { type: "object", properties: { sparsity: { type: "number" } } } }]] : []);
  const catalog = { passes, targets: new Map() };
  loadConfig({ path: configPath, catalog });
  const first = performance.now();
  const warm = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    loadConfig({ path: configPath, catalog });
    warm.push(performance.now() - t);
  }
  console.log(JSON.stringify({ yaml: yamlDone - start, rest: imported - yamlDone, first: first - imported, warm: median(warm) }));
}

async function parent(processes) {
  const work = mkdtempSync(join(tmpdir(), "slm-bench-config-"));
  try {
    const configPath = join(work, "slm.config.yaml");
    writeFileSync(configPath, CONFIG);
    const bundle = await bundleConfigModule(work);
    // A process that does nothing but load the config once, as a command's start does.
    const once = (module) => [
      "--input-type=module",
      "-e",
      `import { loadConfig } from ${JSON.stringify(module)};
       loadConfig({ path: ${JSON.stringify(configPath)}, catalog: { passes: new Map(), targets: new Map() } });`,
    ];
    const child = (mode, module) => [here, "--child", configPath, mode, ...(module ? [module] : [])];
    const variants = {
      baseline: ["-e", "0"],
      once: once(configModule),
      generated: child("generated"),
      compile: child("compile"),
      ...(bundle ? { bundledOnce: once(bundle), bundled: child("bundle", bundle) } : {}),
    };
    // Round-robin, so that a slow spell of the machine affects every variant alike.
    const results = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
    for (let i = 0; i < processes; i++) for (const [name, args] of Object.entries(variants)) results[name].push(timed(args));

    const ms = (value) => `${value.toFixed(1).padStart(6)} ms`;
    const wall = (name) => median(results[name].map((r) => r.wall));
    const field = (name, figure) => median(results[name].map((r) => r.figures[figure]));
    const line = (label, value) => console.log(`${label.padEnd(52)} ${ms(value)}`);
    console.log(`config load, median of ${processes} processes, node ${process.version}`);
    line("node -e 0 (wall)", wall("baseline"));
    line("node + import + one loadConfig (wall)", wall("once"));
    line("  import yaml", field("generated", "yaml"));
    line("  import the config module (yaml already loaded)", field("generated", "rest"));
    line("  first loadConfig (generated validator)", field("generated", "first"));
    line("  warm loadConfig", field("generated", "warm"));
    line("  first loadConfig, other catalog (ajv compiles)", field("compile", "first"));
    if (bundle) {
      line("bundled: node + import + one loadConfig (wall)", wall("bundledOnce"));
      line("  bundled: import config module incl. yaml", field("bundled", "rest"));
      line("  bundled: first loadConfig", field("bundled", "first"));
    } else {
      console.log("bundled: skipped (esbuild is not installed)");
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The config module and yaml in one file, bundled as scripts/bundle.mjs bundles the CLI. */
async function bundleConfigModule(work) {
  let build;
  try {
    ({ build } = await import("esbuild"));
  } catch {
    return undefined;
  }
  const file = join(work, "config-bundle.mjs");
  await build({
    entryPoints: [fileURLToPath(configModule)],
    outfile: file,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // ajv stays in node_modules: it is loaded only to compile a schema the generated validator does not cover.
    external: ["ajv", "ajv/*"],
    banner: { js: "import { createRequire as __slmCreateRequire } from 'node:module'; const require = __slmCreateRequire(import.meta.url);" },
    logLevel: "warning",
  });
  return pathToFileURL(file).href;
}

function timed(args) {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { encoding: "utf8", cwd: join(here, "..", "..") });
  const wall = performance.now() - start;
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} failed: ${result.stderr}`);
  const line = result.stdout.trim();
  return { wall, figures: line ? JSON.parse(line) : undefined };
}

function repeat(count, run) {
  return Array.from({ length: count }, run);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
