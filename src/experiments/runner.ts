/**
 * `runExperiment`: runs (or resumes) an experiment in a run directory. The directory holds the
 * validated config (`config.json`), the manifest (`run.json`) and the durable results store
 * (`results.jsonl`). Items already in the store are skipped, so re-running the same config
 * after a crash finishes the run with the same records as an uninterrupted one.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import type { Device } from "../model/device.js";
import type { ExperimentConfig } from "./config.js";
import { parseConfig } from "./config.js";
import { importEnvironment, SHIPPED_ENVIRONMENT } from "./environment.js";
import type { ImageRef, WorkItem } from "./grid.js";
import { RunEta } from "./eta.js";
import { calibrationItems, itemCost, workItems } from "./grid.js";
import { InlineExecutor, WorkerPool, type Executor } from "./pool.js";
import type { CalibrationRecord, ResultRecord, RunManifest, SoftwareVersions } from "./records.js";
import { ResultStore, type StoreRecovery } from "./store.js";
import { loadConfig, MANIFEST_FILE, prepareRunDirectory, softwareVersions } from "./runDirectory.js";
import { resolveInputs } from "./resolve.js";

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

export interface RunOptions {
  /** The run directory (created if missing). */
  readonly out: string;
  /** Worker threads; defaults to the machine's available parallelism. One runs in this thread. */
  readonly workers?: number;
  /** onnxruntime intra-op threads per model session; defaults to 1 with several workers, else all cores. */
  readonly threads?: number;
  /** Environment module URL (models, data, attacks); defaults to the shipped one. */
  readonly environment?: string;
  readonly onProgress?: (progress: RunProgress) => void;
  /** Names the config in error messages (its file path). */
  readonly source?: string;
  /** Overrides the config's `device` (a different device is a different experiment: see ExperimentConfig.device). */
  readonly device?: Device;
}

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
  const data = await resolveInputs(config, environment, options.source);
  const images: ImageRef[] = Array.from({ length: data.count }, (_, position) => ({ position, index: data.indices[position], label: data.labels[position] }));

  const dir = options.out;
  const { hash, previous } = prepareRunDirectory(dir, config);
  const store = ResultStore.open(dir);
  const created = previous?.created ?? new Date().toISOString();
  const software = softwareVersions();
  const resumed = store.size;
  let executed = 0;
  let executor: Executor | null = null;

  const calibrations = calibrationItems(config);
  // Keys and the item count do not depend on the sigma values: plan with placeholders.
  const planned = [...calibrations, ...workItems(config, new Map(calibrations.map((c) => [c.key, 1])), images)];
  const total = planned.length;
  const pendingCount = planned.filter((item) => !store.has(item.key)).length;
  const eta = new RunEta(planned.map((item) => ({ item, cost: itemCost(item, config) })), (key) => store.get(key)?.seconds);

  let lastManifest = 0;
  const manifest = (complete: boolean): RunManifest => ({
    name: config.name, configHash: hash, seed: config.seed, created, updated: new Date().toISOString(),
    items: total, done: store.size, complete,
    wallSeconds: (previous?.wallSeconds ?? 0) + (performance.now() - started) / 1000,
    sessions: (previous?.sessions ?? 0) + 1, workers, software,
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
    options.onProgress?.({ phase, done: store.size, total, resumed, elapsedSeconds, etaSeconds, key });
  };
  const onRecord = (phase: RunProgress["phase"]) => (record: ResultRecord) => {
    store.append(record);
    executed++;
    eta.finish(record.key, record.seconds);
    if (performance.now() - lastManifest > 10_000) saveManifest(false);
    report(phase, record.key);
  };

  try {
    saveManifest(false);
    report("calibration", null);
    const pending = (items: readonly WorkItem[]) => items.filter((item) => !store.has(item.key));
    if (pendingCount > 0) {
      const size = Math.min(workers, pendingCount);
      executor = size === 1 ? new InlineExecutor(config, environmentUrl, threads) : new WorkerPool(config, environmentUrl, size, threads);
      const calibrationPending = pending(calibrations);
      if (calibrationPending.length) await executor.run(calibrationPending, onRecord("calibration"));
      // Sigmas are known now (from this session or an earlier one).
      await executor.run(pending(workItems(config, sigmaTable(store), images)), onRecord("items"));
    }
    const final = saveManifest(store.size === total);
    return { dir, manifest: final, config, executed, resumed, recovery: store.recovery };
  } finally {
    await executor?.close();
    store.close();
  }
}
