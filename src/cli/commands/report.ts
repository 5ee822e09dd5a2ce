import type { Command } from "commander";
import { resolve } from "node:path";
import { readRun } from "../../experiments/runDirectory.js";
import { writeReport } from "../../report/writeReport.js";
import { printJson, UsageError } from "../args.js";

interface ReportFlags {
  figures?: boolean;
  json?: boolean;
}

/** Registers `rsbench report`. */
export function register(program: Command): void {
  program
    .command("report")
    .description("Write a run directory's HTML report (report.html) and figures (figures/) from its stored records; nothing is re-run.")
    .argument("<dir>", "run directory (written by rsbench run or rsbench merge; a run in progress works too)")
    .option("--no-figures", "write only report.html, not the figure files under figures/")
    .option("--json", "print one JSON object {report}")
    .addHelpText("after", [
      "",
      "A reader: it takes no lock (a run may be writing the directory) and replaces each file atomically.",
      "",
      "Example:",
      "  rsbench report reports/paper-fashion-mnist",
    ].join("\n"))
    .action(async (dir: string, flags: ReportFlags) => {
      try {
        readRun(dir);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const report = resolve(await writeReport(dir, { figureFiles: flags.figures !== false }));
      if (flags.json) printJson({ report });
      else process.stdout.write(`Report: ${report}\n`);
    });
}
