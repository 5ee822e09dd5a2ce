/**
 * Experiments: configs, grid expansion, work items, the durable results store and the runner.
 * Its sub-folders, bottom first (each imports only those below it; test/layers.test.ts checks):
 * plan/ (what a run is), store/ (the run directory), execute/ (running the items) and
 * distribute/ (a queue run's coordinator and workers, used by the CLI only).
 */
export * from "./plan/index.js";
export * from "./store/index.js";
export * from "./execute/index.js";
