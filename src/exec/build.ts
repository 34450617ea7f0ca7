import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { ExitCode, InputError, SlmError } from "../errors.js";
import { gateSpecs } from "../gates/spec.js";
import { formatLock, readLock, type Lock } from "../plan/lock.js";
import { assembleReport } from "../report/assemble.js";
import { renderHtml } from "../report/html.js";
import { renderMarkdown } from "../report/markdown.js";
import type { Report } from "../report/model.js";
import { Store } from "../store/store.js";
import { sha256Hex } from "../util/canonical-json.js";
import { SLM_VERSION } from "../version.js";
import type { BuildEventListener } from "./events.js";
import { execute, type BuildResult } from "./executor.js";
import { writeFileAtomic } from "../util/file-io.js";
import { materializeBuild, type MaterializedFile } from "./materialize.js";
import { planEngines, type Project } from "./project.js";

export interface BuildOptions {
  dryRun: boolean;
  frozen: boolean;
  jobs?: number;
  listener: BuildEventListener;
  signal: AbortSignal;
}

export interface BuildSummary {
  result: BuildResult;
  /** Written unless the build failed or was a dry run. */
  report?: Report;
  lockChanged: boolean;
}

/**
 * One build of a project: execute the plan, then (if every stage succeeded) assemble the build
 * folder and the report, and write slm.lock when it changed. Nothing is written on a dry run,
 * and on failure only the store gains what the stages that succeeded produced.
 */
export async function buildProject(project: Project, options: BuildOptions): Promise<BuildSummary> {
  const lock = loadLock(project.lockPath);
  if (options.frozen && lock === undefined) {
    throw new InputError(`--frozen checks the build against slm.lock, and there is none (${project.lockPath}): run slm build once without --frozen and commit slm.lock`);
  }
  const store = await Store.open(project.storeDir);
  const engines = planEngines(project.plan);
  try {
    const result = await execute(
      {
        plan: project.plan,
        projectDir: project.projectDir,
        store,
        files: store.statCache,
        lock,
        engines,
        locate: (field) => project.loaded.sources.locate(field),
      },
      { dryRun: options.dryRun, frozen: options.frozen, jobs: options.jobs ?? project.loaded.config.build.jobs, signal: options.signal, listener: options.listener },
    );
    if (options.dryRun || result.exitCode !== ExitCode.ok) return { result, lockChanged: false };

    const newLock = lockOf(result);
    const lockText = formatLock(newLock);
    const oldLockText = readText(project.lockPath);
    const report = assembleReport({
      name: project.loaded.config.name,
      task: project.loaded.config.model.task,
      configFile: project.configName,
      plan: project.plan,
      outcomes: result.outcomes,
      gates: gateSpecs(project.loaded.config.gates),
      provenance: {
        slm: SLM_VERSION,
        node: process.version,
        engines,
        machine: { platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model.trim() ?? "unknown", cores: cpus().length },
        configDigest: `sha256:${sha256Hex(project.loaded.files.map((f: string) => readText(resolve(project.projectDir, f)) ?? "").join("\0"))}`,
        lockDigest: `sha256:${sha256Hex(lockText)}`,
      },
    });
    await materializeBuild(
      project.outDir,
      materializedFiles(project, result),
      {
        "report.json": `${JSON.stringify(report, null, 2)}\n`,
        "report.md": renderMarkdown(report),
        "report.html": await renderHtml(report, readText(resolve(project.outDir, "report.html"))),
      },
      store,
    );
    const lockChanged = lockText !== oldLockText;
    if (lockChanged && !options.frozen) await writeFileAtomic(project.lockPath, lockText);
    return { result, report, lockChanged };
  } finally {
    await store.statCache.save();
  }
}

function lockOf(result: BuildResult): Lock {
  const stages: Lock["stages"] = {};
  for (const [id, outcome] of result.outcomes) if (outcome.entry) stages[id] = outcome.entry;
  return { lockVersion: 1, stages };
}

function materializedFiles(project: Project, result: BuildResult): MaterializedFile[] {
  const files: MaterializedFile[] = [];
  for (const id of project.plan.order) {
    const record = result.outcomes.get(id)?.record;
    for (const [output, path] of Object.entries(project.plan.stages.get(id)!.materialize)) {
      const ref = record?.outputs[output];
      if (!ref) throw new SlmError(`stage ${id} has no output ${output} to put in the build folder`);
      files.push({ path, ref });
    }
  }
  return files;
}

function loadLock(path: string): Lock | undefined {
  try {
    return readLock(path);
  } catch (error) {
    throw new InputError(`slm.lock is not a valid lock file (${(error as Error).message}); fix it or delete it`, { location: { file: path } });
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
