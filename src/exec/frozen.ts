/**
 * `slm build --frozen`, the CI mode: the build must reproduce slm.lock exactly. Key material
 * that differs from the lock fails before the stage runs (exit 2: the lock is out of date); a
 * rerun that produces other bytes fails after (exit 1: a non-deterministic stage or engine).
 */

import { ExitCode, SlmError } from "../errors.js";
import type { Lock, LockEntry } from "../plan/lock.js";

/** Whether a stage's outputs are those the lock records; the error when not. */
export function checkFrozenOutputs(id: string, entry: LockEntry, previous: LockEntry | undefined): SlmError | undefined {
  if (!previous) return frozenDrift(id, ["new stage (not in slm.lock)"]);
  const changed = Object.keys({ ...entry.outputs, ...previous.outputs })
    .sort()
    .filter((name) => entry.outputs[name] !== previous.outputs[name])
    .map((name) => `${name}: ${previous.outputs[name] ?? "(none)"} in slm.lock, ${entry.outputs[name] ?? "(none)"} now`);
  if (changed.length === 0) return undefined;
  return new SlmError(
    `--frozen: stage ${id} produced other bytes than slm.lock records (${changed.join("; ")}); ` +
      "the stage is not deterministic or an engine differs from the one that wrote the lock",
    { exitCode: ExitCode.stageFailed },
  );
}

/** Fails when the lock names stages the build no longer has. */
export function checkNoStaleLockEntries(lock: Lock | undefined, planned: ReadonlyMap<string, unknown>): void {
  const extra = Object.keys(lock?.stages ?? {}).filter((id) => !planned.has(id));
  if (extra.length > 0) throw frozenDrift(extra.join(", "), ["in slm.lock but no longer in the build"]);
}

/** The error for a stage whose key material differs from the lock. */
export function frozenDrift(id: string, reasons: readonly string[]): SlmError {
  return new SlmError(
    `--frozen: the build would change slm.lock: stage ${id}: ${reasons.join("; ")}. ` +
      "Run `slm build` without --frozen and commit the updated slm.lock.",
    { exitCode: ExitCode.invalidInput },
  );
}
