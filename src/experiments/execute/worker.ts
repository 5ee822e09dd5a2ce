/**
 * A worker thread of the experiment pool: it imports the environment, keeps one model session
 * per model (onnxruntime intra-op threads as told), and executes the items it is sent, one at a
 * time, answering each with its record. It never writes the store: the main thread does, so
 * every record is durable before the worker gets its next item.
 *
 * "stop" ends the thread at once, from JavaScript: onnxruntime's run is synchronous on this
 * thread, so a message is only handled between two model calls, never during one. Terminating
 * the thread from outside during a call would abort the whole process (onnxruntime-node throws
 * a C++ Napi::Error into a dying environment: "terminate called ...", exit 134).
 */
import { parentPort } from "node:worker_threads";
import type { ExperimentConfig } from "../plan/config.js";
import { importEnvironment } from "./environment.js";
import { ExecutionContext, executeItem } from "./execute.js";
import type { WorkItem } from "../plan/grid.js";
import type { ResultRecord } from "../store/records.js";
import { throttleWithin, type WithinUnit } from "./within.js";

export type ToWorker =
  | { readonly type: "init"; readonly config: ExperimentConfig; readonly environment: string; readonly threads: number; readonly save?: string; readonly workers?: number }
  /** `within`: report the progress inside the item ("within" messages, at most every WITHIN_DEFAULTS.intervalMs). */
  | { readonly type: "item"; readonly item: WorkItem; readonly within?: boolean }
  | { readonly type: "stop" };

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "done"; readonly record: ResultRecord }
  /** Progress inside the item `key` in flight (within.ts); its "done" follows. */
  | { readonly type: "within"; readonly key: string; readonly done: number; readonly of: number; readonly unit: WithinUnit }
  | { readonly type: "error"; readonly key: string | null; readonly message: string; readonly stack?: string };

const port = parentPort;
if (port) {
  let context: ExecutionContext | null = null;
  port.on("message", async (message: ToWorker) => {
    if (message.type === "stop") process.exit(0); // drops the item in flight: its record is never sent
    try {
      if (message.type === "init") {
        context = new ExecutionContext(await importEnvironment(message.environment), message.config, message.threads, message.save, message.workers ?? 1);
        port.postMessage({ type: "ready" } satisfies FromWorker);
      } else {
        if (!context) throw new Error("worker received an item before init");
        const { key } = message.item;
        const within = message.within
          ? throttleWithin((done, of, unit) => port.postMessage({ type: "within", key, done, of, unit } satisfies FromWorker))
          : undefined;
        const record = await executeItem(context, message.item, within);
        port.postMessage({ type: "done", record } satisfies FromWorker);
      }
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ type: "error", key: message.type === "item" ? message.item.key : null, message: e.message, stack: e.stack } satisfies FromWorker);
    }
  });
}
