import { execFile, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (test/e2e/ is two levels down). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(REPO, "bin/slm.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A throwaway project in a temp folder with a copy of one bundled model, driven through the
 * real CLI (bin/slm.js over the compiled dist/, as `npx slm` runs it). Tests prove freshness
 * by what the CLI reports and what the store and lock contain, never by peeking at internals.
 */
export class Project {
  readonly dir: string;

  constructor(label = "slm-e2e-") {
    this.dir = mkdtempSync(join(tmpdir(), label));
  }

  /** Copies models/<name>/ into the project; `evalBytes` keeps only that much of eval.txt. */
  addModel(name: "gpt-relu-brown" | "brown-genre-mlp", options: { evalBytes?: number } = {}): this {
    cpSync(join(REPO, "models", name), join(this.dir, "models", name), { recursive: true });
    if (options.evalBytes !== undefined) {
      const path = join(this.dir, "models", name, "eval.txt");
      writeFileSync(path, readFileSync(path).subarray(0, options.evalBytes));
    }
    return this;
  }

  write(path: string, content: string | Uint8Array): this {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true });
    writeFileSync(join(this.dir, path), content);
    return this;
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), "utf8");
  }

  readBytes(path: string): Buffer {
    return readFileSync(join(this.dir, path));
  }

  path(path: string): string {
    return join(this.dir, path);
  }

  /** Runs `slm ...args` in the project folder. */
  run(...args: string[]): Promise<CliResult> {
    return new Promise((resolvePromise) => {
      execFile(process.execPath, [CLI, ...args], { cwd: this.dir, env: cliEnv(), maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      });
    });
  }

  /** Starts `slm ...args` without waiting, for kill and concurrency tests. */
  spawn(...args: string[]): ChildProcess {
    return spawn(process.execPath, [CLI, ...args], { cwd: this.dir, env: cliEnv(), stdio: ["ignore", "pipe", "pipe"] });
  }

  /** `slm build --json` parsed. */
  async buildJson(...args: string[]): Promise<{ result: CliResult; json: BuildJson }> {
    const result = await this.run("build", "--json", ...args);
    return { result, json: JSON.parse(result.stdout) as BuildJson };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface BuildJson {
  ok: boolean;
  exitCode: number;
  stages: Array<{ id: string; state: string; reasons: string[]; key?: string; outputs?: Record<string, string> }>;
  results?: { models: Array<{ metrics: Record<string, number>; latency?: { medianMs: number; label: string } }> };
  lockChanged: boolean;
  errors?: Array<{ message: string; formatted: string }>;
}

/** Stage id → state, for compact assertions. */
export function states(json: BuildJson): Record<string, string> {
  return Object.fromEntries(json.stages.map((s) => [s.id, s.state]));
}

function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FORCE_COLOR;
  return env;
}

/** The example config of the language model, with small evaluation settings for tests. */
export function lmConfig(extra = ""): string {
  return `# yaml-language-server: $schema=./schemas/slm.config.schema.json
name: lm-test
model:
  task: causal-lm
  onnx: models/gpt-relu-brown/model.onnx
  tokenizer: models/gpt-relu-brown/tokenizer.json
  tokenizer_config: models/gpt-relu-brown/tokenizer_config.json
data:
  evaluation:
    path: models/gpt-relu-brown/eval.txt
    window: 128
    windows: 4
evaluation:
  latency_runs: 3
${extra}`;
}

/** Data slices of the classifier config: eval samples (default 100), calibration samples (none: no calibration data). */
export interface ClassifierSlices {
  samples?: number;
  /** Adds data.calibration (calib.jsonl) with this many samples; 0 = all of them. */
  calibration?: number;
  latencyRuns?: number;
}

/** The classifier config, on the first 100 eval samples unless `slices` says otherwise. */
export function classifierConfig(extra = "", slices: ClassifierSlices = {}): string {
  const calibration =
    slices.calibration === undefined
      ? ""
      : `  calibration:\n    path: models/brown-genre-mlp/calib.jsonl\n${slices.calibration > 0 ? `    samples: ${slices.calibration}\n` : ""}`;
  return `name: mlp-test
model:
  task: classifier
  onnx: models/brown-genre-mlp/model.onnx
  tokenizer: models/brown-genre-mlp/tokenizer.json
data:
  evaluation:
    path: models/brown-genre-mlp/eval.jsonl
    samples: ${slices.samples ?? 100}
${calibration}evaluation:
  latency_runs: ${slices.latencyRuns ?? 3}
${extra}`;
}
