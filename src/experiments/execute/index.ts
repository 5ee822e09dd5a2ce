/**
 * Executing a run: the environment it runs against (`environment.ts`, the shipped one in
 * `shipped.ts`), the check of its inputs before anything is written (`resolve.ts`), one work item
 * as a pure function of (config, item, seed) (`execute.ts`), the executors in this thread or on
 * worker threads (`pool.ts`, `worker.ts`) and `runExperiment` (`runner.ts`, with its ETA in
 * `eta.ts` and the progress inside an item in `within.ts`). Imports plan/ and store/ below it.
 */
export { SHIPPED_ENVIRONMENT, importEnvironment } from "./environment.js";
export type { CalibrateArgs, CalibrationResult, CertifyArgs, EnvironmentModule, ExperimentEnvironment } from "./environment.js";
export { CHECKPOINTS, ExecutionContext, executeItem } from "./execute.js";
export { InlineExecutor, WorkerPool } from "./pool.js";
export type { Executor } from "./pool.js";
export { resolveInputs } from "./resolve.js";
export { MANIFEST_INTERVAL_SECONDS, runExperiment } from "./runner.js";
export type { RunOptions, RunProgress, RunSummary } from "./runner.js";
export { throttleWithin, WITHIN_DEFAULTS } from "./within.js";
export type { RunWithinObserver, WithinObserver, WithinUnit } from "./within.js";
