import { rm, stat } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { ExitCode, InputError, SlmError } from "../errors.js";
import { gateErrors, gateExitCode } from "../gates/verdict.js";
import { toDot, toMermaid } from "../plan/graph-format.js";
import { readLock } from "../plan/lock.js";
import { builtinRegistry } from "../plugins/registry.js";
import { removeOwnTempSync } from "../store/fs-atomic.js";
import { buildProject, type BuildSummary } from "./build.js";
import { describeParams } from "./describe-params.js";
import type { BuildEvent } from "./events.js";
import { requireBuildFolder } from "./materialize.js";
import { openProject, type Project, type ProjectOptions } from "./project.js";
import { createRenderer, formatDuration, type RendererMode } from "./renderers.js";

/**
 * What each CLI command does, as functions returning an exit code. Output goes to stdout,
 * problems to stderr; the CLI layer only parses arguments and calls these.
 */

interface CommonOptions extends ProjectOptions {
  verbose: boolean;
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

export interface BuildCommandOptions extends CommonOptions {
  dryRun: boolean;
  frozen: boolean;
  jobs?: number;
  json: boolean;
  progress: "auto" | RendererMode;
  /** A file to append a Markdown summary to (GitHub Actions' $GITHUB_STEP_SUMMARY). */
  summary?: string;
}

/** `slm build` and `slm status` (a dry run). */
export async function buildCommand(options: BuildCommandOptions): Promise<number> {
  return withJsonErrors(options.json, async () => {
    const project = openProject(options);
    const mode: RendererMode = options.json ? "silent" : options.progress === "auto" ? (process.stdout.isTTY ? "tty" : "plain") : options.progress;
    const renderer = await createRenderer(mode, out);
    const events: BuildEvent[] = [];
    const controller = new AbortController();
    const stopOnSignal = (signal: NodeJS.Signals): void => {
      controller.abort();
      // Everything slm publishes goes through temp files and renames, so exiting here leaves the
      // store, build/ and slm.lock as they were or complete; this process's own temp files and
      // stage folders go with it.
      removeOwnTempSync(project.storeDir);
      process.stderr.write(`\nslm: interrupted (${signal}); the store and ${relative(process.cwd(), project.outDir) || "."} are consistent\n`);
      process.exit(ExitCode.interrupted);
    };
    process.once("SIGINT", stopOnSignal);
    process.once("SIGTERM", stopOnSignal);
    const summary = await buildProject(project, {
      dryRun: options.dryRun,
      frozen: options.frozen,
      ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
      signal: controller.signal,
      listener: (event) => {
        events.push(event);
        renderer.listener(event);
      },
    });
    await renderer.close();
    process.off("SIGINT", stopOnSignal);
    process.off("SIGTERM", stopOnSignal);
    for (const outcome of summary.result.outcomes.values()) {
      if (!outcome.error || options.json) continue;
      process.stderr.write(`slm: ${outcome.error.format()}\n`);
      if (options.verbose) process.stderr.write(`${stackOf(outcome.error)}\n`);
    }
    // Gates are judged on the written report: a failed gate still leaves the report to read.
    const gates = summary.report ? gateErrors(summary.report.results.gates, (path) => project.loaded.sources.locate(path)) : [];
    const exitCode = summary.result.exitCode === ExitCode.ok ? gateExitCode(gates) : summary.result.exitCode;
    if (!options.json) for (const error of gates) process.stderr.write(`slm: ${error.format()}\n`);
    if (options.summary !== undefined && !options.dryRun) await appendBuildSummary(options.summary, project, summary);
    if (options.json) out(JSON.stringify(buildJson(summary, options.dryRun, project.outDir, exitCode, gates), null, 2));
    else out(buildLine(summary, options.dryRun, relative(process.cwd(), project.outDir) || ".", exitCode));
    return exitCode;
  });
}

/** The build's summary for CI: the report's, or which stages failed when there is no report. */
async function appendBuildSummary(file: string, project: Project, summary: BuildSummary): Promise<void> {
  const { appendSummary } = await import("./report-command.js");
  if (summary.report) {
    const { summaryMarkdown } = await import("../report/summary.js");
    appendSummary(file, summaryMarkdown(summary.report));
    return;
  }
  const failed = [...summary.result.outcomes.values()].filter((outcome) => outcome.error);
  const lines = [`### slm: ${project.loaded.config.name}: build failed (exit ${summary.result.exitCode})`, ""];
  for (const outcome of failed) lines.push(`- \`${outcome.id}\`: ${outcome.error!.message.replace(/\s*\n\s*/g, " ")}`);
  appendSummary(file, lines.join("\n"));
}

/** `slm validate`: the config, the plan, and that every file it names exists. */
export async function validateCommand(options: CommonOptions & { json: boolean }): Promise<number> {
  return withJsonErrors(options.json, async () => {
    const project = openProject(options);
    const errors: SlmError[] = [];
    for (const stage of project.plan.stages.values()) {
      for (const input of Object.values(stage.inputs)) {
        if (input.from !== "source") continue;
        const path = resolve(project.projectDir, input.path);
        const problem = await stat(path).then(
          (s) => (s.isFile() ? undefined : "is not a file"),
          () => "file not found",
        );
        if (problem) errors.push(new InputError(`${input.field}: ${problem}: ${input.path}`, { location: project.loaded.sources.locate(input.field) }));
      }
    }
    if (errors.length > 0) throw errors.length === 1 ? errors[0] : new InputError(errors.map((e) => e.format()).join("\n"));
    if (options.json) out(JSON.stringify({ valid: true, config: project.configName, stages: project.plan.order }, null, 2));
    else out(`${project.configName}: valid (${project.plan.order.length} stages: ${project.plan.order.join(", ")})`);
    return ExitCode.ok;
  });
}

/** `slm graph --format dot|mermaid`. */
export async function graphCommand(options: CommonOptions & { format: "dot" | "mermaid" }): Promise<number> {
  const project = openProject(options);
  process.stdout.write(options.format === "dot" ? toDot(project.plan) : toMermaid(project.plan));
  return ExitCode.ok;
}

/** `slm clean [--cache]`. */
export async function cleanCommand(options: CommonOptions & { cache: boolean }): Promise<number> {
  const project = openProject(options);
  await requireBuildFolder(project.outDir);
  const removed = [project.outDir, ...(options.cache ? [project.storeDir] : [])];
  for (const dir of removed) await rm(dir, { recursive: true, force: true });
  out(`removed ${removed.map((d) => relative(process.cwd(), d) || d).join(" and ")}`);
  return ExitCode.ok;
}

/** `slm gc --max-size SIZE`: keeps what slm.lock names. */
export async function gcCommand(options: CommonOptions & { maxSize: string; dryRun: boolean }): Promise<number> {
  const { gc, parseSize, Store } = await import("../store/index.js");
  const project = openProject(options);
  const maxBytes = parseSize(options.maxSize);
  const lock = readLock(project.lockPath);
  const keepKeys = new Set(Object.values(lock?.stages ?? {}).map((entry) => entry.key));
  const store = await Store.open(project.storeDir);
  const result = await gc(store, { maxBytes, keepKeys, dryRun: options.dryRun });
  out(
    `${options.dryRun ? "would remove" : "removed"} ${result.removedActions} action records and ${result.removedBlobs} blobs: ` +
      `${formatMB(result.before)} → ${formatMB(result.after)} (budget ${formatMB(maxBytes)})`,
  );
  return ExitCode.ok;
}

/** `slm passes` / `slm targets`: the plugins and their params, from their JSON Schemas. */
export async function pluginsCommand(options: { which: "passes" | "targets"; json: boolean }): Promise<number> {
  const plugins = [...builtinRegistry()[options.which].values()].sort((a, b) => a.name.localeCompare(b.name));
  const described = plugins.map((p) => ({ name: p.name, description: p.description, params: describeParams(p.schema) }));
  if (options.json) {
    out(JSON.stringify(described, null, 2));
    return ExitCode.ok;
  }
  if (described.length === 0) out(`no ${options.which} are registered in this version of slm`);
  for (const plugin of described) {
    out(`${plugin.name}: ${plugin.description}`);
    for (const param of plugin.params) {
      out(`  ${param.name} (${param.type}${param.default === undefined ? "" : `, default ${JSON.stringify(param.default)}`})${param.description ? `: ${param.description}` : ""}`);
    }
  }
  return ExitCode.ok;
}

function buildLine(summary: BuildSummary, dryRun: boolean, outDir: string, exitCode: number): string {
  const counts = new Map<string, number>();
  for (const outcome of summary.result.outcomes.values()) counts.set(outcome.state, (counts.get(outcome.state) ?? 0) + 1);
  const parts = [...counts].map(([state, n]) => `${n} ${state === "would-run" ? "to run" : state}`);
  if (dryRun) return `plan: ${parts.join(", ")} (nothing was run)`;
  const total = [...summary.result.outcomes.values()].reduce((sum, o) => sum + o.durationMs, 0);
  const allCached = counts.get("cached") === summary.result.outcomes.size;
  const head = allCached ? `build: all ${summary.result.outcomes.size} stages came from the cache` : `build: ${parts.join(", ")}`;
  if (summary.result.exitCode !== ExitCode.ok) return `${head}; failed (exit ${summary.result.exitCode})`;
  const gates = summary.report?.results.gates ?? [];
  const failedGates = gates.filter((gate) => gate.status !== "passed").length;
  const verdict = gates.length === 0 ? "" : failedGates === 0 ? `; ${gates.length} gate${gates.length === 1 ? "" : "s"} passed` : `; gates failed (exit ${exitCode})`;
  return `${head} (stage time ${formatDuration(total)}); report: ${outDir}/report.md${summary.lockChanged ? "; slm.lock updated" : ""}${verdict}`;
}

function buildJson(summary: BuildSummary, dryRun: boolean, outDir: string, exitCode: number, gateErrors: readonly SlmError[]): object {
  return {
    ok: exitCode === ExitCode.ok,
    exitCode,
    dryRun,
    stages: [...summary.result.outcomes.values()].map((o) => ({
      id: o.id,
      state: o.state,
      reasons: o.reasons,
      durationMs: Math.round(o.durationMs),
      ...(o.entry ? { key: o.entry.key, outputs: o.entry.outputs } : {}),
      ...(o.error ? { error: errorJson(o.error) } : {}),
    })),
    ...(summary.report ? { report: resolve(outDir, "report.json"), results: summary.report.results } : {}),
    ...(gateErrors.length > 0 ? { errors: gateErrors.map(errorJson) } : {}),
    lockChanged: summary.lockChanged,
  };
}

/** With --json, errors are JSON on stdout too (and still set the exit code). */
async function withJsonErrors(json: boolean, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!json || !(error instanceof SlmError)) throw error;
    out(JSON.stringify({ ok: false, exitCode: error.exitCode, errors: [errorJson(error)] }, null, 2));
    return error.exitCode;
  }
}

/** The stack of the original error (a stage's error is wrapped with the stage's name). */
function stackOf(error: Error): string {
  return error.cause instanceof Error ? stackOf(error.cause) : (error.stack ?? error.message);
}

function errorJson(error: SlmError): object {
  return { message: error.message, ...(error.location ? { location: error.location } : {}), formatted: error.format() };
}

function formatMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
