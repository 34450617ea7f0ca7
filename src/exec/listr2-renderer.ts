import { Listr } from "listr2";
import type { BuildEvent } from "./events.js";
import { formatDuration, type Renderer } from "./renderers.js";

interface Row {
  settle: (outcome: { title: string; error?: Error }) => void;
  done: Promise<{ title: string; error?: Error }>;
}

/**
 * Live progress on a terminal. listr2 only displays: one task per stage that waits for the
 * executor's stage-end event, so scheduling stays in exec/ and renders the same in every mode.
 */
export function listr2Renderer(): Renderer {
  const rows = new Map<string, Row>();
  let list: Promise<unknown> | undefined;

  const row = (id: string): Row => {
    let existing = rows.get(id);
    if (!existing) {
      let settle!: Row["settle"];
      const done = new Promise<{ title: string; error?: Error }>((resolve) => (settle = resolve));
      existing = { settle, done };
      rows.set(id, existing);
    }
    return existing;
  };

  const listener = (event: BuildEvent): void => {
    switch (event.type) {
      case "start": {
        const tasks = new Listr(
          event.stages.map((id) => ({
            title: id,
            task: async (_ctx: unknown, task: { title: string; skip: (message?: string) => void }) => {
              const outcome = await row(id).done;
              task.title = outcome.title;
              if (outcome.error) throw outcome.error;
            },
          })),
          { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } },
        );
        list = tasks.run().catch(() => undefined);
        return;
      }
      case "stage-start":
        return;
      case "stage-end": {
        const title = `${event.id}: ${event.state} ${formatDuration(event.durationMs)}`;
        row(event.id).settle(event.state === "failed" ? { title, error: new Error(event.reasons.join("; ")) } : { title });
        return;
      }
      case "stage-planned":
        row(event.id).settle({ title: `${event.id}: ${event.willRun ? "run" : "cached"}${event.reasons.length ? ` (${event.reasons.join("; ")})` : ""}` });
        return;
      case "warning":
        return;
    }
  };

  return {
    listener,
    close: async () => {
      for (const pending of rows.values()) pending.settle({ title: "" });
      await list;
    },
  };
}
