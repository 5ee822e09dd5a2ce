#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { UsageError } from "./args.js";
import { registrations } from "./commands/index.js";

/** Builds the `rsbench` program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command("rsbench")
    .description("Randomized smoothing under decision-based black-box attack: certify a classifier, attack it, compare.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const register of registrations) register(program);
  return program;
}

/** Runs the CLI on argv; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit with 0; commander already printed the message.
      return error.exitCode === 0 ? 0 : 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`rsbench: error: ${message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

const isEntry = process.argv[1] && /(?:main\.[jt]s|rsbench(?:\.js)?)$/.test(process.argv[1]);
if (isEntry || process.env.RSBENCH_CLI === "1") {
  // `rsbench ... | head` closes the pipe early: that is not an error of ours. Any other failure to
  // write stdout (`> /dev/full`, a full disk) is reported in one line, without a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    process.stderr.write(`rsbench: error: cannot write the output to standard output (${error.code ?? "error"}: ${error.message.replace(/^\w+: /, "").replace(/, write$/, "")})\n`);
    process.exit(1);
  });
  process.exitCode = await main(process.argv.slice(2));
}
