import type { Command } from "commander";
import { mergeRuns, MergeError } from "../../experiments/store/merge.js";
import { readStore } from "../../experiments/store/store.js";
import { runStatus, shardStatus } from "../../experiments/store/status.js";
import { printJson, UsageError } from "../args.js";
import { checkOut, warn } from "../output.js";
import { formatDuration } from "./run.js";

interface MergeFlags {
  out: string;
  json?: boolean;
}

/** Registers `rsbench merge`. */
export function register(program: Command): void {
  program
    .command("merge")
    .description("Merge the shard directories of a job array (rsbench run --shard I/N) into one run directory that rsbench results and rsbench report read like any other.")
    .argument("<dirs...>", "shard directories (all shards of one array, or the ones finished so far)")
    .requiredOption("--out <dir>", "the merged run directory (new, or an earlier merge of the same shards: re-run it as more shards finish)")
    .option("--json", "print one JSON object {dir, records, added, manifest}")
    .addHelpText("after", [
      "",
      "Refused, before anything is written: shards of different configs, seeds, inputs (run.json fingerprints)",
      "or shard counts; a shard given twice; an --out that is one of the inputs or inside one; an --out folder",
      "that holds other files and no earlier merge; and two records of one key",
      "that differ apart from `seconds` (named in the error). Identical copies (the calibrations every shard",
      "computes) are kept once. Records once merged are kept; every file is replaced atomically.",
      "",
      "Example:",
      "  rsbench merge runs/grid.shard-0-of-3 runs/grid.shard-1-of-3 runs/grid.shard-2-of-3 --out runs/grid",
    ].join("\n"))
    .action((dirs: string[], flags: MergeFlags) => {
      // The shards are compared in mergeRuns (one of them, or inside one: refused naming the shard).
      checkOut(flags.out, {}, "directory");
      let summary;
      try {
        summary = mergeRuns(dirs, flags.out, { onWarning: warn });
      } catch (error) {
        // Wrong inputs are usage errors (exit 2); a lock held by another writer or an I/O failure is not (exit 1).
        throw error instanceof MergeError ? new UsageError(error.message) : error;
      }
      if (flags.json) {
        printJson({ dir: summary.dir, records: summary.records, added: summary.added, manifest: summary.manifest });
        return;
      }
      const m = summary.manifest;
      const status = runStatus(summary.config, m, readStore(summary.dir));
      process.stdout.write(
        `Merged ${m.name} into ${summary.dir}: ${m.done}/${m.items} items (${m.complete ? "complete" : "incomplete"}; ${summary.added} added now), ` +
        `${shardStatus(status, m)}; ${formatDuration(m.wallSeconds)} of shard wall time over ${m.sessions} session(s).\n`,
      );
    });
}
