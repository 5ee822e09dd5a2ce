/**
 * A noise thread (see ThreadedNoise in noise.ts): fills the jobs of each task it is sent into the
 * shared buffer and answers with the task's id.
 */
import { parentPort } from "node:worker_threads";
import { runNoiseTask, type NoiseTask } from "./noise.js";

parentPort!.on("message", (task: NoiseTask) => {
  try {
    runNoiseTask(task);
    parentPort!.postMessage({ id: task.id });
  } catch (error) {
    parentPort!.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
