/**
 * The truthful status of a run directory, as a reader sees it: how many stored records are
 * items of the run's own config (only those count), and which lines are torn or corrupt, of
 * another experiment (foreign keys) or repeated. `rsbench results` prints it; the writer keeps the
 * same counts in run.json (RunManifest.store).
 */
import type { ExperimentConfig } from "../plan/config.js";
import { plannedItems, type ImageRef } from "../plan/grid.js";
import type { ResultRecord, RunManifest } from "./records.js";
import type { StoreContents } from "./store.js";
import { inShard, shardLabel, shardOf } from "../plan/shard.js";

/** A run's progress as `rsbench results` prints it (see `runStatus`). */
export interface RunStatus {
  /** Items of the run (run.json's count, else what the stored records allow planning). */
  readonly items: number;
  /** Stored records whose key is an item of this config. */
  readonly valid: number;
  readonly complete: boolean;
  /** The records that count, in store order. */
  readonly records: readonly ResultRecord[];
  /** Keys of stored records that are not items of this config. */
  readonly foreign: readonly string[];
  /** Line numbers of torn or corrupt lines, and of repeated keys. */
  readonly invalidLines: readonly number[];
  readonly duplicateLines: readonly number[];
  /** What run.json last recorded as done, when that is more than the store holds (records lost). */
  readonly lost: number;
  /**
   * A merged directory (run.json's `merged`): per shard of the array, its items (its share and
   * every calibration), how many of them the merged store holds, and whether it was merged at all.
   */
  readonly shards?: readonly ShardProgress[];
}

/** Progress of one shard of a job array (see `shardStatus`). */
export interface ShardProgress {
  readonly index: number;
  readonly items: number;
  readonly done: number;
  readonly merged: boolean;
}

/** Source indices of the images the item keys name: run.json's list, else those the records name. */
export function imageIndices(manifest: RunManifest | null, records: readonly ResultRecord[]): number[] {
  if (manifest?.images) return [...manifest.images];
  const seen = new Set<number>();
  for (const r of records) if ("image" in r && typeof r.image === "number") seen.add(r.image);
  return [...seen];
}

/** The status of a run: items planned, done and missing, from its config, manifest and stored records. */
export function runStatus(config: ExperimentConfig, manifest: RunManifest | null, store: StoreContents): RunStatus {
  const images: ImageRef[] = imageIndices(manifest, store.records).map((index, position) => ({ position, index, label: 0 }));
  // A shard's directory counts its own items only (run.json's shard), not the other shards'.
  const planned = plannedItems(config, images);
  const keys = new Set(planned.filter((item) => inShard(item, manifest?.shard)).map((item) => item.key));
  const records = store.records.filter((r) => keys.has(r.key));
  const foreign = store.records.filter((r) => !keys.has(r.key)).map((r) => r.key);
  const items = manifest?.items ?? keys.size;
  const recorded = typeof manifest?.done === "number" ? manifest.done : 0;
  const merged = manifest?.merged;
  let shards: ShardProgress[] | undefined;
  if (merged) {
    // Each key hashed once; calibrations belong to every shard.
    const stored = new Set(records.map((r) => r.key));
    const items = new Array<number>(merged.shards).fill(0), done = new Array<number>(merged.shards).fill(0);
    for (const item of planned) {
      const owners = item.kind === "calibration" ? items.map((_, i) => i) : [shardOf(item.key, merged.shards)];
      for (const i of owners) { items[i]++; if (stored.has(item.key)) done[i]++; }
    }
    shards = items.map((count, index) => ({ index, items: count, done: done[index], merged: merged.sources.some((s) => s.index === index) }));
  }
  return {
    items, valid: records.length, complete: records.length === items, records, foreign,
    invalidLines: store.invalid, duplicateLines: store.duplicates, lost: Math.max(0, recorded - records.length),
    ...(shards ? { shards } : {}),
  };
}

/**
 * What part of a job array a directory holds, in words: "shard 1/3" for a shard's directory;
 * for a merged one, the shards merged and what is missing ("merged 2 of 3 shards; missing: shard 1
 * (not merged yet, 0/13 items)"). Null for an unsharded run.
 */
export function shardStatus(status: RunStatus, manifest: RunManifest | null): string | null {
  if (manifest?.shard) return `shard ${shardLabel(manifest.shard)}`;
  if (!status.shards) return null;
  const merged = status.shards.filter((s) => s.merged).length;
  const missing = status.shards.filter((s) => s.done < s.items)
    .map((s) => `shard ${s.index} (${s.merged ? "incomplete" : "not merged yet"}, ${s.done}/${s.items} items)`);
  return `merged ${merged} of ${status.shards.length} shards` + (missing.length ? `; missing: ${missing.join(", ")}` : "");
}

function lineList(lines: readonly number[]): string {
  return lines.length <= 8 ? lines.join(", ") : `${lines.slice(0, 8).join(", ")}, ... (${lines.length} in all)`;
}

/** What is wrong with the store, one sentence each (empty when nothing is). */
export function statusProblems(status: RunStatus, path: string): string[] {
  const out: string[] = [];
  if (status.invalidLines.length) {
    out.push(`${path}: ${status.invalidLines.length} torn or corrupt line(s) skipped (line ${lineList(status.invalidLines)}; expected one JSON record with a "key" per line)`);
  }
  if (status.foreign.length) {
    const some = status.foreign.slice(0, 3).map((k) => JSON.stringify(k)).join(", ");
    out.push(`${path}: ${status.foreign.length} foreign record(s) not counted: their keys are not items of this run's config (${some}${status.foreign.length > 3 ? ", ..." : ""})`);
  }
  if (status.duplicateLines.length) out.push(`${path}: ${status.duplicateLines.length} duplicate line(s) ignored (line ${lineList(status.duplicateLines)}; the first record of each key is used)`);
  if (status.lost > 0) out.push(`${path}: holds ${status.valid} record(s) of this run but run.json recorded ${status.lost + status.valid} done: ${status.lost} record(s) were lost (the store was emptied, truncated or replaced)`);
  return out;
}
