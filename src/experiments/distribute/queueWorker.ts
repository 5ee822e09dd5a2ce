/**
 * The worker side of a queue run (`rsbench worker --queue redis://HOST:PORT`): it discovers the
 * runs registered on the Redis (queue.ts), and for each one takes jobs from its BullMQ queue, K at
 * a time, executes each item on a worker thread (one model session each, as a local run does) and
 * returns the record, with the item's saved points for a config with `"save": true`. It never
 * writes a store or a run directory: the run's coordinator does.
 *
 * Before executing a run's items it checks that the inputs it loads (model files, data) have the
 * fingerprints the run recorded (fingerprint.ts); otherwise it refuses the job, with the
 * differences, and stops serving that run. Items run off the main thread, so BullMQ keeps
 * renewing the job locks; a worker killed mid-item loses its locks after `lockDuration`, and
 * BullMQ's stalled-job check (every `stalledInterval`, in any live worker) queues those items again.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { availableParallelism, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Job, UnrecoverableError, Worker } from "bullmq";
import { npyFilesUnder } from "../../io/npy.js";
import { importEnvironment, SHIPPED_ENVIRONMENT, type ExperimentEnvironment } from "../execute/environment.js";
import { compareFingerprints, fingerprintInputs, type InputFingerprints } from "../store/fingerprint.js";
import { WorkerPool } from "../execute/pool.js";
import { softwareVersions } from "../store/runDirectory.js";
import type { ResultRecord } from "../store/records.js";
import { serializeRecord } from "../store/store.js";
import type { ItemJobData, ItemJobResult, SavedPointFile } from "./queueCoordinator.js";
import type { RunDescriptor } from "./queue.js";
import { connectionOptions, connectRedis, loadBullmq, QUEUE_DEFAULTS, queueName, REFUSAL, registryKey } from "./queue.js";

/** What a worker tells its caller (the CLI prints it as a log line). */
export type WorkerEvent =
  | { readonly type: "serving"; readonly run: string; readonly name: string }
  | { readonly type: "released"; readonly run: string; readonly name: string }
  | { readonly type: "start"; readonly run: string; readonly key: string }
  | { readonly type: "done"; readonly run: string; readonly key: string; readonly seconds: number }
  | { readonly type: "failed"; readonly run: string; readonly key: string; readonly message: string }
  | { readonly type: "refused"; readonly run: string; readonly name: string; readonly message: string }
  | { readonly type: "error"; readonly message: string };

export interface WorkerOptions {
  /** redis://HOST:PORT[/DB]. */
  readonly url: string;
  /** Items executed at once per run (one worker thread and model session each); defaults to the available parallelism. */
  readonly workers?: number;
  /** onnxruntime intra-op threads per model session; defaults to 1 with several workers, else all cores. */
  readonly threads?: number;
  /**
   * Environment module URL for the runs that name their own (`rsbench run --environment`); runs on
   * the shipped environment use this worker's shipped one. Without it, such runs are refused: a
   * worker never imports a module because Redis names it.
   */
  readonly environment?: string;
  /** Serve only the run with this id or config name (default: every registered run). */
  readonly run?: string;
  readonly prefix?: string;
  /** BullMQ lock duration in ms; defaults to QUEUE_DEFAULTS.lockDuration. */
  readonly lockDuration?: number;
  /** BullMQ stalled-job check interval in ms; defaults to QUEUE_DEFAULTS.stalledInterval. */
  readonly stalledInterval?: number;
  /** Stalls before a job fails; defaults to QUEUE_DEFAULTS.maxStalledCount. */
  readonly maxStalledCount?: number;
  /** Milliseconds between looks at the registry of runs; defaults to QUEUE_DEFAULTS.discoveryInterval. */
  readonly discoveryInterval?: number;
  readonly onEvent?: (event: WorkerEvent) => void;
  /** Aborting it stops taking jobs; `serveQueue` resolves once the items in flight are done. */
  readonly signal?: AbortSignal;
  /**
   * Aborting it stops at once: the worker threads of the items in flight stop between two model
   * calls (as `rsbench run` stops its own: a thread terminated inside onnxruntime aborts the
   * process), their jobs are neither completed nor failed (they run again on another worker once
   * their locks expire), and `serveQueue` resolves.
   */
  readonly stopNow?: AbortSignal;
}

/**
 * The name this process gives BullMQ (stored on the jobs it processes, shown in refusals, and the
 * Redis client name by which the coordinator sees connected workers: no spaces allowed).
 */
export function workerName(): string {
  return `${hostname()}-pid${process.pid}`;
}

/**
 * The differences between the fingerprints a run recorded and what this worker would load, one
 * line each (empty: the same inputs). A model the run fingerprinted that resolves to no file here
 * is a difference too.
 */
export function inputDifferences(recorded: InputFingerprints, here: InputFingerprints): string[] {
  const missing = Object.keys(recorded.models).filter((name) => !(name in here.models))
    .map((name) => `model ${name}: the run recorded ${recorded.models[name].path} (sha256 ${recorded.models[name].sha256.slice(0, 12)}), this worker resolves no file for it`);
  return [...missing, ...compareFingerprints(recorded, here)];
}

/** A run on its own environment module, served by a worker that was not given one. */
class ForeignEnvironment extends Error {}

/** The reason of a refusal for inputs that differ from the run's. */
function differ(differences: readonly string[]): string {
  return `the inputs it would load differ from those the run recorded: ${differences.join("; ")}. ` +
    "Every worker must load the same files: a shipped model name, or a path that holds the same file on every machine.";
}

/** Reads and removes the saved points under `dir` (one item's: the folder is emptied after each), paths relative to it with "/". */
function takePoints(dir: string): SavedPointFile[] {
  const files = npyFilesUnder(dir);
  const points = files.map((path) => ({ path, data: readFileSync(join(dir, ...path.split("/"))).toString("base64") }));
  for (const path of files) rmSync(join(dir, ...path.split("/")));
  return points;
}

async function closeSlot(slot: { readonly pool: WorkerPool; readonly points: string | undefined }): Promise<void> {
  await slot.pool.close();
  if (slot.points !== undefined) rmSync(slot.points, { recursive: true, force: true });
}

/** One run this process serves. */
class RunServer {
  /** Idle pools, each with the folder its item's saved points go to (config save), emptied after each item. */
  private readonly free: { readonly pool: WorkerPool; readonly points: string | undefined }[] = [];
  private readonly environment: Promise<ExperimentEnvironment>;
  /** Pools running an item now. */
  private readonly busy = new Set<{ readonly pool: WorkerPool; readonly points: string | undefined }>();
  private halted = false;
  private checked: { stamp: string; result: Promise<void> } | null = null;
  refused: string | null = null;
  readonly worker: Worker;

  constructor(
    readonly descriptor: RunDescriptor,
    private readonly options: WorkerOptions,
    private readonly environmentUrl: string,
    /** Items at once, and onnxruntime threads per model session. */
    private readonly slots: { readonly workers: number; readonly threads: number },
    /** The bullmq module (imported lazily by serveQueue). */
    private readonly bullmq: typeof import("bullmq"),
  ) {
    // Code is imported only from this machine's own choice: the shipped module, or --environment.
    this.environment = descriptor.environment !== null && options.environment === undefined
      ? Promise.reject(new ForeignEnvironment(
        `the run uses its own environment module (${descriptor.environment}), and a worker imports no module a run names in Redis: ` +
        "start the worker with --environment PATH (that module's path on this machine) to serve it"))
      : importEnvironment(environmentUrl);
    this.environment.catch(() => { /* reported by the job that needs it */ });
    this.worker = new bullmq.Worker(queueName(descriptor.run), (job: Job<ItemJobData>) => this.process(job), {
      connection: connectionOptions(options.url),
      prefix: options.prefix ?? QUEUE_DEFAULTS.prefix,
      concurrency: slots.workers,
      lockDuration: options.lockDuration ?? QUEUE_DEFAULTS.lockDuration,
      stalledInterval: options.stalledInterval ?? QUEUE_DEFAULTS.stalledInterval,
      maxStalledCount: options.maxStalledCount ?? QUEUE_DEFAULTS.maxStalledCount,
      name: workerName(),
    });
    const run = descriptor.run;
    this.worker.on("completed", (job: Job<ItemJobData>, result: ItemJobResult) => options.onEvent?.({ type: "done", run, key: job.data.item.key, seconds: result.record.seconds }));
    this.worker.on("failed", (job: Job<ItemJobData> | undefined, error: Error) => {
      if (job && !error.message.startsWith(REFUSAL)) options.onEvent?.({ type: "failed", run, key: job.data.item.key, message: error.message });
    });
    this.worker.on("error", (error: Error) => options.onEvent?.({ type: "error", message: `queue ${queueName(run)}: ${error.message}` }));
  }

  /** The model files' sizes and modification times: a changed file is fingerprinted again. */
  private stamp(environment: ExperimentEnvironment): string {
    return Object.keys(this.descriptor.inputs.models).map((name) => {
      const path = environment.modelFile?.(name) ?? null;
      if (path === null) return `${name}:-`;
      try {
        const s = statSync(path);
        return `${name}:${path}:${s.size}:${s.mtimeMs}`;
      } catch {
        return `${name}:${path}:missing`;
      }
    }).join("\n");
  }

  /** Resolves when this worker's inputs match the run's fingerprints; throws the refusal otherwise. */
  private async verify(): Promise<void> {
    const environment = await this.environment.catch((error: Error) => {
      throw this.refuse(error instanceof ForeignEnvironment ? error.message : `environment module ${this.environmentUrl}: ${error.message}`);
    });
    const here = softwareVersions();
    const software = this.descriptor.software;
    if (software && (software.rsbench !== here.rsbench || software.onnxruntime !== here.onnxruntime)) {
      throw this.refuse(`the run's coordinator runs rsbench ${software.rsbench} with onnxruntime ${software.onnxruntime}, this worker rsbench ${here.rsbench} with onnxruntime ${here.onnxruntime}: ` +
        "records of two versions would be mixed; install the coordinator's versions on this machine");
    }
    let stamp: string;
    try {
      stamp = this.stamp(environment);
    } catch (error) {
      throw this.refuse(differ([(error as Error).message]));
    }
    if (this.checked?.stamp !== stamp) {
      const result = fingerprintInputs(this.descriptor.config, environment).then(
        (here) => {
          const differences = inputDifferences(this.descriptor.inputs, here);
          if (differences.length > 0) throw this.refuse(differ(differences));
        },
        (error: Error) => { throw this.refuse(differ([error.message])); },
      );
      this.checked = { stamp, result };
    }
    await this.checked.result;
  }

  /** The refusal of this run: its reason, after the worker and the run. */
  private refuse(reason: string): UnrecoverableError {
    this.refused ??= `${REFUSAL} ${workerName()} for run ${this.descriptor.name} (${this.descriptor.run}): ${reason}`;
    if (this.worker.isRunning()) {
      this.options.onEvent?.({ type: "refused", run: this.descriptor.run, name: this.descriptor.name, message: this.refused });
      // Stop taking this run's jobs (close waits for the ones in flight, this one included).
      setImmediate(() => { void this.worker.close(); });
    }
    return new this.bullmq.UnrecoverableError(this.refused);
  }

  private async process(job: Job<ItemJobData>): Promise<ItemJobResult> {
    if (this.refused !== null) throw new this.bullmq.UnrecoverableError(this.refused);
    const { item } = job.data;
    this.options.onEvent?.({ type: "start", run: this.descriptor.run, key: item.key });
    await this.verify();
    // A config with save: the pool writes the item's points into a folder of its own on this
    // machine, and they travel back with the record (the coordinator writes them into its run directory).
    const slot = this.free.pop() ?? (() => {
      const points = this.descriptor.config.save === true ? mkdtempSync(join(tmpdir(), "rsbench-points-")) : undefined;
      return { pool: new WorkerPool(this.descriptor.config, this.environmentUrl, 1, this.slots.threads, points, this.slots.workers), points };
    })();
    let record: ResultRecord | null = null;
    let points: SavedPointFile[];
    this.busy.add(slot);
    try {
      if (this.halted) await closeSlot(slot);
      await slot.pool.run([item], (r) => { record = r; });
      points = slot.points === undefined ? [] : takePoints(slot.points);
    } catch (error) {
      await closeSlot(slot);
      if (this.halted) return new Promise<never>(() => {}); // neither completed nor failed: it runs again elsewhere
      throw error;
    } finally {
      this.busy.delete(slot);
    }
    if (this.halted) return new Promise<never>(() => {});
    this.free.push(slot);
    // What the store would write (non-finite numbers as null): the coordinator stores it as it comes.
    return { record: JSON.parse(serializeRecord(record!)) as ResultRecord, points };
  }

  async close(): Promise<void> {
    await this.worker.close();
    await Promise.all(this.free.splice(0).map(closeSlot));
  }

  /** Stops every pool between two model calls (see WorkerOptions.stopNow); the jobs in flight are left to expire. */
  async halt(): Promise<void> {
    this.halted = true;
    await Promise.all([...this.busy, ...this.free.splice(0)].map(closeSlot));
    // Not awaited: a drain begun by `signal` already waits for the jobs, which now never settle.
    void this.worker.close(true).catch(() => {});
  }
}

/**
 * Serves the runs registered on the Redis until `signal` aborts; then lets the items in flight
 * finish and resolves (or, once `stopNow` aborts, stops them between two model calls and resolves).
 * Throws at once when Redis cannot be reached.
 */
export async function serveQueue(options: WorkerOptions): Promise<void> {
  const workers = options.workers ?? availableParallelism();
  if (!Number.isSafeInteger(workers) || workers < 1) throw new RangeError(`invalid workers: expected an integer >= 1, got ${workers}`);
  const slots = { workers, threads: options.threads ?? (workers > 1 ? 1 : availableParallelism()) };
  const client = await connectRedis(options.url);
  const bullmq = await loadBullmq();
  // null: a registry entry that is not a run descriptor (skipped, reported once).
  const served = new Map<string, RunServer | null>();
  const stopped = new Promise<void>((done) => {
    if (options.signal?.aborted) done();
    options.signal?.addEventListener("abort", () => done(), { once: true });
  });
  const halt = async () => { await Promise.all([...served.values()].map((server) => server?.halt())); };
  const halted = new Promise<"halted">((done) => {
    if (options.stopNow?.aborted) done("halted");
    options.stopNow?.addEventListener("abort", () => done("halted"), { once: true });
  });
  const serving = serve(options, client, served, stopped, slots, bullmq);
  serving.catch(() => { /* awaited below unless halted */ });
  try {
    if ((await Promise.race([serving, halted])) === "halted") await halt();
  } finally {
    client.disconnect();
  }
}

async function serve(
  options: WorkerOptions,
  client: Awaited<ReturnType<typeof connectRedis>>,
  served: Map<string, RunServer | null>,
  stopped: Promise<void>,
  slots: { readonly workers: number; readonly threads: number },
  bullmq: typeof import("bullmq"),
): Promise<"served"> {
  const prefix = options.prefix ?? QUEUE_DEFAULTS.prefix;
  const interval = options.discoveryInterval ?? QUEUE_DEFAULTS.discoveryInterval;
  try {
    while (!options.signal?.aborted) {
      let registry: Record<string, string> = {};
      try {
        registry = await client.hgetall(registryKey(prefix));
      } catch (error) {
        options.onEvent?.({ type: "error", message: `cannot read the registry of runs on ${options.url}: ${(error as Error).message}` });
      }
      for (const [run, text] of Object.entries(registry)) {
        if (served.has(run)) continue;
        let descriptor: RunDescriptor;
        try {
          descriptor = JSON.parse(text) as RunDescriptor;
        } catch {
          options.onEvent?.({ type: "error", message: `run ${run} in ${registryKey(prefix)} is not a JSON run descriptor; skipped` });
          served.set(run, null);
          continue;
        }
        if (options.run !== undefined && options.run !== run && options.run !== descriptor.name) continue;
        const environment = descriptor.environment === null ? SHIPPED_ENVIRONMENT : options.environment ?? descriptor.environment;
        served.set(run, new RunServer(descriptor, options, environment, slots, bullmq));
        options.onEvent?.({ type: "serving", run, name: descriptor.name });
      }
      for (const [run, server] of served) {
        if (run in registry) continue;
        served.delete(run);
        if (server === null) continue;
        await server.close();
        options.onEvent?.({ type: "released", run, name: server.descriptor.name });
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([stopped, new Promise((done) => { timer = setTimeout(done, interval); })]);
      clearTimeout(timer);
    }
  } finally {
    if (!options.stopNow?.aborted) await Promise.all([...served.values()].map((server) => server?.close()));
  }
  return "served";
}
