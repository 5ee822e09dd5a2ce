import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { ConfigError, type ExperimentConfig } from "../../experiments/plan/config.js";
import { importEnvironment, SHIPPED_ENVIRONMENT } from "../../experiments/execute/environment.js";
import { headline, headlineText, type Headline } from "../../report/headline.js";
import { runExperiment, type RunProgress, type RunSummary } from "../../experiments/execute/runner.js";
import { loadConfig, runDirectoryFor } from "../../experiments/store/runDirectory.js";
import { checkOut, warn } from "../output.js";
import { runStatus } from "../../experiments/store/status.js";
import { readStore } from "../../experiments/store/store.js";
import { writeReport } from "../../report/writeReport.js";
import { parseNumber, printJson, UsageError } from "../args.js";
import { deviceFlag, deviceOption } from "../device.js";
import { logInterval, progress, PROGRESS_DEFAULTS, QUIET_HELP, type Progress } from "../progress.js";
import type { RunWithinObserver, WithinUnit } from "../../experiments/execute/within.js";
import { parseShard, type ShardSpec } from "../../experiments/plan/shard.js";
import { parseQueueUrl } from "../../experiments/distribute/queue.js";
import { QueueExecutor } from "../../experiments/distribute/queueCoordinator.js";

/** Defaults of `rsbench run`. */
export const RUN_COMMAND_DEFAULTS = Object.freeze({
  /** Run directories go under runs/<config name> unless --out says otherwise. */
  root: "runs",
  /** Seconds between progress lines when stderr is not a terminal (logs of background runs; RSBENCH_PROGRESS_INTERVAL overrides it). */
  logInterval: PROGRESS_DEFAULTS.interval,
});

export interface RunFlags {
  out?: string;
  workers?: string;
  environment?: string;
  report?: boolean;
  json?: boolean;
  device?: string;
  forceNew?: boolean;
  extend?: boolean;
  shard?: string;
  queue?: string;
  quiet?: boolean;
}

/** "1h02m", "3m07s", "12s". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, "0")}s`;
  return `${r}s`;
}

/** The progress reporter of `rsbench run`: runExperiment's two callbacks, and `stop` (clears the terminal line). */
export interface RunProgressReporter {
  readonly onProgress: (p: RunProgress) => void;
  readonly onWithin: RunWithinObserver;
  readonly stop: () => void;
}

/**
 * The run's progress on stderr (progress.ts): a redrawn line with the rate and the runner's ETA
 * on a terminal, otherwise a line at the start, every 30 s (RSBENCH_PROGRESS_INTERVAL) and at the
 * end; nothing with `quiet`. Inside a long item the line shows its progress ("item 12/40:
 * 4000/17800 queries", draws for a CERTIFY, images for an accuracy item). With several workers it
 * follows the item in flight that reported first (the oldest), so that the line and its rate stay
 * on one item instead of hopping between workers; when that item is stored, the next oldest in
 * flight takes its place, and with none in flight the in-item part is gone. `renderer` replaces
 * the stderr one (tests; `quiet` is then the renderer's own option).
 */
export function progressReporter(label: string, quiet = false, renderer?: Progress): RunProgressReporter {
  const bar = renderer ?? progress(label, { unit: "items", interval: logInterval(RUN_COMMAND_DEFAULTS.logInterval), quiet });
  // The items in flight that reported progress, oldest first (a Map keeps insertion order).
  const inFlight = new Map<string, { done: number; of: number; unit: WithinUnit }>();
  const showOldest = () => {
    const oldest = inFlight.entries().next();
    if (!oldest.done) bar.within(oldest.value[1].done, oldest.value[1].of, oldest.value[1].unit, oldest.value[0]);
  };
  return {
    onProgress: (p) => {
      if (p.key !== null) inFlight.delete(p.key);
      const notes = [p.phase === "calibration" ? "calibrating" : "", p.resumed > 0 ? `${p.resumed} from earlier sessions` : ""];
      bar.update(p.done, p.total, notes.filter((t) => t !== "").join(", "), p.etaSeconds);
      showOldest();
    },
    onWithin: (key, done, of, unit) => {
      inFlight.set(key, { done, of, unit });
      if (inFlight.keys().next().value === key) showOldest();
    },
    stop: () => bar.stop(),
  };
}

/** The environment module of --environment (a path or URL), or undefined for the shipped one. */
function environmentUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^[a-z]+:/.test(value) ? value : pathToFileURL(resolve(value)).href;
}

/** What `rsbench run` and `rsbench demo` print with --json. */
export interface RunOutput {
  readonly dir: string;
  readonly report: string | null;
  readonly executed: number;
  readonly resumed: number;
  readonly manifest: RunSummary["manifest"];
  readonly headline: Headline;
  /** The work queue's Redis URL of a queue run (--queue), else null. */
  readonly queue: string | null;
}

/** A report writer (the report module's writeReport), or null to skip the report. */
export type ReportWriter = ((dir: string) => Promise<string>) | null;

/** The HTML report of the run directory, with its figure files. */
export const WRITE_REPORT: ReportWriter = (dir) => writeReport(dir);

/** Runs a config file the way `rsbench run` does; shared with `rsbench demo`. */
export async function runCommand(configPath: string, flags: RunFlags, reportWriter: ReportWriter): Promise<RunOutput> {
  const workers = flags.workers === undefined ? undefined : parseNumber("--workers", flags.workers, { min: 1, max: 4 * availableParallelism(), integer: true });
  // The config is parsed once, against the environment's attacks; the runner takes the parsed value.
  const environment = environmentUrl(flags.environment);
  let config: ExperimentConfig;
  try {
    // A --environment module that does not load is a configuration error (exit 2), like a bad config.
    const attacks = (await importEnvironment(environment ?? SHIPPED_ENVIRONMENT).catch((error: unknown) => {
      throw environment !== undefined && error instanceof Error ? new UsageError(`invalid --environment: ${error.message}`) : error;
    })).attacks;
    config = loadConfig(configPath, attacks);
  } catch (error) {
    throw error instanceof ConfigError ? new UsageError(error.message) : error;
  }
  const name = config.name;
  let shard: ShardSpec | undefined;
  try {
    shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (flags.queue !== undefined) {
    if (shard) throw new UsageError("--queue and --shard do not go together: a queue run hands every item to its workers; a shard runs its items here");
    if (flags.workers !== undefined) throw new UsageError("--workers is for local runs: with --queue the items run on `rsbench worker --queue URL --workers K` processes");
    try {
      parseQueueUrl(flags.queue);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (flags.extend && flags.forceNew) throw new UsageError("--extend and --force-new do not go together: --extend keeps the run's records and adds cells; --force-new starts over");
  const queue = flags.queue;
  const out = flags.out ?? runDirectoryFor(RUN_COMMAND_DEFAULTS.root, shard ? `${name}.shard-${shard.index}-of-${shard.count}` : name);
  const datasets = [config.data, config.accuracy].map((d) => d.dataset);
  checkOut(out, { config: configPath, model: config.defenses.map((d) => d.model), data: datasets }, "directory");
  const progress = progressReporter(`run ${name}`, flags.quiet === true);
  // Ctrl-C or SIGTERM: stop, keeping every stored record (each is appended and fsynced whole on
  // this thread, so a signal never lands mid-record). The run is aborted: its workers stop between
  // two model calls (terminating a thread inside onnxruntime would abort the process) and the
  // directory's lock is released; then the process exits. A second signal exits at once.
  const controller = new AbortController();
  const code = (signal: NodeJS.Signals) => (signal === "SIGINT" ? 130 : 143);
  let received: NodeJS.Signals | null = null;
  const interrupted = (signal: NodeJS.Signals) => {
    if (received !== null) process.exit(code(signal));
    received = signal;
    progress.stop();
    controller.abort();
  };
  process.on("SIGINT", interrupted);
  process.on("SIGTERM", interrupted);
  let summary: RunSummary;
  try {
    const device = flags.device === undefined ? undefined : deviceFlag(flags);
    summary = await runExperiment(config, {
      out, workers, device, environment, onProgress: progress.onProgress, onWithin: progress.onWithin, source: configPath, forceNew: flags.forceNew, extend: flags.extend, onWarning: warn, shard,
      signal: controller.signal,
      ...(queue === undefined ? {} : { executor: (run) => QueueExecutor.open(run, { url: queue, onWarning: warn }) }),
    });
  } catch (error) {
    if (received !== null) {
      process.stderr.write(
        `\nrsbench run: ${received}: stopped; the records stored in ${out} are kept (only the items in flight are lost). ` +
        `Run the same command to resume.\n`);
      process.exit(code(received));
    }
    throw error instanceof ConfigError ? new UsageError(error.message) : error;
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    progress.stop();
  }
  const report = reportWriter && flags.report !== false ? resolve(await reportWriter(summary.dir)) : null;
  return {
    dir: resolve(summary.dir),
    report,
    executed: summary.executed,
    resumed: summary.resumed,
    manifest: summary.manifest,
    headline: headline([...runStatus(summary.config, summary.manifest, readStore(summary.dir)).records], summary.config),
    queue: queue === undefined ? null : parseQueueUrl(queue).url,
  };
}

/** Prints a run's outcome: one JSON object with --json, else the headline tables. */
export function printRunOutput(output: RunOutput, json: boolean | undefined): void {
  if (json) {
    printJson(output);
    return;
  }
  const m = output.manifest;
  const lines = [
    `Run ${m.name}${m.shard ? ` (shard ${m.shard.index}/${m.shard.count})` : ""}: ${m.done}/${m.items} items (${output.executed} run now, ${output.resumed} from earlier sessions), ` +
      `${formatDuration(m.wallSeconds)} wall time over ${m.sessions} session(s), ` +
      (output.queue === null ? `${m.workers} worker(s).` : `items run by the workers of ${output.queue}.`),
    `Results: ${join(output.dir, "results.jsonl")}`,
  ];
  if (output.report) lines.push(`Report: ${output.report}`);
  process.stdout.write(lines.join("\n") + "\n\n" + headlineText(output.headline));
}

/** Registers `rsbench run`. */
export function register(program: Command, reportWriter: ReportWriter = WRITE_REPORT): void {
  deviceOption(program.command("run"), true)
    .description("Run (or resume) an experiment: every image x defense x attack item, certifications and figure data, stored durably in a run directory.")
    .argument("<config>", "experiment config (JSON), e.g. experiments/demo-fashion-mnist.json")
    .option("--out <dir>", `run directory (default: ${RUN_COMMAND_DEFAULTS.root}/<config name>); re-running with the same config resumes it`)
    .option("--workers <k>", "worker threads, one model session each (default: all cores)")
    .option("--environment <module>", "module exporting createEnvironment() (models, data, attacks) instead of the shipped one")
    .option("--no-report", "do not write the HTML report at the end")
    .option("--shard <I/N>", "run only shard I of N (items whose key hashes to I, and every calibration); auto/N takes I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX. Default --out: runs/<name>.shard-I-of-N; join the shards with rsbench merge")
    .option("--queue <redis-url>", "coordinate the run over a work queue (BullMQ on Redis, redis://HOST:PORT): items run on `rsbench worker --queue` processes, this process stores their records (see docs/queue.md)")
    .option("--force-new", "start over: move the directory's earlier run (config, store, manifest, report) into superseded-<time>/ first")
    .option("--extend", "grow the run: accept a config that appends attack entries to the run's (nothing else may change); the stored records stay and only the new cells run")
    .option("--json", "print one JSON object {dir, report, executed, resumed, manifest, headline, queue}")
    .option("--quiet", QUIET_HELP)
    .addHelpText("after", [
      "",
      "A killed run (Ctrl-C, SIGKILL, power loss) loses at most the items in flight: run the same",
      "command again to resume. Ctrl-C and SIGTERM also release the directory's lock (exit 130, 143).",
      "Resuming with a different config, or with models or data whose content changed (run.json",
      "records their sha256), is refused; --force-new starts over.",
      "One writer per run directory: a second `rsbench run` on it is refused while the first runs.",
      "",
      "Job arrays: each task runs `rsbench run CONFIG --shard auto/N --out runs/x.shard-$I` (the shard is",
      "recorded in run.json; a shard's directory resumes only as that shard), then",
      "`rsbench merge runs/x.shard-* --out runs/x` joins them (see docs/experiments.md).",
      "",
      "Work queue: `rsbench run CONFIG --queue redis://HOST:PORT --out DIR` enqueues the items and stores",
      "what `rsbench worker --queue redis://HOST:PORT` processes on any machine return; kill it and run the",
      "same command again to resume (see docs/queue.md).",
      "",
      "Example:",
      "  rsbench run experiments/demo-fashion-mnist.json --out runs/demo",
    ].join("\n"))
    .action(async (config: string, flags: RunFlags) => {
      printRunOutput(await runCommand(config, flags, reportWriter), flags.json);
    });
}
