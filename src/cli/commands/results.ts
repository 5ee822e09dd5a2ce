import type { Command } from "commander";
import { exportRecords, toCsv } from "../../experiments/export.js";
import { headline, headlineText } from "../../experiments/headline.js";
import { readRun } from "../../experiments/runDirectory.js";
import { readRecords } from "../../experiments/store.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { finiteJson } from "../../io/json.js";
import { checkOut } from "../output.js";
import { printJson, UsageError } from "../args.js";
import { formatDuration } from "./run.js";

interface ResultsFlags {
  csv?: boolean;
  json?: boolean;
  out?: string;
}

/** Registers `rsbench results`. */
export function register(program: Command): void {
  program
    .command("results")
    .description("Export the results of a run directory: one row per attack item, plus certification, accuracy and calibration rows.")
    .argument("<dir>", "run directory (written by rsbench run)")
    .option("--csv", "write CSV: one table, a `record` column naming the row kind (attack, certification, accuracy, calibration)")
    .option("--json", "write one JSON object {run, attacks, certifications, accuracy, calibrations}")
    .option("--out <file>", "write the export to FILE instead of stdout")
    .addHelpText("after", [
      "",
      "Attack rows: defense, defenseName, defenseKind, model, sigma, n, pa, attack, norm, budget, image, label,",
      "status, success, l2, linf, queries, forwardPasses, l2At500, l2At1000, l2AtBudget (and linf*), seconds.",
      "Without --csv or --json: the run's status and headline numbers.",
      "",
      "Examples:",
      "  rsbench results runs/demo-fashion-mnist --csv --out demo.csv",
      "  rsbench results runs/demo-fashion-mnist --json | jq '.attacks | length'",
    ].join("\n"))
    .action((dir: string, flags: ResultsFlags) => {
      // `rsbench results DIR --csv | head` closes the pipe early: that is not an error.
      process.stdout.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "EPIPE") process.exit(0);
        throw error;
      });
      if (flags.csv && flags.json) throw new UsageError("invalid flags: expected one of --csv or --json, got both");
      checkOut(flags.out, {});
      let run;
      try {
        run = readRun(dir);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const records = readRecords(dir);
      const exported = exportRecords(records);
      let text: string;
      if (flags.csv) text = toCsv(exported);
      else if (flags.json) {
        if (!flags.out) {
          printJson({ run: run.manifest, ...exported });
          return;
        }
        text = JSON.stringify({ run: run.manifest, ...exported }, finiteJson) + "\n";
      } else {
        const m = run.manifest;
        const status = m
          ? `Run ${m.name}: ${records.length}/${m.items} items${m.complete ? " (complete)" : ""}, ${formatDuration(m.wallSeconds)} wall time over ${m.sessions} session(s).`
          : `Run ${run.config.name}: ${records.length} items stored.`;
        text = status + "\n\n" + headlineText(headline(records, run.config));
      }
      if (flags.out) writeFileAtomic(flags.out, text);
      else process.stdout.write(text);
    });
}
