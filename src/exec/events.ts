import type { SlmError } from "../errors.js";

/** How a stage ended in this build. */
export type StageState = "cached" | "ran" | "failed" | "skipped";

/** What the executor tells the renderers; only renderers print (style.md, item 2). */
export type BuildEvent =
  | { type: "start"; stages: readonly string[]; dryRun: boolean }
  | { type: "stage-start"; id: string; reasons: readonly string[] }
  | { type: "stage-end"; id: string; state: StageState; durationMs: number; reasons: readonly string[]; error?: SlmError }
  | { type: "stage-planned"; id: string; willRun: boolean; reasons: readonly string[] }
  | { type: "warning"; id: string; message: string };

export type BuildEventListener = (event: BuildEvent) => void;
