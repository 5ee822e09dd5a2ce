/**
 * Executors of work items: in this thread (one worker) or on a pool of worker threads, one
 * model session each. `run(items, onRecord)` hands out one item per idle worker and calls
 * `onRecord` (which stores the record durably) before that worker gets its next item.
 */
import type { Worker } from "node:worker_threads";
import { moduleWorker, siblingModule } from "../../io/worker.js";
import type { Classifier } from "../../model/classifier.js";
import type { ExperimentConfig } from "../plan/config.js";
import { importEnvironment } from "./environment.js";
import { ExecutionContext, executeItem } from "./execute.js";
import type { WorkItem } from "../plan/grid.js";
import type { ResultRecord } from "../store/records.js";
import type { FromWorker, ToWorker } from "./worker.js";
import { throttleWithin, type RunWithinObserver } from "./within.js";

export interface Executor {
  /**
   * Executes every item; resolves when all are done, rejects on the first failure. `onWithin`,
   * when given, hears the progress inside each item in flight (within.ts), at most every
   * WITHIN_DEFAULTS.intervalMs per item, always before that item's `onRecord` (an executor may
   * report none: the queue's does not).
   */
  run(items: readonly WorkItem[], onRecord: (record: ResultRecord) => void, onWithin?: RunWithinObserver): Promise<void>;
  /**
   * Stops executing and releases the threads. Called with items possibly in flight (a failure, an
   * aborted run): those are dropped, and `run` may then reject or never call `onRecord` again.
   */
  close(): Promise<void>;
  /** The run is complete: release what it holds outside this process (a queue's jobs). Called before close. */
  finish?(): Promise<void>;
}

/** One worker, in the calling thread. */
export class InlineExecutor implements Executor {
  private context: Promise<ExecutionContext> | null = null;
  private closed = false;

  constructor(
    private readonly config: ExperimentConfig,
    private readonly environment: string,
    private readonly threads: number,
    private readonly save?: string,
    /** Models the caller loaded in this thread with `threads` threads (the pre-run check): used, not loaded again. */
    private readonly preloaded?: ReadonlyMap<string, Classifier>,
  ) {}

  async run(items: readonly WorkItem[], onRecord: (record: ResultRecord) => void, onWithin?: RunWithinObserver): Promise<void> {
    this.context ??= importEnvironment(this.environment).then((env) => new ExecutionContext(env, this.config, this.threads, this.save, 1, this.preloaded));
    const context = await this.context;
    for (const item of items) {
      if (this.closed) throw new Error(`executor closed before ${item.key}`);
      // Throttled as a worker thread's messages are, so the caller sees the same rate either way.
      const within = onWithin && throttleWithin((done, of, unit) => onWithin(item.key, done, of, unit));
      const record = await executeItem(context, item, within);
      if (this.closed) throw new Error(`executor closed while running ${item.key}`);
      onRecord(record);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

interface Slot {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  onMessage: ((message: FromWorker) => void) | null;
}

/** How long `WorkerPool.close` waits for a worker to stop between two model calls before it terminates the thread. */
export const STOP_TIMEOUT_MS = 60_000;

/** K worker threads. */
export class WorkerPool implements Executor {
  private readonly slots: Slot[] = [];
  private failure: Error | null = null;
  private closing = false;

  /** `sharing`: workers running models on this machine at once, this pool's and others' (defaults to `size`). */
  constructor(config: ExperimentConfig, environment: string, readonly size: number, threads: number, save?: string, sharing = size) {
    for (let i = 0; i < size; i++) {
      const worker = moduleWorker(siblingModule(import.meta.url, "worker"));
      const slot: Slot = { worker, ready: Promise.resolve(), exited: new Promise((done) => worker.once("exit", () => done())), onMessage: null };
      (slot as { ready: Promise<void> }).ready = new Promise<void>((resolve, reject) => {
        slot.onMessage = (m) => {
          if (m.type === "ready") resolve();
          else reject(new Error(m.type === "error" ? `worker failed to start: ${m.message}` : `worker sent ${m.type} before ready`));
        };
        worker.once("error", reject);
      });
      worker.on("message", (m: FromWorker) => slot.onMessage?.(m));
      worker.on("error", (e) => { this.failure ??= e; });
      worker.postMessage({ type: "init", config, environment, threads, save, workers: sharing } satisfies ToWorker);
      this.slots.push(slot);
    }
  }

  private execute(slot: Slot, item: WorkItem, onWithin: RunWithinObserver | undefined): Promise<ResultRecord> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      const onExit = (code: number) => reject(new Error(`worker exited with code ${code} while running ${item.key}`));
      slot.worker.once("error", onError);
      slot.worker.once("exit", onExit);
      slot.onMessage = (m) => {
        if (this.closing) return; // stopping: the record of an item in flight is dropped
        if (m.type === "within") {
          if (m.key === item.key) onWithin?.(m.key, m.done, m.of, m.unit);
          return;
        }
        slot.worker.off("error", onError);
        slot.worker.off("exit", onExit);
        slot.onMessage = null;
        if (m.type === "done") resolve(m.record);
        else if (m.type === "error") {
          const error = new Error(`work item ${m.key ?? "?"} failed: ${m.message}`);
          if (m.stack) error.stack = `${error.message}\n(worker) ${m.stack}`;
          reject(error);
        } else reject(new Error(`worker sent ${m.type} while running ${item.key}`));
      };
      slot.worker.postMessage({ type: "item", item, within: onWithin !== undefined } satisfies ToWorker);
    });
  }

  async run(items: readonly WorkItem[], onRecord: (record: ResultRecord) => void, onWithin?: RunWithinObserver): Promise<void> {
    let next = 0;
    let failed: Error | null = null;
    const loop = async (slot: Slot): Promise<void> => {
      await slot.ready;
      while (failed === null && next < items.length) {
        const item = items[next++];
        try {
          onRecord(await this.execute(slot, item, onWithin));
        } catch (error) {
          failed ??= error instanceof Error ? error : new Error(String(error));
        }
      }
    };
    await Promise.all(this.slots.map((slot) => loop(slot).catch((e: unknown) => { failed ??= e instanceof Error ? e : new Error(String(e)); })));
    if (failed) throw failed;
    if (this.failure) throw this.failure;
  }

  /**
   * Asks every worker to stop (it exits between two model calls: see worker.ts) and waits for it;
   * a worker that does not stop within STOP_TIMEOUT_MS (a model call that long) is terminated.
   */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map(async (slot) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((done) => { timer = setTimeout(() => done("late"), STOP_TIMEOUT_MS); });
      try {
        slot.worker.postMessage({ type: "stop" } satisfies ToWorker);
      } catch {
        // already exited
      }
      if ((await Promise.race([slot.exited, late])) === "late") await slot.worker.terminate();
      clearTimeout(timer);
    }));
  }
}
