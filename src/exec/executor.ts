import { rm, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { ExitCode, InputError, SlmError, type SourceLocation } from "../errors.js";
import { explainChanges, explainDiscovered, type StageDescription } from "../plan/explain.js";
import { actionKey, discoveredKey, keyMaterial } from "../plan/key.js";
import type { Lock, LockEntry, LockInput } from "../plan/lock.js";
import type { Plan, StageInstance } from "../plan/plan.js";
import type { Json } from "../util/canonical-json.js";
import type { BuildEventListener, StageState } from "./events.js";
import { checkFrozenOutputs, checkNoStaleLockEntries, frozenDrift } from "./frozen.js";
import { KeyLocks } from "./key-locks.js";
import { RunGate } from "./run-gate.js";
import { Semaphore } from "./semaphore.js";
import type { OutputRef } from "../store/action-record.js";
import type { Store } from "../store/store.js";

/** Digests project files; the stat cache answers without reading unchanged files. */
export interface FileDigester {
  digestFile(path: string): Promise<{ digest: string; size: number }>;
}

export interface BuildContext {
  plan: Plan;
  projectDir: string;
  store: Store;
  files: FileDigester;
  lock: Lock | undefined;
  engines: Record<string, string>;
  /** Position of a config field, for errors about the files it names. */
  locate(field: string): SourceLocation | undefined;
}

export interface ExecuteOptions {
  dryRun: boolean;
  /** CI mode: fail instead of building anything the lock does not already record. */
  frozen: boolean;
  jobs: number;
  signal: AbortSignal;
  listener: BuildEventListener;
}

/** The action record slm keeps per stage run (store/ only looks at `outputs`). */
export interface StageRecord {
  [extra: string]: unknown;
  outputs: Record<string, OutputRef>;
  stage: string;
  kind: string;
  kindVersion: string;
  metrics: Record<string, Json>;
  warnings: string[];
  durationMs: number;
  discovered?: Record<string, string>;
}

export interface StageOutcome {
  id: string;
  /** "would-run" only in a dry run. */
  state: StageState | "would-run";
  reasons: string[];
  entry?: LockEntry;
  record?: StageRecord;
  /** Wall time of this stage in this build (restoring from the cache included). */
  durationMs: number;
  error?: SlmError;
}

export interface BuildResult {
  outcomes: ReadonlyMap<string, StageOutcome>;
  exitCode: ExitCode;
}

/**
 * Runs (or, in a dry run, explains) every stage of the plan: each is restored from the action
 * cache when its key is known there, else run in a fresh temp folder and published into the
 * store. Independent stages run at once, up to `jobs`. A failed stage skips what depends on it;
 * other branches go on.
 */
export async function execute(context: BuildContext, options: ExecuteOptions): Promise<BuildResult> {
  const sources = await digestSources(context);
  const outcomes = new Map<string, StageOutcome>();
  const semaphore = new Semaphore(options.dryRun ? 1 : options.jobs);
  const gate = new RunGate();
  const keyLocks = new KeyLocks();
  const pending = new Map<string, Promise<StageOutcome>>();
  options.listener({ type: "start", stages: context.plan.order, dryRun: options.dryRun });

  for (const id of context.plan.order) {
    const stage = context.plan.stages.get(id)!;
    const upstream = upstreamIds(stage).map((up) => pending.get(up)!);
    pending.set(
      id,
      Promise.all(upstream).then(async () => {
        await semaphore.acquire();
        try {
          const outcome = await processStage(context, options, stage, sources, outcomes, gate, keyLocks);
          outcomes.set(id, outcome);
          return outcome;
        } finally {
          semaphore.release();
        }
      }),
    );
  }
  await Promise.all(pending.values());
  if (options.frozen && !options.dryRun) checkNoStaleLockEntries(context.lock, context.plan.stages);
  return { outcomes, exitCode: exitCodeOf(outcomes.values()) };
}

async function processStage(
  context: BuildContext,
  options: ExecuteOptions,
  stage: StageInstance,
  sources: ReadonlyMap<string, string>,
  outcomes: ReadonlyMap<string, StageOutcome>,
  gate: RunGate,
  keyLocks: KeyLocks,
): Promise<StageOutcome> {
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  const blocked = upstreamIds(stage).filter((up) => {
    const state = outcomes.get(up)?.state;
    return state === "failed" || state === "skipped";
  });
  if (blocked.length > 0 || options.signal.aborted) {
    const reasons = blocked.length > 0 ? [`not run: ${blocked.join(", ")} failed`] : ["not run: interrupted"];
    options.listener({ type: "stage-end", id: stage.id, state: "skipped", durationMs: 0, reasons });
    return { id: stage.id, state: "skipped", reasons, durationMs: 0 };
  }

  const description = describe(context, stage, sources, outcomes);
  const previous = context.lock?.stages[stage.id];
  const reasons = explainChanges(description, previous);
  const rerunUpstream = upstreamIds(stage).filter((up) => outcomes.get(up)?.state === "would-run");
  if (rerunUpstream.length > 0) {
    const why = [...reasons.filter((r) => !r.endsWith("rebuilt upstream")), `after ${rerunUpstream.join(", ")} reruns (skipped if its output does not change)`];
    options.listener({ type: "stage-planned", id: stage.id, willRun: true, reasons: why });
    return { id: stage.id, state: "would-run", reasons: why, durationMs: 0 };
  }

  const inputDigests = mapValues(description.inputs, (input) => input.digest!);
  const baseKey = actionKey(keyMaterial(stage, inputDigests, context.engines));

  if (options.frozen && reasons.length > 0) {
    return fail(options, stage, elapsed(), frozenDrift(stage.id, reasons));
  }

  return keyLocks.run(baseKey, () => restoreOrRun(context, options, stage, outcomes, gate, { description, reasons, baseKey, previous, elapsed }));
}

/** A stage whose key is known: restored from the cache when its record is there, else run. */
async function restoreOrRun(
  context: BuildContext,
  options: ExecuteOptions,
  stage: StageInstance,
  outcomes: ReadonlyMap<string, StageOutcome>,
  gate: RunGate,
  known: { description: StageDescription; reasons: string[]; baseKey: string; previous: LockEntry | undefined; elapsed: () => number },
): Promise<StageOutcome> {
  const { description, reasons, baseKey, previous, elapsed } = known;
  const entryOf = (record: StageRecord): LockEntry => lockEntry(description, baseKey, record);
  const hit = await lookup(context, baseKey);
  if (hit.record) {
    const entry = entryOf(hit.record);
    const cachedReasons = reasons.length > 0 ? [`restored from the cache (differs from slm.lock: ${reasons.join("; ")})`] : [];
    const frozenError = options.frozen ? checkFrozenOutputs(stage.id, entry, previous) : undefined;
    if (frozenError) return fail(options, stage, elapsed(), frozenError);
    if (options.dryRun) options.listener({ type: "stage-planned", id: stage.id, willRun: false, reasons: cachedReasons });
    else {
      // A stage's warnings hold for its cached result too: shown again, not lost with the rerun (as cargo does).
      for (const message of hit.record.warnings ?? []) options.listener({ type: "warning", id: stage.id, message });
      options.listener({ type: "stage-end", id: stage.id, state: "cached", durationMs: elapsed(), reasons: cachedReasons });
    }
    return { id: stage.id, state: "cached", reasons: cachedReasons, entry, record: hit.record, durationMs: elapsed() };
  }

  const runReasons = [...reasons, ...hit.reasons];
  if (runReasons.length === 0) runReasons.push("not in the cache");
  if (options.dryRun) {
    options.listener({ type: "stage-planned", id: stage.id, willRun: true, reasons: runReasons });
    return { id: stage.id, state: "would-run", reasons: runReasons, durationMs: 0 };
  }

  options.listener({ type: "stage-start", id: stage.id, reasons: runReasons });
  const { paths, checkout } = await inputPaths(context, stage, outcomes);
  try {
    const record = await runStage(context, options, stage, paths, baseKey, gate);
    const entry = entryOf(record);
    const frozenError = options.frozen ? checkFrozenOutputs(stage.id, entry, previous) : undefined;
    if (frozenError) return fail(options, stage, elapsed(), frozenError);
    options.listener({ type: "stage-end", id: stage.id, state: "ran", durationMs: elapsed(), reasons: runReasons });
    return { id: stage.id, state: "ran", reasons: runReasons, entry, record, durationMs: elapsed() };
  } catch (error) {
    return fail(options, stage, elapsed(), stageError(stage, error, inputLabels(context, stage, paths), context.locate));
  } finally {
    if (checkout) await rm(checkout, { recursive: true, force: true });
  }
}

/** Runs a stage in a fresh temp folder and publishes its outputs and record into the store. */
async function runStage(
  context: BuildContext,
  options: ExecuteOptions,
  stage: StageInstance,
  inputs: Record<string, string>,
  baseKey: string,
  gate: RunGate,
): Promise<StageRecord> {
  const workDir = await context.store.makeTempDir(stage.id);
  const started = performance.now();
  const warnings: string[] = [];
  try {
    await gate.enterShared();
    let result;
    try {
      result = await stage.kind.run(
        {
          projectDir: context.projectDir,
          workDir,
          signal: options.signal,
          warn: (message) => {
            warnings.push(message);
            options.listener({ type: "warning", id: stage.id, message });
          },
          exclusive: (work) => gate.exclusive(work),
        },
        inputs,
        stage.params,
      );
    } finally {
      gate.leaveShared();
    }
    if (options.signal.aborted) throw new SlmError("interrupted", { exitCode: ExitCode.interrupted });
    const outputs: Record<string, OutputRef> = {};
    for (const name of Object.keys(result.outputs).sort()) {
      const path = resolve(workDir, result.outputs[name]!);
      if (!isInside(workDir, path)) throw new Error(`output ${name} (${path}) is outside the stage's work folder`);
      outputs[name] = (await stat(path)).isDirectory() ? await context.store.putTree(path) : await context.store.putFile(path);
    }
    const discovered = await digestDiscovered(context, result.discoveredInputs ?? []);
    const record: StageRecord = {
      outputs,
      stage: stage.id,
      kind: stage.kind.id,
      kindVersion: stage.kind.version,
      metrics: result.metrics ?? {},
      warnings,
      durationMs: Math.round(performance.now() - started),
      ...(discovered ? { discovered } : {}),
    };
    await context.store.putAction(baseKey, record);
    if (discovered) await context.store.putAction(discoveredKey(baseKey, discovered), record);
    return record;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Action-cache lookup. A record under the base key that lists discovered inputs is a hit only
 * if those files still have the recorded digests; otherwise the record for their current
 * digests (an earlier run with these exact files) is tried.
 */
async function lookup(context: BuildContext, baseKey: string): Promise<{ record?: StageRecord; reasons: string[] }> {
  const latest = (await context.store.getAction(baseKey)) as StageRecord | undefined;
  if (!latest?.discovered) return latest ? { record: latest, reasons: [] } : { reasons: [] };
  const current = await digestDiscovered(context, Object.keys(latest.discovered), true);
  const reasons = explainDiscovered(latest.discovered, current ?? {});
  if (reasons.length === 0) return { record: latest, reasons };
  if (!current || Object.values(current).some((d) => d === undefined)) return { reasons };
  const exact = (await context.store.getAction(discoveredKey(baseKey, current as Record<string, string>))) as StageRecord | undefined;
  return exact ? { record: exact, reasons: [] } : { reasons };
}

async function digestDiscovered(
  context: BuildContext,
  paths: readonly string[],
  tolerateMissing = false,
): Promise<Record<string, string> | undefined> {
  if (paths.length === 0) return undefined;
  const digests: Record<string, string> = {};
  for (const path of [...paths].sort()) {
    const rel = projectRelative(context.projectDir, path);
    try {
      digests[rel] = (await context.files.digestFile(resolve(context.projectDir, path))).digest;
    } catch (error) {
      if (!tolerateMissing || (error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return digests;
}

/** Digest of every project file some stage reads; a missing file is a located config error. */
async function digestSources(context: BuildContext): Promise<Map<string, string>> {
  const fields = new Map<string, string>();
  for (const stage of context.plan.stages.values()) {
    for (const input of Object.values(stage.inputs)) if (input.from === "source") fields.set(input.path, input.field);
  }
  const digests = new Map<string, string>();
  const errors: SlmError[] = [];
  await Promise.all(
    [...fields].map(async ([path, field]) => {
      try {
        digests.set(path, (await context.files.digestFile(resolve(context.projectDir, path))).digest);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const what = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a folder, not a file" : String((error as Error).message);
        errors.push(new InputError(`${field}: ${what}: ${path}`, { location: context.locate(field) }));
      }
    }),
  );
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new InputError(errors.map((e) => e.format()).join("\n"));
  return digests;
}

function describe(
  context: BuildContext,
  stage: StageInstance,
  sources: ReadonlyMap<string, string>,
  outcomes: ReadonlyMap<string, StageOutcome>,
): StageDescription {
  const params: Record<string, Json> = {};
  for (const [name, value] of Object.entries(stage.params)) flattenInto(params, stage.origins[name] ?? name, value);
  const inputs: StageDescription["inputs"] = {};
  for (const [slot, input] of Object.entries(stage.inputs)) {
    if (input.from === "source") {
      inputs[slot] = { path: projectRelative(context.projectDir, input.path), digest: sources.get(input.path)! };
    } else {
      const digest = outcomes.get(input.stage)?.record?.outputs[input.output]?.digest;
      inputs[slot] = { stage: input.stage, output: input.output, digest };
    }
  }
  const engines: Record<string, string> = {};
  for (const name of stage.kind.engines ?? []) engines[name] = context.engines[name] ?? "unknown";
  return { kind: stage.kind.id, kindVersion: stage.kind.version, params, inputs, engines };
}

/** Nested param objects become one entry per leaf (`a.b.c`), so the lock and explanations name the exact field. */
function flattenInto(out: Record<string, Json>, path: string, value: Json): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, item] of Object.entries(value)) flattenInto(out, `${path}.${key}`, item);
  } else {
    out[path] = value;
  }
}

function lockEntry(description: StageDescription, key: string, record: StageRecord): LockEntry {
  return {
    kind: description.kind,
    kindVersion: description.kindVersion,
    key,
    params: description.params,
    inputs: description.inputs as Record<string, LockInput>,
    ...(record.discovered ? { discovered: record.discovered } : {}),
    engines: description.engines,
    outputs: mapValues(record.outputs, (ref) => ref.digest),
  };
}

/**
 * Where the stage reads each input: project files in place, stored files as their (read-only)
 * blobs, stored trees (folders) copied out into `checkout`, a temp folder of the store the
 * caller removes after the stage, so no stage can alter a cached tree.
 */
async function inputPaths(
  context: BuildContext,
  stage: StageInstance,
  outcomes: ReadonlyMap<string, StageOutcome>,
): Promise<{ paths: Record<string, string>; checkout?: string }> {
  const paths: Record<string, string> = {};
  let checkout: string | undefined;
  for (const [slot, input] of Object.entries(stage.inputs)) {
    if (input.from === "source") {
      paths[slot] = resolve(context.projectDir, input.path);
      continue;
    }
    const ref = outcomes.get(input.stage)!.record!.outputs[input.output]!;
    if (ref.kind === "file") {
      paths[slot] = context.store.blobPath(ref.digest);
      continue;
    }
    checkout ??= await context.store.makeTempDir(`${stage.id}-inputs`);
    paths[slot] = join(checkout, slot);
    await context.store.materialize(ref, paths[slot]);
  }
  return { paths, ...(checkout ? { checkout } : {}) };
}

/**
 * The stage's error in the user's terms: input paths (store blobs, absolute project paths)
 * replaced by what the user knows them as (`models/x/model.onnx`, `import/model.onnx`).
 */
function stageError(
  stage: StageInstance,
  error: unknown,
  labels: ReadonlyMap<string, string>,
  locate: (field: string) => SourceLocation | undefined,
): SlmError {
  const relabel = (text: string): string => {
    for (const [path, label] of labels) text = text.split(path).join(label);
    return text;
  };
  if (error instanceof SlmError) {
    // Bad input the stage could not place is placed at the config entry that made the stage (a recipe step, a target).
    const entry = error.exitCode === ExitCode.invalidInput ? configEntry(stage) : undefined;
    const location = error.location ? { ...error.location, file: relabel(error.location.file) } : entry === undefined ? undefined : locate(entry);
    return new SlmError(`stage ${stage.id}: ${relabel(error.message)}`, {
      exitCode: error.exitCode,
      ...(location ? { location } : {}),
      ...(error.snippet ? { snippet: error.snippet } : {}),
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SlmError(`stage ${stage.id} (${stage.kind.id}@${stage.kind.version}) failed: ${relabel(message)}`, { cause: error });
}

/** The config entry all of a stage's params come from (`recipe[1].prune`), if they share one. */
function configEntry(stage: StageInstance): string | undefined {
  const parents = Object.values(stage.origins).map((field) => field.slice(0, Math.max(0, field.lastIndexOf("."))));
  const first = parents[0];
  return first !== undefined && first !== "" && parents.every((parent) => parent === first) ? first : undefined;
}

function inputLabels(context: BuildContext, stage: StageInstance, paths: Record<string, string>): Map<string, string> {
  const labels = new Map<string, string>();
  for (const [slot, input] of Object.entries(stage.inputs)) {
    labels.set(paths[slot]!, input.from === "source" ? projectRelative(context.projectDir, input.path) : `${input.stage}/${input.output}`);
  }
  labels.set(context.projectDir + sep, "");
  return labels;
}

function fail(options: ExecuteOptions, stage: StageInstance, durationMs: number, error: SlmError): StageOutcome {
  const reasons = [error.message];
  options.listener({ type: "stage-end", id: stage.id, state: "failed", durationMs, reasons, error });
  return { id: stage.id, state: "failed", reasons, durationMs, error };
}

function exitCodeOf(outcomes: Iterable<StageOutcome>): ExitCode {
  let code: ExitCode = ExitCode.ok;
  for (const outcome of outcomes) {
    if (!outcome.error) continue;
    if (outcome.error.exitCode === ExitCode.interrupted) return ExitCode.interrupted;
    if (outcome.error.exitCode === ExitCode.invalidInput) code = ExitCode.invalidInput;
    else if (code === ExitCode.ok) code = outcome.error.exitCode;
  }
  return code;
}

function upstreamIds(stage: StageInstance): string[] {
  const ids = new Set<string>();
  for (const input of Object.values(stage.inputs)) if (input.from === "stage") ids.add(input.stage);
  return [...ids];
}

function projectRelative(projectDir: string, path: string): string {
  return relative(projectDir, resolve(projectDir, path)).split(sep).join("/");
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  const out: Record<string, U> = {};
  for (const [key, value] of Object.entries(record)) out[key] = fn(value);
  return out;
}
