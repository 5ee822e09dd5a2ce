/**
 * The durable run directory: the typed records (`records.ts`), the append-only results store
 * (`store.ts`), config.json and run.json (`runDirectory.ts`), the directory's lock (`lock.ts`),
 * the input fingerprints a resume must match (`fingerprint.ts`), and what readers and tools do
 * with a directory: its status (`status.ts`), its export as rows (`export.ts`) and the merge of
 * a job array's shards (`merge.ts`). Imports only plan/ below it.
 */
export * from "./records.js";
export { RESULTS_FILE, ResultStore, readRecords, readStore, serializeRecord } from "./store.js";
export type { StoreContents, StoreRecovery } from "./store.js";
export { CONFIG_FILE, MANIFEST_FILE, configHash, differingFields, loadConfig, prepareRunDirectory, readRun, runDirectoryFor, softwareVersions, supersedeRun, writeConfigFile } from "./runDirectory.js";
export type { PrepareOptions } from "./runDirectory.js";
export { acquireLock, LOCK_FILE, LockError } from "./lock.js";
export type { DirectoryLock, LockOptions, LockOwner } from "./lock.js";
export { compareFingerprints, dataInputs, endpointFingerprint, fingerprintInputs, folderFingerprint, hashFile, hashImages, imagesFingerprint } from "./fingerprint.js";
export type { DataFingerprint, EndpointFingerprint, FileFingerprint, FingerprintSource, InputFingerprints } from "./fingerprint.js";
export { runStatus, shardStatus, statusProblems } from "./status.js";
export type { RunStatus, ShardProgress } from "./status.js";
export { CSV_COLUMNS, EXPORT_BUDGETS, attackRow, certificationRow, exportRecords, toCsv } from "./export.js";
export type { AccuracyRow, AttackRow, CalibrationRow, CertificationRow, ExportedResults, FigureRow } from "./export.js";
export { MergeError, mergeRuns } from "./merge.js";
export type { MergeOptions, MergeSummary } from "./merge.js";
