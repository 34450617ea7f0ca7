import { Command, CommanderError, Option } from "commander";
import { ExitCode, SlmError } from "../errors.js";
import { SLM_VERSION } from "../version.js";

/**
 * The command line: argument parsing only. Every command calls one function of exec/ (loaded
 * when the command runs, so `slm --help` and a no-op build load only what they use) and maps
 * its result to output and an exit code.
 */
const program = new Command("slm")
  .description("make for small language models: build, compress and lower models onto CPU and neuromorphic targets")
  .version(SLM_VERSION)
  .option("-c, --config <file>", "the config file", "slm.config.yaml")
  .option("--verbose", "print stack traces and details of errors")
  .showHelpAfterError()
  .exitOverride();

const setOption = (): Option =>
  new Option("--set <field=value>", "override a config field (repeatable), e.g. --set data.evaluation.windows=16")
    .argParser((value: string, previous: string[] = []) => [...previous, value]);

program
  .command("build")
  .description("build the config: run the stages whose inputs changed, restore the rest from the cache")
  .addOption(setOption())
  .option("--dry-run", "say which stages would run and why, without running anything")
  .option("--frozen", "fail if the build would change slm.lock (for CI)")
  .option("-j, --jobs <n>", "stages to run at once (default: build.jobs)", parsePositiveInt)
  .option("--json", "print a JSON summary instead of progress")
  .addOption(new Option("--progress <mode>", "progress output").choices(["auto", "tty", "plain"]).default("auto"))
  .option("--summary <file>", "append a Markdown summary (gates, comparison table) to FILE, e.g. $GITHUB_STEP_SUMMARY")
  .action(async (options) => {
    const { buildCommand } = await import("../exec/commands.js");
    await finish(
      buildCommand({
        ...global(),
        overrides: options.set ?? [],
        dryRun: !!options.dryRun,
        frozen: !!options.frozen,
        jobs: options.jobs,
        json: !!options.json,
        progress: options.progress,
        ...(options.summary === undefined ? {} : { summary: options.summary }),
      }),
    );
  });

program
  .command("report")
  .description("print the last build's summary (gates and comparison table), or what changed from another report or git revision")
  .option("--report <file>", "the report.json to read (default: report.json in the config's build folder)")
  .option("--diff <other>", "compare with OTHER: a report.json, or a git revision (its slm.lock, and its report.json if committed)")
  .option("--summary <file>", "also append the Markdown to FILE, e.g. $GITHUB_STEP_SUMMARY")
  .action(async (options) => {
    const { reportCommand } = await import("../exec/report-command.js");
    const optional = (name: "report" | "diff" | "summary") => (options[name] === undefined ? {} : { [name]: options[name] as string });
    await finish(reportCommand({ ...global(), overrides: [], ...optional("report"), ...optional("diff"), ...optional("summary") }));
  });

program
  .command("status")
  .description("for each stage: cached or would run, and why (the changed field or input)")
  .addOption(setOption())
  .option("--json", "print JSON")
  .action(async (options) => {
    const { buildCommand } = await import("../exec/commands.js");
    await finish(buildCommand({ ...global(), overrides: options.set ?? [], dryRun: true, frozen: false, json: !!options.json, progress: "plain" }));
  });

program
  .command("validate")
  .description("check the config (and the files it names) without building")
  .addOption(setOption())
  .option("--json", "print JSON")
  .action(async (options) => {
    const { validateCommand } = await import("../exec/commands.js");
    await finish(validateCommand({ ...global(), overrides: options.set ?? [], json: !!options.json }));
  });

program
  .command("graph")
  .description("print the stage DAG")
  .addOption(setOption())
  .addOption(new Option("--format <format>", "output format").choices(["dot", "mermaid"]).default("dot"))
  .action(async (options) => {
    const { graphCommand } = await import("../exec/commands.js");
    await finish(graphCommand({ ...global(), overrides: options.set ?? [], format: options.format }));
  });

program
  .command("clean")
  .description("remove the build folder (and with --cache, the store)")
  .option("--cache", "also remove the content-addressed store")
  .action(async (options) => {
    const { cleanCommand } = await import("../exec/commands.js");
    await finish(cleanCommand({ ...global(), overrides: [], cache: !!options.cache }));
  });

program
  .command("gc")
  .description("shrink the store to a size budget, least recently used first (the lock's entries are kept)")
  .requiredOption("--max-size <size>", "size budget, e.g. 500MB, 1GB, 2GiB")
  .option("--dry-run", "say what would be removed")
  .action(async (options) => {
    const { gcCommand } = await import("../exec/commands.js");
    await finish(gcCommand({ ...global(), overrides: [], maxSize: options.maxSize, dryRun: !!options.dryRun }));
  });

program
  .command("passes")
  .description("list the recipe passes and their parameters")
  .option("--json", "print JSON")
  .action(async (options) => {
    const { pluginsCommand } = await import("../exec/commands.js");
    await finish(pluginsCommand({ which: "passes", json: !!options.json }));
  });

program
  .command("targets")
  .description("list the hardware targets and their parameters")
  .option("--json", "print JSON")
  .action(async (options) => {
    const { pluginsCommand } = await import("../exec/commands.js");
    await finish(pluginsCommand({ which: "targets", json: !!options.json }));
  });

function global(): { configPath: string; verbose: boolean } {
  const options = program.opts<{ config: string; verbose?: boolean }>();
  return { configPath: options.config, verbose: !!options.verbose };
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new SlmError(`--jobs must be a positive integer (got ${value})`, { exitCode: ExitCode.invalidInput });
  return n;
}

async function finish(result: Promise<number>): Promise<void> {
  process.exitCode = await result;
}

function report(error: unknown): number {
  const verbose = process.argv.includes("--verbose");
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
  if (error instanceof SlmError) {
    process.stderr.write(`slm: ${error.format()}\n`);
    if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  process.stderr.write(`slm: internal error: ${error instanceof Error ? (verbose ? error.stack : error.message) : String(error)}\n`);
  if (!verbose) process.stderr.write("slm: run with --verbose for details\n");
  return ExitCode.stageFailed;
}

// A reader that stops early (`slm passes | head -1`) closes the pipe: stop quietly, as other tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? ExitCode.ok);
    throw error;
  });
}

program.parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = report(error);
});
