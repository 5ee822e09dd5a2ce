/**
 * `runExperiment`: runs (or resumes) an experiment in a run directory. The directory holds the
 * validated config (`config.json`), the manifest (`run.json`) and the durable results store
 * (`results.jsonl`). Items already in the store are skipped, so re-running the same config
 * after a crash finishes the run with the same records as an uninterrupted one.
 */
import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../io/atomic.js";
import type { Device } from "../../model/device.js";
import type { ExperimentConfig } from "../plan/config.js";
import { parseConfig } from "../plan/config.js";
import { importEnvironment, SHIPPED_ENVIRONMENT } from "./environment.js";
import type { ImageRef, WorkItem } from "../plan/grid.js";
import { RunEta } from "./eta.js";
import { calibrationItems, itemCost, plannedItems, workItems } from "../plan/grid.js";
import { folderLabelWarning } from "../../data/folder.js";
import { fingerprintInputs, withLoadedData, type InputFingerprints } from "../store/fingerprint.js";
import { acquireLock } from "../store/lock.js";
import { InlineExecutor, WorkerPool, type Executor } from "./pool.js";
import type { CalibrationRecord, ResultRecord, RunManifest, SoftwareVersions } from "../store/records.js";
import { ResultStore, type StoreRecovery } from "../store/store.js";
import { loadConfig, MANIFEST_FILE, prepareRunDirectory, SAVED_POINTS_DIR, softwareVersions, supersedeRun } from "../store/runDirectory.js";
import { resolveInputsAndModels } from "./resolve.js";
import { inShard, type ShardSpec } from "../plan/shard.js";
import type { RunWithinObserver } from "./within.js";

/** Progress of a run, reported after every stored item. */
export interface RunProgress {
  readonly phase: "calibration" | "items";
  /** Items of the whole run finished so far (including those found done when resuming). */
  readonly done: number;
  readonly total: number;
  /** Items found done when this session started. */
  readonly resumed: number;
  readonly elapsedSeconds: number;
  /** Estimated seconds left (RunEta: mean seconds per item of each cost class); null before the first item. */
  readonly etaSeconds: number | null;
  /** Key of the item that just finished (null for the initial report). */
  readonly key: string | null;
}

/** Options of `runExperiment`: where the run directory goes, workers, threads, environment, progress. */
export interface RunOptions {
  /** The run directory (created if missing). */
  readonly out: string;
  /** Worker threads; defaults to the machine's available parallelism. One runs in this thread. */
  readonly workers?: number;
  /** onnxruntime intra-op threads per model session; defaults to 1 with several workers, else all cores. */
  readonly threads?: number;
  /** Environment module URL (models, data, attacks); defaults to the shipped one. */
  readonly environment?: string;
  /** Called after each finished item (and at the start), for the caller to show progress. */
  readonly onProgress?: (progress: RunProgress) => void;
  /**
   * Called with the progress inside each item in flight (within.ts): its key, `done` of `of`
   * units so far (an attack's oracle queries of its budget, CERTIFY's draws of n0 + n, an
   * accuracy item's images), increasing, at most every WITHIN_DEFAULTS.intervalMs (250 ms) per
   * item; the item's onProgress comes after its last one. Calibration and figure items report
   * none, nor do queue runs (`executor`). Records do not depend on it.
   */
  readonly onWithin?: RunWithinObserver;
  /** Names the config in error messages (its file path). */
  readonly source?: string;
  /** Overrides the config's `device` (a different device is a different experiment: see ExperimentConfig.device). */
  readonly device?: Device;
  /**
   * Start over: the directory's earlier run (config, manifest, store, report) is moved into
   * `superseded-<time>/` first. Without it, a directory whose config, inputs or store no longer
   * match its manifest is refused.
   */
  readonly forceNew?: boolean;
  /**
   * Grow the run: accept a config that appends attack entries to the directory's
   * (runDirectory.ts extensionProblems). Stored records stay; the new cells run; run.json lists
   * the extension under `extensions`.
   */
  readonly extend?: boolean;
  /** Things the user should know that do not stop the run (a recovered lock, folder labels); the CLI prints them. */
  readonly onWarning?: (message: string) => void;
  /**
   * Run only shard `index` of `count` (a job array: src/experiments/plan/shard.ts): the items whose key
   * hashes to it, and every calibration. Recorded in run.json; a directory of another shard is refused.
   */
  readonly shard?: ShardSpec;
  /**
   * Executes the pending items elsewhere instead of in this process's threads (a work queue:
   * src/experiments/distribute/queueCoordinator.ts). This process stays the single writer of the store.
   */
  readonly executor?: (run: ExecutorRun) => Executor | Promise<Executor>;
  /**
   * Stops the run when aborted: no record is stored after that (the items in flight are dropped),
   * the workers stop between two model calls, the lock is released, and runExperiment rejects
   * with `signal.reason` (an AbortError unless the caller gave one). The stored records are kept
   * and the same call resumes.
   */
  readonly signal?: AbortSignal;
}

/** What an executor of `RunOptions.executor` is told about the run. */
export interface ExecutorRun {
  readonly config: ExperimentConfig;
  readonly configHash: string;
  readonly inputs: InputFingerprints;
  /** The environment module's URL, or null for the shipped one. */
  readonly environment: string | null;
  readonly dir: string;
}

/** Seconds between rewrites of run.json while a run is in progress (wall time and counts survive a kill). */
export const MANIFEST_INTERVAL_SECONDS = 5;

/** What `runExperiment` returns: the run directory, its manifest and config, and the items run now or resumed. */
export interface RunSummary {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly config: ExperimentConfig;
  /** Items executed by this session, and found already done. */
  readonly executed: number;
  readonly resumed: number;
  readonly recovery: StoreRecovery;
}

/** Sigmas resolved by the calibration records of a store. */
function sigmaTable(store: ResultStore): Map<string, number> {
  const table = new Map<string, number>();
  for (const r of store.records()) if (r.kind === "calibration") table.set(r.key, (r as CalibrationRecord).sigma);
  return table;
}

/**
 * `work`, or a rejection with `signal.reason` as soon as the signal is aborted. The work goes on
 * in the background then (until its executor is closed) and its outcome is ignored.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  work.catch(() => {}); // rejected after an abort (its workers were stopped under it): expected
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => { signal.removeEventListener("abort", onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener("abort", onAbort); reject(error); },
    );
  });
}

/** Runs or resumes an experiment. */
export async function runExperiment(input: ExperimentConfig | string, options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const environmentUrl = options.environment ?? SHIPPED_ENVIRONMENT;
  const environment = await importEnvironment(environmentUrl);
  const given = typeof input === "string"
    ? loadConfig(input, environment.attacks)
    : parseConfig(input, { attacks: environment.attacks, source: options.source });
  const config = options.device === undefined ? given : parseConfig({ ...given, device: options.device }, { attacks: environment.attacks, source: options.source });
  const workers = options.workers ?? availableParallelism();
  if (!Number.isSafeInteger(workers) || workers < 1) throw new RangeError(`invalid workers: expected an integer >= 1, got ${workers}`);
  const threads = options.threads ?? (workers > 1 ? 1 : availableParallelism());

  // The selected images name the items (by their index in the source).
  // Every model and dataset the config names is checked before the run directory is made.
  // The checks load each data selection once (withLoadedData), and fingerprint what they loaded.
  const checking = withLoadedData(environment);
  // One worker in this thread: the checked models (loaded with its thread count) run the items, so
  // each model is loaded once. Worker threads (and queue workers) load their own: the check's are disposed.
  const inline = options.executor === undefined && workers === 1;
  const { images: data, models: checked } = await resolveInputsAndModels(config, checking, options.source, inline ? threads : 1);
  let handedOver = false;
  const disposeChecked = async () => { if (!handedOver) for (const m of checked.values()) await m.dispose?.(); };
  if (!inline) await disposeChecked();
  const images: ImageRef[] = Array.from({ length: data.count }, (_, position) => ({ position, index: data.indices[position], label: data.labels[position] }));
  const labels = folderLabelWarning(data);
  if (labels !== null) options.onWarning?.(labels);
  const dir = options.out;
  let inputs: Awaited<ReturnType<typeof fingerprintInputs>>;
  let lock: ReturnType<typeof acquireLock>;
  try {
    inputs = await fingerprintInputs(config, checking);
    mkdirSync(dir, { recursive: true });
    // One writer per run directory; refused here, before the store is touched.
    options.signal?.throwIfAborted();
    lock = acquireLock(dir, { onWarning: options.onWarning });
  } catch (error) {
    await disposeChecked();
    throw error;
  }
  let store: ResultStore | null = null;
  let executor: Executor | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  try {
    if (options.forceNew) {
      const aside = supersedeRun(dir);
      if (aside !== null) options.onWarning?.(`--force-new: the earlier run of ${dir} was moved to ${aside}; starting over`);
    }
    const { hash, previous, extended } = prepareRunDirectory(dir, config, { inputs, onWarning: options.onWarning, shard: options.shard, extend: options.extend });
    const extensions = [...(previous?.extensions ?? []), ...(extended === null ? [] : [{ at: new Date().toISOString(), from: extended, attacks: config.attacks.length }])];
    if (extended !== null) options.onWarning?.(`--extend: ${dir} grows to ${config.attacks.length} attack entries (config ${extended.slice(0, 12)} -> ${hash.slice(0, 12)}); its stored records are kept`);
    const opened = ResultStore.open(dir);
    store = opened;
    const created = previous?.created ?? new Date().toISOString();
    const software = softwareVersions();
    let executed = 0;

    const calibrations = calibrationItems(config);
    const ours = (item: WorkItem) => inShard(item, options.shard);
    const planned = plannedItems(config, images).filter(ours);
    const plannedKeys = new Set(planned.map((item) => item.key));
    const total = planned.length;
    // Only records of this config's own items count (a store may hold foreign lines).
    let valid = opened.records().filter((r) => plannedKeys.has(r.key)).length;
    const resumed = valid;
    if (previous && typeof previous.done === "number" && previous.done > valid) {
      // A crash cannot do this (records are fsynced before run.json counts them): someone emptied or cut the store.
      options.onWarning?.(
        `${opened.path} holds ${valid} record(s) of this run, but run.json recorded ${previous.done} done (last updated ${previous.updated}): ` +
        `${previous.done - valid} record(s) were lost (the store was emptied, truncated or replaced) and are computed again now. ` +
        `Stop this run (Ctrl-C) and restore the store if you have it.`,
      );
    }
    const pendingCount = total - valid;
    const eta = new RunEta(planned.map((item) => ({ item, cost: itemCost(item, config) })), (key) => opened.get(key)?.seconds);

    let lastManifest = 0;
    const manifest = (complete: boolean): RunManifest => ({
      name: config.name, configHash: hash, seed: config.seed, created, updated: new Date().toISOString(),
      items: total, done: valid, complete,
      wallSeconds: (previous?.wallSeconds ?? 0) + (performance.now() - started) / 1000,
      sessions: (previous?.sessions ?? 0) + 1, workers, software, inputs, images: images.map((i) => i.index),
      store: { valid, foreign: opened.size - valid, duplicates: opened.recovery.duplicates, droppedBytes: opened.recovery.droppedBytes },
      ...(options.shard ? { shard: { index: options.shard.index, count: options.shard.count } } : {}),
      ...(extensions.length ? { extensions } : {}),
    });
    const saveManifest = (complete: boolean): RunManifest => {
      const m = manifest(complete);
      writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(m, null, 2) + "\n");
      lastManifest = performance.now();
      return m;
    };
    const report = (phase: RunProgress["phase"], key: string | null) => {
      const elapsedSeconds = (performance.now() - started) / 1000;
      const etaSeconds = eta.secondsLeft(elapsedSeconds);
      options.onProgress?.({ phase, done: valid, total, resumed, elapsedSeconds, etaSeconds, key });
    };
    const onRecord = (phase: RunProgress["phase"]) => (record: ResultRecord) => {
      if (options.signal?.aborted) return; // stopping: an item that finished under the abort is run again on resume
      opened.append(record);
      if (plannedKeys.has(record.key)) valid++;
      executed++;
      eta.finish(record.key, record.seconds);
      if (performance.now() - lastManifest > MANIFEST_INTERVAL_SECONDS * 1000) saveManifest(false);
      report(phase, record.key);
    };

    saveManifest(false);
    // Long items store nothing for minutes: run.json (the wall time) is also rewritten on a clock.
    timer = setInterval(() => saveManifest(false), MANIFEST_INTERVAL_SECONDS * 1000);
    timer.unref();
    report("calibration", null);
    const pending = (items: readonly WorkItem[]) => items.filter((item) => !opened.has(item.key));
    // A queue executor is opened even with nothing pending: it collects jobs finished while this
    // process was down and clears the queue of a completed run.
    if (pendingCount > 0 || options.executor) {
      const size = Math.min(workers, pendingCount);
      const save = config.save === true ? join(dir, SAVED_POINTS_DIR) : undefined;
      executor = options.executor
        ? await options.executor({ config, configHash: hash, inputs, environment: options.environment ?? null, dir })
        : size === 1 ? new InlineExecutor(config, environmentUrl, threads, save, inline ? checked : undefined) : new WorkerPool(config, environmentUrl, size, threads, save);
      if (inline && size === 1) handedOver = true;
      const run = executor;
      const watch = options.onWithin;
      const onWithin: RunWithinObserver | undefined = watch && ((key, done, of, unit) => { if (!options.signal?.aborted) watch(key, done, of, unit); });
      const execute = (items: readonly WorkItem[], phase: RunProgress["phase"]) => untilAborted(run.run(items, onRecord(phase), onWithin), options.signal);
      const calibrationPending = pending(calibrations);
      if (calibrationPending.length) await execute(calibrationPending, "calibration");
      // Sigmas are known now (from this session or an earlier one).
      await execute(pending(workItems(config, sigmaTable(opened), images).filter(ours)), "items");
    }
    clearInterval(timer);
    const final = saveManifest(valid === total);
    if (valid === total) await executor?.finish?.();
    return { dir, manifest: final, config, executed, resumed, recovery: opened.recovery };
  } finally {
    if (timer !== null) clearInterval(timer);
    await executor?.close();
    if (inline) await disposeChecked();
    store?.close();
    lock.release();
  }
}
