import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { parseQueueUrl, QUEUE_DEFAULTS } from "../../experiments/distribute/queue.js";
import { serveQueue, workerName, type WorkerEvent } from "../../experiments/distribute/queueWorker.js";
import { parseNumber, UsageError } from "../args.js";

interface WorkerFlags {
  queue: string;
  workers?: string;
  threads?: string;
  environment?: string;
  run?: string;
  lockDuration?: string;
  stalledInterval?: string;
  maxStalledCount?: string;
  quiet?: boolean;
}

/** One log line per event, on stderr (a worker's stdout stays empty). */
function logLine(event: WorkerEvent, quiet: boolean): string | null {
  switch (event.type) {
    case "serving": return `serving run ${event.name} (${event.run})`;
    case "released": return `run ${event.name} (${event.run}) is complete or withdrawn: released`;
    case "start": return quiet ? null : `start ${event.key}`;
    case "done": return quiet ? null : `done ${event.key} in ${event.seconds.toFixed(2)} s`;
    case "failed": return `failed ${event.key}: ${event.message}`;
    case "refused": return `error: ${event.message}`;
    case "error": return `error: ${event.message}`;
  }
}

const milliseconds = (flag: string, value: string | undefined) =>
  value === undefined ? undefined : parseNumber(flag, value, { min: 100, max: 86_400_000, integer: true });

/** Registers `rsbench worker`. */
export function register(program: Command): void {
  program
    .command("worker")
    .description("Execute the items of queue runs (rsbench run CONFIG --queue URL) on this machine: BullMQ on Redis; the coordinator stores the records.")
    .requiredOption("--queue <redis-url>", "the Redis of the runs, redis://HOST:PORT[/DB]")
    .option("--workers <k>", "items executed at once, one worker thread and model session each (default: all cores, as rsbench run)")
    .option("--threads <t>", "onnxruntime intra-op threads per model session (default: 1 with several workers, else all cores)")
    .option("--environment <module>", "module exporting createEnvironment() for the runs that use their own (rsbench run --environment): its path on this machine. Without it such runs are refused (a worker never imports a module named in Redis); runs on the shipped environment use this rsbench's")
    .option("--run <id-or-name>", "serve only this run (its id as logged, or its config name); default: every run registered on the Redis")
    .option("--lock-duration <ms>", `how long a job's lock lasts unrenewed (BullMQ lockDuration); a killed worker's items run again after about this plus --stalled-interval (default: ${QUEUE_DEFAULTS.lockDuration})`)
    .option("--stalled-interval <ms>", `milliseconds between checks for stalled jobs (default: ${QUEUE_DEFAULTS.stalledInterval})`)
    .option("--max-stalled-count <n>", `times an item may lose its worker before it fails (default: ${QUEUE_DEFAULTS.maxStalledCount})`)
    .option("--quiet", "log runs, refusals and failures only, not every item")
    .addHelpText("after", [
      "",
      "A worker runs until stopped: SIGINT or SIGTERM lets the items in flight finish (a second one stops",
      "them between two model calls and exits 130 or 143; those items run again elsewhere after the lock duration). Before executing a run's items it",
      "checks that its model files and data have the sha256 the run recorded, and refuses the run otherwise.",
      "Models are shipped names or paths that must hold the same file on every machine (see docs/queue.md).",
      "",
      "Example:",
      "  rsbench worker --queue redis://10.0.0.5:6379 --workers 4",
    ].join("\n"))
    .action(async (flags: WorkerFlags) => {
      try {
        parseQueueUrl(flags.queue);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const workers = flags.workers === undefined ? availableParallelism() : parseNumber("--workers", flags.workers, { min: 1, max: 4 * availableParallelism(), integer: true });
      const threads = flags.threads === undefined ? undefined : parseNumber("--threads", flags.threads, { min: 1, max: 4 * availableParallelism(), integer: true });
      const maxStalledCount = flags.maxStalledCount === undefined ? undefined : parseNumber("--max-stalled-count", flags.maxStalledCount, { min: 1, max: 1000, integer: true });
      const environment = flags.environment === undefined ? undefined : /^[a-z]+:/.test(flags.environment) ? flags.environment : pathToFileURL(resolve(flags.environment)).href;
      // First signal: take no more jobs and let the items in flight finish. Second: stop them now,
      // between two model calls as `rsbench run` does (process.exit would terminate the worker
      // threads inside onnxruntime: Napi::Error, exit 134); their jobs run again elsewhere.
      const controller = new AbortController();
      const now = new AbortController();
      let second: NodeJS.Signals | null = null;
      const stop = (signal: NodeJS.Signals) => {
        if (second !== null) return;
        if (controller.signal.aborted) {
          second = signal;
          process.stderr.write(`rsbench worker: ${signal}: stopping the items in flight (they run again on another worker once their locks expire)\n`);
          now.abort();
          return;
        }
        process.stderr.write(`rsbench worker: ${signal}: finishing the items in flight (send it again to stop them now; they would run again elsewhere)\n`);
        controller.abort();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      process.stderr.write(`rsbench worker ${workerName()}: ${workers} at a time, waiting for runs on ${parseQueueUrl(flags.queue).url}\n`);
      try {
        await serveQueue({
          url: flags.queue, workers, threads, environment, run: flags.run,
          lockDuration: milliseconds("--lock-duration", flags.lockDuration),
          stalledInterval: milliseconds("--stalled-interval", flags.stalledInterval),
          maxStalledCount,
          signal: controller.signal,
          stopNow: now.signal,
          onEvent: (event) => {
            const line = logLine(event, flags.quiet === true);
            if (line !== null) process.stderr.write(`rsbench worker: ${line}\n`);
          },
        });
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
      if (second !== null) process.exit(second === "SIGINT" ? 130 : 143);
    });
}
