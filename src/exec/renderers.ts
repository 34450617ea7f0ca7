import { unreachable } from "../errors.js";
import type { BuildEvent, BuildEventListener } from "./events.js";

/** Turns build events into output; the executor never prints. */
export interface Renderer {
  listener: BuildEventListener;
  /** Waits until everything shown is flushed. */
  close(): Promise<void>;
}

export type RendererMode = "tty" | "plain" | "silent";

/** listr2 on a terminal, one line per event elsewhere (CI logs), nothing for --json. */
export async function createRenderer(mode: RendererMode, write: (line: string) => void): Promise<Renderer> {
  if (mode === "silent") return { listener: () => undefined, close: async () => undefined };
  if (mode === "plain") return plainRenderer(write);
  const { listr2Renderer } = await import("./listr2-renderer.js");
  return listr2Renderer();
}

function plainRenderer(write: (line: string) => void): Renderer {
  const listener = (event: BuildEvent): void => {
    switch (event.type) {
      case "start":
        write(`${event.dryRun ? "plan" : "build"}: ${event.stages.length} stage${event.stages.length === 1 ? "" : "s"}`);
        return;
      case "stage-start":
        write(`  run     ${event.id}${because(event.reasons)}`);
        return;
      case "stage-end":
        write(`  ${event.state.padEnd(7)} ${event.id}  ${formatDuration(event.durationMs)}${event.state === "ran" ? "" : because(event.reasons)}`);
        return;
      case "stage-planned":
        write(`  ${(event.willRun ? "run" : "cached").padEnd(7)} ${event.id}${because(event.reasons)}`);
        return;
      case "warning":
        write(`  warning ${event.id}: ${event.message}`);
        return;
      default:
        unreachable(event);
    }
  };
  return { listener, close: async () => undefined };
}

function because(reasons: readonly string[]): string {
  return reasons.length === 0 ? "" : `  (${reasons.join("; ")})`;
}

/** `0.12s`, `3.4s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}
