/**
 * rsbench: randomized smoothing under decision-based black-box attack.
 * The library API (`import { ... } from "rsbench"`); the `rsbench` CLI is a thin layer over it.
 *
 * The modules whose own index is their public surface are re-exported whole: seeded randomness,
 * models, the label-only oracle, smoothing and CERTIFY, the attacks, statistics, theory, data,
 * the model zoo, figures and the report. Of the experiment runner and the HTTP server only the
 * entry points and their types are public; their machinery (the results store, locks, shards,
 * work items, worker pools, request decoding) and the I/O helpers stay internal, importable by
 * path inside this repository but not from the package. docs/library.md shows the common uses.
 *
 * @packageDocumentation
 */
export * from "./rng/index.js";
export * from "./model/index.js";
export * from "./oracle/index.js";
export * from "./smoothing/index.js";
export * from "./attacks/index.js";
export * from "./stats/index.js";
export * from "./theory/index.js";
export * from "./data/index.js";
export * from "./zoo/index.js";
export * from "./figures/index.js";
export * from "./report/index.js";

// Types that public signatures use, from modules whose index does not export them.
export type { EstimatedVerification, HardenedPoint, HeldPointCheck, SequentialCheck } from "./attacks/record.js";
export type { Pixels } from "./data/image.js";
export type { DataFingerprint, EndpointFingerprint, FileFingerprint, InputFingerprints } from "./experiments/store/fingerprint.js";
export type { ShardSpec } from "./experiments/plan/shard.js";

// Experiments: a config in, a run directory out (records, report); reading and exporting runs.
export type * from "./experiments/store/records.js";
export { DEFAULT_FIGURES, FIGURE_NAMES } from "./experiments/store/records.js";
export { CONFIG_DEFAULTS, ConfigError, parseConfig } from "./experiments/plan/config.js";
export type { AttackCells, AttackConfig, AttackNorms, CalibrationConfig, CertificationConfig, DataConfig, DefenseConfig, ExperimentConfig, FiguresConfig, ParseConfigOptions, SigmaSpec } from "./experiments/plan/config.js";
export { runExperiment } from "./experiments/execute/runner.js";
export type { RunOptions, RunProgress, RunSummary } from "./experiments/execute/runner.js";
export type { RunWithinObserver, WithinUnit } from "./experiments/execute/within.js";
export { loadConfig, readRun } from "./experiments/store/runDirectory.js";
export { readStore } from "./experiments/store/store.js";
export type { StoreContents, StoreRecovery } from "./experiments/store/store.js";
export { runStatus, shardStatus } from "./experiments/store/status.js";
export type { RunStatus, ShardProgress } from "./experiments/store/status.js";
export { CSV_COLUMNS, exportRecords, toCsv } from "./experiments/store/export.js";
export type { AccuracyRow, AttackRow, CalibrationRow, CertificationRow, ExportedResults, FigureRow } from "./experiments/store/export.js";
export { MergeError, mergeRuns } from "./experiments/store/merge.js";
export type { MergeOptions, MergeSummary } from "./experiments/store/merge.js";
export { importEnvironment, SHIPPED_ENVIRONMENT } from "./experiments/execute/environment.js";
export type { CalibrateArgs, CalibrationResult, CertifyArgs, EnvironmentModule, ExperimentEnvironment } from "./experiments/execute/environment.js";

// Serving a classifier behind a label-only HTTP API (docs/serve.md).
export { AuditLog, createServer, KeyRing, RequestError, SERVE_DEFAULTS } from "./serve/index.js";
export type { AuditEntry, Disclosure, ServeOptions } from "./serve/index.js";
