import type { Command } from "commander";
import { resolve } from "node:path";
import { readRun } from "../../experiments/store/runDirectory.js";
import { writeReport, type ReportProgress } from "../../report/writeReport.js";
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
      // One line per step on stderr, so that a slow report (e.g. at nice 19 beside a run's workers) shows where it is.
      const onProgress = (p: ReportProgress) => {
        const what = p.step === "read" ? `read ${p.detail}` : p.step === "figure" ? `figure ${p.done}/${p.total} ${p.detail}` : `wrote ${p.detail}`;
        process.stderr.write(`rsbench report: ${what} (${p.seconds.toFixed(1)} s)\n`);
      };
      const report = resolve(await writeReport(dir, { figureFiles: flags.figures !== false, onProgress }));
      if (flags.json) printJson({ report });
      else process.stdout.write(`Report: ${report}\n`);
    });
}
