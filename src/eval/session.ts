/**
 * onnxruntime-node sessions for evaluation. onnxruntime-node is imported lazily, on the first
 * session, so CLI commands that evaluate nothing never pay for loading the native engine.
 */
import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import type { InferenceSession } from "onnxruntime-node";
import { InputError, SlmError } from "../errors.js";

/** The onnxruntime-node module, as `import("onnxruntime-node")` gives it. */
export type Onnxruntime = typeof import("onnxruntime-node");

/** onnxruntime graph optimization levels slm exposes (onnxruntime's 'layout' is left out). */
export type GraphOptimization = "disabled" | "basic" | "extended" | "all";

/** How to run a model. Every field changes timings; `optimization` may change the last bits of results. */
export interface SessionSettings {
  /**
   * Intra-op threads (inter-op is always 1: slm's models are single chains). Default 1, so
   * figures are comparable between machines; stages pass the configured value.
   */
  threads?: number;
  /** Graph optimization level; default 'all', as onnxruntime itself. */
  optimization?: GraphOptimization;
  /** Where onnxruntime saves the graph it optimized (written atomically); the extension picks the format. */
  optimizedModelFilePath?: string;
}

/** An open session and what it was opened with, for error messages and latency labels. */
export interface EvalSession {
  readonly ort: Onnxruntime;
  readonly session: InferenceSession;
  readonly modelPath: string;
  readonly threads: number;
  readonly optimization: GraphOptimization;
}

let onnxruntime: Promise<Onnxruntime> | undefined;

/** Loads onnxruntime-node once per process. */
export function loadOnnxruntime(): Promise<Onnxruntime> {
  onnxruntime ??= import("onnxruntime-node");
  return onnxruntime;
}

/**
 * Opens `modelPath` (a `.onnx.data` file beside it is found by onnxruntime). A model onnxruntime
 * cannot load is an InputError carrying onnxruntime's message and the file.
 */
export async function openSession(modelPath: string, settings: SessionSettings = {}): Promise<EvalSession> {
  const threads = settings.threads ?? 1;
  const optimization = settings.optimization ?? "all";
  if (!Number.isInteger(threads) || threads < 1) {
    throw new InputError(`threads must be a positive integer, got ${threads}`);
  }
  const ort = await loadOnnxruntime();
  const saveTo = settings.optimizedModelFilePath;
  const tempPath = saveTo === undefined ? undefined : siblingTempPath(saveTo);
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: optimization,
      // Warnings (e.g. about unused initializers) would interleave with the progress display.
      logSeverityLevel: 3,
      ...(tempPath === undefined ? {} : { optimizedModelFilePath: tempPath }),
    });
  } catch (error) {
    if (tempPath !== undefined) await rm(tempPath, { force: true });
    throw new InputError(`onnxruntime cannot load the model: ${messageOf(error)}`, {
      location: { file: modelPath },
      cause: error,
    });
  }
  if (saveTo !== undefined && tempPath !== undefined) {
    try {
      await rename(tempPath, saveTo);
    } catch (error) {
      await session.release();
      throw error;
    }
  }
  return { ort, session, modelPath, threads, optimization };
}

/** Runs `use` with an open session and always releases the session afterwards. */
export async function withSession<T>(
  modelPath: string,
  settings: SessionSettings,
  use: (session: EvalSession) => Promise<T>,
): Promise<T> {
  const opened = await openSession(modelPath, settings);
  try {
    return await use(opened);
  } finally {
    await opened.session.release();
  }
}

/**
 * `session.run` with onnxruntime failures turned into a stage failure that names the model and
 * what was fed, since onnxruntime's own messages name neither. `fetches` names the outputs to
 * compute and return; default all.
 */
export async function runSession(
  opened: EvalSession,
  feeds: InferenceSession.FeedsType,
  fetches?: readonly string[],
): Promise<InferenceSession.ReturnType> {
  try {
    return await (fetches === undefined ? opened.session.run(feeds) : opened.session.run(feeds, [...fetches]));
  } catch (error) {
    const fed = Object.entries(feeds)
      .map(([name, tensor]) => `${name} ${tensor.type} [${tensor.dims.join(", ")}]`)
      .join(", ");
    throw new SlmError(`onnxruntime failed to run ${opened.modelPath} on ${fed}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** One line per input or output: `name type [dims]`, for messages about a model's interface. */
export function describeValues(metadata: readonly InferenceSession.ValueMetadata[]): string {
  if (metadata.length === 0) return "none";
  return metadata
    .map((value) => (value.isTensor ? `${value.name} (${value.type} [${value.shape.join(", ")}])` : `${value.name} (not a tensor)`))
    .join(", ");
}

function siblingTempPath(path: string): string {
  // The extension stays last: onnxruntime picks ONNX or ORT format from it.
  const extension = extname(path);
  const stem = basename(path, extension);
  return join(dirname(path), `.${stem}.${process.pid}.${randomBytes(4).toString("hex")}.tmp${extension}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
