import type { Command } from "commander";
import { exportRecords, toCsv } from "../../experiments/store/export.js";
import { headline, headlineText } from "../../report/headline.js";
import { readRun } from "../../experiments/store/runDirectory.js";
import { readStore } from "../../experiments/store/store.js";
import { runStatus, shardStatus, statusProblems } from "../../experiments/store/status.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { finiteJson } from "../../io/json.js";
import { checkOut, warn } from "../output.js";
import { UsageError } from "../args.js";
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
      if (flags.csv && flags.json) throw new UsageError("invalid flags: expected one of --csv or --json, got both");
      checkOut(flags.out, {});
      let run;
      try {
        run = readRun(dir);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const store = readStore(dir);
      // Only records of the config's own items count; torn, foreign and repeated lines are reported.
      const status = runStatus(run.config, run.manifest, store);
      const problems = statusProblems(status, store.path);
      const records = [...status.records];
      const exported = exportRecords(records);
      const { records: _counted, ...summary } = status;
      let text: string;
      if (flags.csv || flags.json) {
        for (const p of problems) warn(p);
        text = flags.csv ? toCsv(exported) : JSON.stringify({ run: run.manifest, status: summary, ...exported }, finiteJson) + "\n";
      } else {
        const m = run.manifest;
        const time = m ? `, ${formatDuration(m.wallSeconds)} wall time over ${m.sessions} session(s)` : " (no run.json: wall time unknown)";
        const part = shardStatus(status, m);
        const line = `Run ${run.config.name}${part ? ` (${part})` : ""}: ${status.valid}/${status.items} items (${status.complete ? "complete" : "incomplete"})${time}.`;
        text = [line, ...problems.map((p) => `Warning: ${p}.`)].join("\n") + "\n\n" + headlineText(headline(records, run.config));
      }
      if (flags.out) writeFileAtomic(flags.out, text);
      else process.stdout.write(text);
    });
}
