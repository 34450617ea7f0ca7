/**
 * Errors that reach the user. Every failure slm reports is an SlmError: one clear paragraph,
 * an exit code (DESIGN.md: 1 stage failed, 2 invalid config/usage/input, 3 gate failed) and,
 * where there is one, the place in a file it is about. Stack traces are printed only with
 * `--verbose`, by the CLI.
 */

/** Exit codes of record (DESIGN.md, "Errors and exit codes"). */
export const ExitCode = {
  ok: 0,
  stageFailed: 1,
  invalidInput: 2,
  gateFailed: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A place in a source file; line and column are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface SlmErrorOptions {
  exitCode?: ExitCode;
  location?: SourceLocation;
  /** Source text excerpt with a caret, rendered under the message. */
  snippet?: string;
  cause?: unknown;
}

export class SlmError extends Error {
  readonly exitCode: ExitCode;
  readonly location: SourceLocation | undefined;
  readonly snippet: string | undefined;

  constructor(message: string, options: SlmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SlmError";
    this.exitCode = options.exitCode ?? ExitCode.stageFailed;
    this.location = options.location;
    this.snippet = options.snippet;
  }

  /** `file:line:col: message` (as far as the location is known), then the snippet. */
  format(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : "";
    return this.snippet ? `${where}${this.message}\n${this.snippet}` : `${where}${this.message}`;
  }
}

/**
 * Bad input from the user: a config, model, tokenizer or data file that slm cannot use.
 * Exit code 2 wherever it is raised, including inside a stage.
 */
export class InputError extends SlmError {
  constructor(message: string, options: Omit<SlmErrorOptions, "exitCode"> = {}) {
    super(message, { ...options, exitCode: ExitCode.invalidInput });
    this.name = "InputError";
  }
}

/** Several located errors found in one pass over an input (e.g. every schema violation). */
export class InputErrors extends InputError {
  readonly errors: readonly SlmError[];
  constructor(errors: readonly SlmError[]) {
    super(errors.map((e) => e.format()).join("\n"));
    this.name = "InputErrors";
    this.errors = errors;
  }
  override format(): string {
    return this.message;
  }
}

export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.line !== undefined) {
    text += `:${location.line}`;
    if (location.column !== undefined) text += `:${location.column}`;
  }
  return text;
}

/** Exhaustiveness check for discriminated unions. */
export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
