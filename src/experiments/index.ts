/** Experiments: configs, grid expansion, work items, the durable results store and the runner. */
export * from "./records.js";
export { CONFIG_DEFAULTS, ConfigError, canonicalJson, parseConfig } from "./config.js";
export type { AttackConfig, AttackNorms, CalibrationConfig, CertificationConfig, DataConfig, DefenseConfig, ExperimentConfig, FiguresConfig, ParseConfigOptions, SigmaSpec } from "./config.js";
export { calibrationItems, calibrationKey, defensePoints, itemCost, itemRandom, keyWords, predictionKey, resolveSigma, workItems } from "./grid.js";
export type { AccuracyItem, AttackItem, CalibrationItem, CertificationItem, FigureItem, ImageRef, SigmaTable, WorkItem } from "./grid.js";
export { RESULTS_FILE, ResultStore, readRecords, serializeRecord } from "./store.js";
export type { StoreRecovery } from "./store.js";
export { SHIPPED_ENVIRONMENT, importEnvironment } from "./environment.js";
export type { CalibrateArgs, CalibrationResult, CertifyArgs, EnvironmentModule, ExperimentEnvironment } from "./environment.js";
export { CHECKPOINTS, ExecutionContext, executeItem } from "./execute.js";
export { InlineExecutor, WorkerPool } from "./pool.js";
export { resolveInputs } from "./resolve.js";
export type { Executor } from "./pool.js";
export { runExperiment } from "./runner.js";
export { CONFIG_FILE, MANIFEST_FILE, configHash, loadConfig, prepareRunDirectory, readRun, softwareVersions } from "./runDirectory.js";
export type { RunOptions, RunProgress, RunSummary } from "./runner.js";
export { CSV_COLUMNS, EXPORT_BUDGETS, attackRow, certificationRow, exportRecords, toCsv } from "./export.js";
export type { AccuracyRow, AttackRow, CalibrationRow, CertificationRow, ExportedResults } from "./export.js";
