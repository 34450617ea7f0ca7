import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { ExitCode, InputError } from "../errors.js";
import { LOCK_FILE, readLock, type Lock } from "../plan/lock.js";
import { diffMarkdown, type DiffSide } from "../report/diff.js";
import { parseReport } from "../report/read-report.js";
import { summaryMarkdown } from "../report/summary.js";
import { openProject, type ProjectOptions } from "./project.js";

export interface ReportCommandOptions extends ProjectOptions {
  /** The report to read; default: report.json in the config's build folder. */
  report?: string;
  /** Another report.json, or a git revision (its slm.lock, and its report.json if committed). */
  diff?: string;
  /** A file to append the Markdown to (GitHub Actions' $GITHUB_STEP_SUMMARY). */
  summary?: string;
}

/**
 * `slm report`: prints the summary of the last build's report (gates and comparison table), or
 * with `--diff OTHER` what changed from OTHER; `--summary FILE` appends the same Markdown to FILE.
 *
 * OTHER is a report.json when such a file exists; otherwise a git revision. Reports are build
 * outputs and seldom committed, while slm.lock is: against a revision, artifacts are compared
 * lock to lock (each stage output's digest), and metrics only if that revision has a committed
 * report.json in the build folder (else the output says so; pass the base build's report.json).
 */
export async function reportCommand(options: ReportCommandOptions): Promise<number> {
  const project = options.report === undefined || (options.diff !== undefined && !existsSync(options.diff)) ? openProject(options) : undefined;
  const reportPath = options.report ?? resolve(project!.outDir, "report.json");
  const head = parseReport(readText(reportPath, "run slm build first, or pass --report FILE"), displayPath(reportPath));
  let markdown: string;
  if (options.diff === undefined) {
    markdown = summaryMarkdown(head);
  } else if (existsSync(options.diff)) {
    const base = parseReport(readText(options.diff), displayPath(options.diff));
    markdown = diffMarkdown(
      { name: displayPath(options.diff), report: base, artifacts: base.results.artifacts },
      { name: displayPath(reportPath), report: head, artifacts: head.results.artifacts },
    );
  } else {
    const { side, notes } = revisionSide(options.diff, project!.projectDir, relative(project!.projectDir, project!.outDir));
    const lock = readLock(project!.lockPath);
    markdown = diffMarkdown(side, { name: "working tree", report: head, artifacts: lockArtifacts(lock) }, notes);
  }
  process.stdout.write(`${markdown}\n`);
  if (options.summary !== undefined) appendSummary(options.summary, markdown);
  return ExitCode.ok;
}

/** Appends Markdown to a step-summary file, a blank line after it so the next step's starts afresh. */
export function appendSummary(file: string, markdown: string): void {
  try {
    appendFileSync(file, `${markdown.trimEnd()}\n\n`);
  } catch (error) {
    throw new InputError(`cannot append the summary (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { location: { file } });
  }
}

/** A git revision's side: its slm.lock's output digests, and its committed report.json if any. */
function revisionSide(revision: string, projectDir: string, outDir: string): { side: DiffSide; notes: string[] } {
  const prefix = git(projectDir, ["rev-parse", "--show-prefix"], `"${revision}" is neither a file nor a git revision (${projectDir} is not in a git repository)`).trim();
  git(projectDir, ["rev-parse", "--verify", "--quiet", `${revision}^{commit}`], `"${revision}" is neither a file nor a git revision of this repository`);
  const show = (path: string): string | undefined => {
    try {
      return execFileSync("git", ["show", `${revision}:${prefix}${path}`], { cwd: projectDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 256 << 20 });
    } catch {
      return undefined;
    }
  };
  const notes: string[] = [];
  const lockText = show(LOCK_FILE);
  if (lockText === undefined) notes.push(`${revision} has no committed ${prefix}${LOCK_FILE}: every artifact reads as new.`);
  const reportPath = `${outDir.split("\\").join("/")}/report.json`;
  const reportText = show(reportPath);
  if (reportText === undefined) notes.push(`${revision} has no committed ${prefix}${reportPath}, so only artifact digests are compared; for metrics, pass the base build's report.json to --diff.`);
  const side: DiffSide = {
    name: revision,
    ...(reportText === undefined ? {} : { report: parseReport(reportText, `${revision}:${prefix}${reportPath}`) }),
    artifacts: lockText === undefined ? {} : lockArtifacts(parseLock(lockText, `${revision}:${prefix}${LOCK_FILE}`)),
  };
  return { side, notes };
}

/** `stage/output` → digest for every output a lock records. */
function lockArtifacts(lock: Lock | undefined): Record<string, string> {
  const artifacts: Record<string, string> = {};
  for (const [stage, entry] of Object.entries(lock?.stages ?? {})) {
    for (const [output, digest] of Object.entries(entry.outputs)) artifacts[`${stage}/${output}`] = digest;
  }
  return artifacts;
}

function parseLock(text: string, source: string): Lock {
  try {
    const lock = JSON.parse(text) as Partial<Lock>;
    if (lock.lockVersion === 1 && typeof lock.stages === "object" && lock.stages !== null) return lock as Lock;
  } catch {
    // Reported below, with the other ways a lock can be wrong.
  }
  throw new InputError("not an slm lock (lockVersion 1 expected)", { location: { file: source } });
}

function git(cwd: string, args: string[], failure: string): string {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    throw new InputError(failure);
  }
}

function readText(path: string, hint?: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InputError(`cannot read the report (${code})${hint ? `; ${hint}` : ""}`, { location: { file: displayPath(path) } });
  }
}

function displayPath(path: string): string {
  return relative(process.cwd(), resolve(path)) || path;
}
