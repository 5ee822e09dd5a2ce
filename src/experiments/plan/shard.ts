/**
 * Shards of a job array: `rsbench run CONFIG --shard I/N` runs only the items whose key hashes to
 * shard I. The hash is sha256 of the key's UTF-8 bytes; its first 4 bytes, read as a big-endian
 * unsigned integer, modulo N, give the shard. It depends on the key alone (not on the seed, the
 * order or the machine), so any tool can say where an item runs:
 * `printf %s "$KEY" | sha256sum | cut -c1-8` is the integer in hex.
 *
 * Calibration items (sigma for an accuracy drop) are needed by every shard's defense points. They
 * are deterministic in (seed, key, inputs), so every shard computes them itself, identically; a
 * merge keeps one and refuses copies that differ (see merge.ts). No shard waits for another.
 */
import { createHash } from "node:crypto";
import type { WorkItem } from "./grid.js";

/** Shard `index` of `count` (0 <= index < count). */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/** The most shards a run may be split into. */
export const MAX_SHARDS = 100_000;

/** The environment variables `--shard auto/N` reads, in order: SLURM job arrays, Kubernetes Indexed Jobs. */
export const SHARD_INDEX_VARIABLES = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] as const;

/** The shard (0 .. count-1) of an item key. */
export function shardOf(key: string, count: number): number {
  return createHash("sha256").update(key, "utf8").digest().readUInt32BE(0) % count;
}

/** Whether an item belongs to the shard: calibrations belong to every shard, other items to the one their key hashes to. */
export function inShard(item: Pick<WorkItem, "kind" | "key">, shard: ShardSpec | undefined): boolean {
  return shard === undefined || item.kind === "calibration" || shardOf(item.key, shard.count) === shard.index;
}

/** "1/3". */
export function shardLabel(shard: ShardSpec): string {
  return `${shard.index}/${shard.count}`;
}

/** Whether two shard specs (either may be absent: an unsharded run) are the same. */
export function sameShard(a: ShardSpec | undefined, b: ShardSpec | undefined): boolean {
  return a?.index === b?.index && a?.count === b?.count;
}

function integer(text: string): number | null {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
}

/**
 * Parses `I/N` or `auto/N`. `auto` takes I from SLURM_ARRAY_TASK_ID (a SLURM job array: submit it
 * with `--array=0-(N-1)`) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). Throws a RangeError
 * saying what was expected and what was received.
 */
export function parseShard(text: string, env: Readonly<Record<string, string | undefined>> = process.env): ShardSpec {
  const match = /^\s*([^/]+)\/([^/]+)\s*$/.exec(text);
  const count = match ? integer(match[2]) : null;
  if (!match || count === null || count < 1 || count > MAX_SHARDS) {
    throw new RangeError(`invalid --shard: expected I/N or auto/N with N an integer in [1, ${MAX_SHARDS}] and I in [0, N-1], got ${JSON.stringify(text)}`);
  }
  let index: number | null;
  let from = "";
  if (match[1].trim() === "auto") {
    const set = SHARD_INDEX_VARIABLES.filter((name) => env[name] !== undefined && env[name] !== "");
    if (set.length === 0) {
      throw new RangeError(`invalid --shard ${text}: auto reads the shard index from ${SHARD_INDEX_VARIABLES.join(" or ")}, and neither is set (run it as a SLURM array task or a Kubernetes Indexed Job, or give the index: --shard I/${count})`);
    }
    const values = set.map((name) => `${name}=${env[name]}`);
    if (set.length > 1 && env[set[0]]!.trim() !== env[set[1]]!.trim()) throw new RangeError(`invalid --shard ${text}: ${values.join(" and ")} disagree; unset one of them`);
    from = ` (from ${values[0]})`;
    index = integer(env[set[0]]!);
    if (index === null) throw new RangeError(`invalid --shard ${text}: expected ${set[0]} to be an integer >= 0, got ${JSON.stringify(env[set[0]])}`);
  } else {
    index = integer(match[1]);
    if (index === null) throw new RangeError(`invalid --shard: expected I/N or auto/N with I an integer >= 0, got ${JSON.stringify(text)}`);
  }
  if (index >= count) {
    throw new RangeError(`invalid --shard ${text}: expected a shard index in [0, ${count - 1}], got ${index}${from}` +
      (from.includes("SLURM") ? `; number the array from 0 (sbatch --array=0-${count - 1})` : ""));
  }
  return { index, count };
}
