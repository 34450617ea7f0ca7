import { ExitCode, InputError, SlmError, type SourceLocation } from "../errors.js";
import type { GateCheck } from "../report/model.js";
import { failedGateLines, noFigureMessage } from "./messages.js";

/** A gate's field as path segments (target names may hold dots, so the text is not parsed back). */
export function gatePath(check: Pick<GateCheck, "gate" | "target">): string[] {
  return check.target === undefined ? ["gates", check.gate] : ["gates", "targets", check.target, check.gate];
}

/**
 * What the gates of a finished build mean for its exit: one error per failed row (exit 3, DESIGN.md)
 * and one per gate that checked nothing (a config error, exit 2: a gate that can never fail must
 * not read as passed), each at the config line that sets the gate. Empty when every gate passed.
 */
export function gateErrors(checks: readonly GateCheck[], locate: (path: readonly string[]) => SourceLocation | undefined): SlmError[] {
  return checks.flatMap((check): SlmError[] => {
    const location = locate(gatePath(check));
    const at = location ? { location } : {};
    if (check.status === "no-figure") return [new InputError(noFigureMessage(check), at)];
    return failedGateLines([check]).map((line) => new SlmError(`gate failed: ${line}`, { ...at, exitCode: ExitCode.gateFailed }));
  });
}

/** The exit code for those errors: a config error (2) outranks a failed gate (3). */
export function gateExitCode(errors: readonly SlmError[]): ExitCode {
  if (errors.some((error) => error.exitCode === ExitCode.invalidInput)) return ExitCode.invalidInput;
  return errors.length > 0 ? ExitCode.gateFailed : ExitCode.ok;
}
