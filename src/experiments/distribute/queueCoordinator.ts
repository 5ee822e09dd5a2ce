/**
 * The coordinator side of a queue run (`rsbench run CONFIG --queue redis://HOST:PORT`): an
 * Executor for the runner (runner.ts) that puts the pending items on the run's BullMQ queue and
 * hands back the records the workers return. The runner stays the single writer of the store, so
 * a run resumes exactly as a local one does.
 *
 * Crash safety: a job is removed from Redis only after its record is durably stored. A coordinator
 * killed at any moment leaves every finished job in the queue's completed set (workers keep
 * working meanwhile); the next session stores them first, then enqueues what is missing (job id =
 * item key, so an item already queued is not queued twice).
 */
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { writeFileAtomic } from "../../io/atomic.js";
import type { WorkItem } from "../plan/grid.js";
import type { Executor } from "../execute/pool.js";
import type { ResultRecord } from "../store/records.js";
import type { ExecutorRun } from "../execute/runner.js";
import { SAVED_POINTS_DIR, softwareVersions } from "../store/runDirectory.js";
import type { CoordinatorId, RunDescriptor } from "./queue.js";
import { connectionOptions, connectRedis, heartbeatKey, loadBullmq, jobIdOf, keyOfJobId, QUEUE_DEFAULTS, queueName, REFUSAL, registryKey, runId } from "./queue.js";

export interface CoordinatorOptions {
  /** redis://HOST:PORT[/DB]. */
  readonly url: string;
  /** Redis key prefix; defaults to QUEUE_DEFAULTS.prefix. */
  readonly prefix?: string;
  /** Milliseconds between looks for finished jobs; defaults to QUEUE_DEFAULTS.pollInterval. */
  readonly pollInterval?: number;
  /** Seconds without a connected worker before saying so; defaults to QUEUE_DEFAULTS.noWorkerWarning. */
  readonly noWorkerWarning?: number;
  /** Seconds between re-registering the run and re-adding the jobs of pending items; defaults to QUEUE_DEFAULTS.requeueInterval. */
  readonly requeueInterval?: number;
  /** Refusals by workers, a run without workers: things the user should know (the CLI prints them). */
  readonly onWarning?: (message: string) => void;
}

/** The data of a job: the work item. */
export interface ItemJobData {
  readonly item: WorkItem;
}

/** One saved point a worker returns: its path under the run's adversarial/ folder and its bytes (base64). */
export interface SavedPointFile {
  readonly path: string;
  readonly data: string;
}

/**
 * What a worker returns for a job: the item's record and, for a config with `"save": true`, the
 * points the item saved (src/experiments/execute/execute.ts savedPointsDir, relative to adversarial/);
 * the coordinator writes them into its run directory before it stores the record, as a local run does.
 */
export interface ItemJobResult {
  readonly record: ResultRecord;
  readonly points: readonly SavedPointFile[];
}

/**
 * Whether `path` is a saved point's path a coordinator may write under adversarial/: relative,
 * "/"-separated, no empty, "." or ".." segment, no backslash, ending in .npy (Redis content is
 * not trusted to name files).
 */
export function isSavedPointPath(path: string): boolean {
  return typeof path === "string" && path.endsWith(".npy") && !path.includes("\\") && !path.includes("\0") &&
    path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Every job of some states, all pages. */
async function allJobs(queue: Queue, state: "completed" | "failed"): Promise<Job[]> {
  return (await queue.getJobs([state], 0, -1, true)).filter((job): job is Job => job !== undefined && job !== null);
}

/** The executor of a queue run: opened by the runner once the run directory is locked and prepared. */
export class QueueExecutor implements Executor {
  private readonly warned = new Set<string>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;

  private constructor(
    readonly descriptor: RunDescriptor,
    private readonly queue: Queue,
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly options: CoordinatorOptions,
    /** Where the run's saved points go (the run directory's adversarial/). */
    private readonly points: string,
  ) {}

  /**
   * Registers the run on the Redis (workers discover it there) and takes its coordinator
   * heartbeat. A live coordinator of the same run writing another directory is refused: two
   * writers would split the run's records between them.
   */
  static async open(run: ExecutorRun, options: CoordinatorOptions): Promise<QueueExecutor> {
    const prefix = options.prefix ?? QUEUE_DEFAULTS.prefix;
    const client = await connectRedis(options.url);
    try {
      const id = runId(run.configHash, run.inputs, run.environment);
      const software = softwareVersions();
      const coordinator: CoordinatorId = { host: hostname(), pid: process.pid, dir: resolve(run.dir), started: new Date().toISOString() };
      const key = heartbeatKey(prefix, id);
      const ttl = QUEUE_DEFAULTS.heartbeatSeconds;
      const taken = await client.set(key, JSON.stringify(coordinator), "EX", ttl, "NX");
      if (taken === null) {
        const holder = JSON.parse((await client.get(key)) ?? "null") as CoordinatorId | null;
        // The same directory on the same host: its lock (held by us now) says that coordinator is gone.
        if (holder && (holder.host !== coordinator.host || holder.dir !== coordinator.dir)) {
          throw new Error(
            `run ${run.config.name} (queue ${queueName(id)}) is already coordinated on ${options.url} by pid ${holder.pid} on host ${holder.host}, ` +
            `writing ${holder.dir} (since ${holder.started}): two coordinators would split its records. Wait for it to finish or stop it ` +
            `(its heartbeat expires ${ttl} s after it stops), or resume that directory instead.`);
        }
        await client.set(key, JSON.stringify(coordinator), "EX", ttl);
      }
      const descriptor: RunDescriptor = {
        run: id, name: run.config.name, configHash: run.configHash, config: run.config,
        environment: run.environment, inputs: run.inputs, coordinator,
        software: { rsbench: software.rsbench, onnxruntime: software.onnxruntime },
      };
      await client.hset(registryKey(prefix), id, JSON.stringify(descriptor));
      const { Queue } = await loadBullmq();
      const queue = new Queue(queueName(id), { connection: connectionOptions(options.url), prefix });
      queue.on("error", () => { /* connection errors surface as failed commands */ });
      const executor = new QueueExecutor(descriptor, queue, client, prefix, options, join(run.dir, SAVED_POINTS_DIR));
      executor.heartbeat = setInterval(() => { void client.set(key, JSON.stringify(coordinator), "EX", ttl).catch(() => {}); }, (ttl * 1000) / 3);
      executor.heartbeat.unref();
      return executor;
    } catch (error) {
      client.disconnect();
      throw error;
    }
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.onWarning?.(message);
  }

  /** Adds the items' jobs; an item whose job exists (waiting, running or finished) is left as it is. */
  private async enqueue(items: Iterable<WorkItem>): Promise<void> {
    const all = [...items];
    for (let i = 0; i < all.length; i += 1000) {
      await this.queue.addBulk(all.slice(i, i + 1000).map((item) => ({
        name: item.kind,
        data: { item } satisfies ItemJobData,
        opts: { jobId: jobIdOf(item.key), removeOnComplete: false, removeOnFail: false, attempts: 1 },
      })));
    }
  }

  async run(items: readonly WorkItem[], onRecord: (record: ResultRecord) => void): Promise<void> {
    if (items.length === 0) return;
    const pending = new Map(items.map((item) => [item.key, item]));
    // A failed job of an item this session wants is retried: running the command again is the retry.
    for (const job of await allJobs(this.queue, "failed")) {
      if (pending.has(keyOfJobId(job.id!))) await job.retry("failed");
    }
    await this.enqueue(items);
    const interval = this.options.pollInterval ?? QUEUE_DEFAULTS.pollInterval;
    const quiet = (this.options.noWorkerWarning ?? QUEUE_DEFAULTS.noWorkerWarning) * 1000;
    let lastWorker = performance.now();
    let lastWorkerCheck = -Infinity;
    let lastRequeue = performance.now();
    const requeue = (this.options.requeueInterval ?? QUEUE_DEFAULTS.requeueInterval) * 1000;
    while (pending.size > 0) {
      const counts = await this.queue.getJobCounts("completed", "failed");
      if (counts.completed > 0) {
        for (const job of await allJobs(this.queue, "completed")) {
          const key = keyOfJobId(job.id!);
          if (!pending.has(key)) continue; // stored already (a session stopped before removing it), or a later phase's item
          const result = job.returnvalue as ItemJobResult | null;
          const record = result?.record;
          if (record == null || typeof record !== "object" || record.key !== key || !Array.isArray(result!.points) || !result!.points.every((p) => isSavedPointPath(p?.path) && typeof p.data === "string")) {
            throw new Error(`job ${job.id} of queue ${this.queue.name} returned ${JSON.stringify(result)?.slice(0, 200)}: expected {record, points} with the record of ${key} and points under adversarial/`);
          }
          // The points first, each atomically: a stored record's points are on disk, as in a local run.
          for (const point of result!.points) {
            const to = join(this.points, ...point.path.split("/"));
            mkdirSync(dirname(to), { recursive: true });
            writeFileAtomic(to, Buffer.from(point.data, "base64"));
          }
          onRecord(record);
          pending.delete(key);
          // Only now, with the record durable, does the job leave Redis.
          await job.remove();
        }
      }
      if (counts.failed > 0) {
        for (const job of await allJobs(this.queue, "failed")) {
          const key = keyOfJobId(job.id!);
          if (!pending.has(key)) continue;
          const reason = job.failedReason ?? "no reason recorded";
          if (reason.startsWith(REFUSAL)) {
            // That worker's inputs differ from the run's: the item goes back for another worker.
            this.warn(`${reason} (the item goes back to the queue for a worker whose inputs match; this run waits for one)`);
            await job.retry("failed");
            continue;
          }
          throw new Error(
            `work item ${key} failed on worker ${job.processedBy ?? "?"}: ${reason}. ` +
            `It stays failed in queue ${this.queue.name}; run the same command again to retry it.`);
        }
      }
      if (pending.size === 0) break;
      const now = performance.now();
      if (now - lastRequeue > requeue) {
        // A Redis restarted without persistence (or flushed) lost the run's jobs and registration: put them back.
        lastRequeue = now;
        await this.client.hset(registryKey(this.prefix), this.descriptor.run, JSON.stringify(this.descriptor));
        await this.enqueue(pending.values());
      }
      if (now - lastWorkerCheck > 5_000) {
        lastWorkerCheck = now;
        const workers = await this.connectedWorkers().catch(() => 1);
        if (workers > 0) lastWorker = now;
        else if (now - lastWorker > quiet) {
          this.warn(`no worker is serving run ${this.descriptor.name} (queue ${this.queue.name}) on ${this.options.url}: start one with \`rsbench worker --queue ${this.options.url}\``);
        }
      }
      await sleep(interval);
    }
  }

  /** Worker connections serving this run now (BullMQ's CLIENT LIST of the queue's workers). */
  connectedWorkers(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  /** The run is complete: it leaves the registry (workers let it go) and its queue is deleted. */
  async finish(): Promise<void> {
    await this.client.hdel(registryKey(this.prefix), this.descriptor.run);
    await this.queue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    await this.client.del(heartbeatKey(this.prefix, this.descriptor.run)).catch(() => 0);
    await this.queue.close();
    this.client.disconnect();
  }
}
