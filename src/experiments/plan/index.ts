/**
 * What a run is: its config (`config.ts`, validated from JSON), the grid of work items it expands
 * to (`grid.ts`, each with a stable key and its own random stream) and the shards of that grid a
 * job array splits it into (`shard.ts`). Pure: no files, no models. The bottom layer of
 * src/experiments: it imports nothing from the other sub-folders.
 */
export { CONFIG_DEFAULTS, ConfigError, canonicalJson, parseConfig } from "./config.js";
export type { AttackCells, AttackConfig, AttackNorms, CalibrationConfig, CertificationConfig, DataConfig, DefenseConfig, ExperimentConfig, FiguresConfig, ParseConfigOptions, SigmaSpec } from "./config.js";
export { calibrationItems, calibrationKey, defensePoints, itemCost, itemRandom, keyWords, plannedItems, predictionKey, resolveSigma, workItems } from "./grid.js";
export type { AccuracyItem, AttackItem, CalibrationItem, CertificationItem, FigureItem, ImageRef, SigmaTable, WorkItem } from "./grid.js";
export { inShard, MAX_SHARDS, parseShard, sameShard, SHARD_INDEX_VARIABLES, shardLabel, shardOf } from "./shard.js";
export type { ShardSpec } from "./shard.js";
