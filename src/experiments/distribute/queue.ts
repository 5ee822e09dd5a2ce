/**
 * The work queue of a distributed run, shared by its coordinator (`rsbench run --queue`,
 * queueCoordinator.ts) and its workers (`rsbench worker`, queueWorker.ts): BullMQ on Redis.
 *
 * Layout in Redis (every key under the prefix "rsbench"):
 * - `rsbench:runs`, a hash: one field per run being coordinated, its value the RunDescriptor
 *   (config, environment, input fingerprints) that workers read to serve the run;
 * - `rsbench:coordinator:<run>`, the live coordinator's heartbeat (a key with a TTL);
 * - the BullMQ queue `run-<run>` (keys `rsbench:run-<run>:*`): one job per work item, job id =
 *   the item key (escaped), data = the item, return value = its record.
 *
 * `<run>` names a run by its config hash, its input fingerprints and its environment, so several
 * runs (or the same config with other models) on one Redis never share a queue.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { lazy } from "../../io/lazy.js";

/** BullMQ and ioredis, imported on first use (src/io/lazy.ts): only queue runs and workers need them. */
export const loadBullmq: () => Promise<typeof import("bullmq")> = lazy(() => import("bullmq"));
const loadIoredis = lazy(() => import("ioredis"));
import type { ExperimentConfig } from "../plan/config.js";
import { canonicalJson } from "../plan/config.js";
import type { InputFingerprints } from "../store/fingerprint.js";

/** Defaults of the work queue (workers and coordinator). */
export const QUEUE_DEFAULTS = Object.freeze({
  /** Prefix of every Redis key rsbench writes. */
  prefix: "rsbench",
  /**
   * Milliseconds a worker's lock on a job lasts without renewal (BullMQ's lockDuration; renewed
   * every half of it while the item runs). A worker killed mid-item loses its lock after this long.
   */
  lockDuration: 30_000,
  /** Milliseconds between BullMQ's checks for stalled jobs (jobs whose lock expired): they go back to the queue. */
  stalledInterval: 30_000,
  /** Times a job may stall (its worker died) before it fails instead of running again. */
  maxStalledCount: 3,
  /** Milliseconds between a worker's looks at the registry of runs (new runs, finished ones). */
  discoveryInterval: 2_000,
  /** Milliseconds between the coordinator's looks for finished jobs. */
  pollInterval: 200,
  /**
   * Seconds between the coordinator's re-registrations of its run and re-adds of its pending
   * items (a no-op for jobs that exist): a Redis restarted without persistence is refilled.
   */
  requeueInterval: 60,
  /** Seconds a coordinator's heartbeat lives: a second coordinator of the same run is refused while it does. */
  heartbeatSeconds: 15,
  /** Seconds without any connected worker before the coordinator says so (once). */
  noWorkerWarning: 30,
});

/** The registry hash of runs being coordinated. */
export function registryKey(prefix: string): string {
  return `${prefix}:runs`;
}

/** The heartbeat key of a run's coordinator. */
export function heartbeatKey(prefix: string, run: string): string {
  return `${prefix}:coordinator:${run}`;
}

/** The BullMQ queue name of a run (BullMQ forbids ':' in queue names). */
export function queueName(run: string): string {
  return `run-${run}`;
}

/**
 * The id of a run on a Redis: 16 hex digits of sha256 over the config hash, the input
 * fingerprints and the environment module. Another model file is another run.
 */
export function runId(configHash: string, inputs: InputFingerprints, environment: string | null): string {
  return createHash("sha256").update(canonicalJson({ configHash, inputs, environment })).digest("hex").slice(0, 16);
}

/**
 * Job id of an item key. BullMQ forbids ':' in custom ids and reads an all-digits id as a
 * number, so '%' and ':' are percent-escaped and an all-digits key is marked with "%d" (which no
 * escape produces). `keyOfJobId` inverts it.
 */
export function jobIdOf(key: string): string {
  const escaped = key.replace(/%/g, "%25").replace(/:/g, "%3A");
  return /^\d+$/.test(escaped) ? `%d${escaped}` : escaped;
}

/** The item key of a job id (the inverse of jobIdOf). */
export function keyOfJobId(id: string): string {
  const body = id.startsWith("%d") ? id.slice(2) : id;
  return body.replace(/%(25|3A)/g, (escape) => (escape === "%25" ? "%" : ":"));
}

/** What a worker needs to serve a run: published by its coordinator in the registry. */
export interface RunDescriptor {
  /** The run id (runId). */
  readonly run: string;
  readonly name: string;
  readonly configHash: string;
  readonly config: ExperimentConfig;
  /** The environment module's URL, or null for the shipped one (each worker uses its own copy). */
  readonly environment: string | null;
  /** The fingerprints the run recorded (run.json): a worker refuses to execute with other inputs. */
  readonly inputs: InputFingerprints;
  /** The coordinator's rsbench and onnxruntime versions: a worker of other versions refuses the run. */
  readonly software: { readonly rsbench: string; readonly onnxruntime: string | null };
  readonly coordinator: CoordinatorId;
}

/** Who coordinates a run: the host, pid and run directory, and since when. */
export interface CoordinatorId {
  readonly host: string;
  readonly pid: number;
  readonly dir: string;
  readonly started: string;
}

/** Marks the failure of a job a worker refused (inputs that differ from the run's): the coordinator queues it again. */
export const REFUSAL = "refused by rsbench worker";

/** Redis connection options of a `redis://HOST:PORT[/DB]` URL; throws a RangeError saying what was expected. */
export function parseQueueUrl(text: string): { host: string; port: number; db: number; username?: string; password?: string; url: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(`invalid --queue: expected a Redis URL redis://HOST:PORT (e.g. redis://127.0.0.1:6379), got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "redis:") throw new RangeError(`invalid --queue: expected a redis:// URL (e.g. redis://127.0.0.1:6379), got ${JSON.stringify(text)} (protocol ${url.protocol})`);
  if (url.hostname === "") throw new RangeError(`invalid --queue: expected a host in ${JSON.stringify(text)} (redis://HOST:PORT)`);
  const port = url.port === "" ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, "");
  const db = path === "" ? 0 : Number(path);
  if (!Number.isSafeInteger(db) || db < 0) throw new RangeError(`invalid --queue: expected a database number after the port (redis://HOST:PORT/DB), got ${JSON.stringify(path)}`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""), port, db,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    url: `redis://${url.host}${db ? `/${db}` : ""}`,
  };
}

/** ioredis options for BullMQ connections of a queue URL (BullMQ's workers need maxRetriesPerRequest: null). */
export function connectionOptions(text: string): { host: string; port: number; db: number; username?: string; password?: string; maxRetriesPerRequest: null } {
  const { url: _url, ...options } = parseQueueUrl(text);
  return { ...options, maxRetriesPerRequest: null };
}

/**
 * A plain Redis client of a queue URL (it reconnects on its own once connected), or a clear error
 * when Redis cannot be reached now: BullMQ's own connections retry forever, so a wrong URL would
 * otherwise hang without a word.
 */
export async function connectRedis(text: string, timeoutMs = 5_000): Promise<Redis> {
  const { url, ...options } = parseQueueUrl(text);
  const { Redis } = await loadIoredis();
  const probe = new Redis({ ...options, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => { /* reported below */ });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new Error(`cannot reach the work queue's Redis at ${url}: ${(error as Error).message}. Expected a running redis-server there (e.g. \`redis-server --port ${options.port}\`), or fix --queue.`);
  } finally {
    probe.disconnect();
  }
  const client = new Redis(options);
  client.on("error", () => { /* ioredis reconnects; commands fail with their own error meanwhile */ });
  return client;
}
