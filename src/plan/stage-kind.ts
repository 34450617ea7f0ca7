import type { Json } from "../util/canonical-json.js";

/**
 * The stage contract (DESIGN.md, "Stage contract"). A stage kind is a pure function of its
 * input files and params: it writes its outputs into `ctx.workDir` and never touches the store,
 * the build folder or the lock; caching, keys and publication live in exec/ and store/.
 */
export interface StageKind<P = Record<string, Json>> {
  /** Stable id, e.g. "import", "evaluate", "quantize", "map:truenorth-sim". */
  readonly id: string;
  /** Bump when the bytes this kind produces change for the same inputs and params. */
  readonly version: string;
  readonly description: string;
  /** Native engines whose versions change the bytes (package names, e.g. "onnxruntime-node"). */
  readonly engines?: readonly string[];
  run(ctx: StageContext, inputs: Readonly<Record<string, string>>, params: P): Promise<StageResult>;
}

export interface StageContext {
  /** Folder of slm.config.yaml; relative config paths resolve against it. */
  readonly projectDir: string;
  /** A fresh, empty folder for this run's outputs (removed after publication). */
  readonly workDir: string;
  /** Aborted when the build is interrupted; long loops should check it. */
  readonly signal: AbortSignal;
  /** A warning shown to the user and kept in the report, e.g. "dead layer fc2". */
  warn(message: string): void;
  /**
   * Runs `work` while no other stage of the build runs (src/exec/run-gate.ts), for
   * measurements such as latency. Absent outside a build (a test or bench calling `run`):
   * nothing else of slm runs there.
   */
  exclusive?<T>(work: () => Promise<T>): Promise<T>;
}

export interface StageResult {
  /** Output name → path of a file or folder inside ctx.workDir. */
  outputs: Record<string, string>;
  /**
   * Figures about the run for the report (accuracy, sizes, latency). Kept in the action record,
   * not hashed into any key, so measured timings may live here.
   */
  metrics?: Record<string, Json>;
  /**
   * Project files the stage read beyond its declared inputs (e.g. an ONNX model's external
   * data). Their digests join the action key, so changing one reruns the stage.
   */
  discoveredInputs?: string[];
}

/** Any stage kind, with its params type erased for registries and the executor. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStageKind = StageKind<any>;
