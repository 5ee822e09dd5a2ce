/**
 * `mergeRuns`: joins the shard directories of a job array (`rsbench run --shard I/N`) into one run
 * directory that readers (`rsbench results`, the report) read like any other.
 *
 * Checks, before anything is written: every input is a shard of the same N, no shard twice; all
 * share one config (hash) and seed, the same selected images and the same input fingerprints; the
 * output is not one of the inputs. Records: the same key with different bytes (apart from
 * `seconds`) in two places is a conflict, refused naming the key; identical copies (the
 * calibrations every shard computes) are kept once. A record once merged is kept as it is: a
 * re-run (after more shards finish, or after a shard directory was deleted) adds records and
 * never drops or rewrites one. Every file is replaced atomically under the output's lock.
 *
 * Shards of one run must run one rsbench version (a record's meaning can change between versions;
 * refused naming both). Other software (onnxruntime, node, platform) may differ between machines:
 * a different onnxruntime is a warning, and every shard's versions stay in run.json's `merged`.
 * The points a config with `save` wrote (`adversarial/`, src/experiments/execute/execute.ts) are copied
 * into the output's `adversarial/`; one file with different bytes in two places is a conflict,
 * refused before anything is written, as for records.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { writeFileAtomic } from "../../io/atomic.js";
import { npyFilesUnder } from "../../io/npy.js";
import type { ExperimentConfig } from "../plan/config.js";
import { compareFingerprints } from "./fingerprint.js";
import { plannedItems, type ImageRef } from "../plan/grid.js";
import { acquireLock, LOCK_FILE } from "./lock.js";
import type { MergedShard, ResultRecord, RunManifest } from "./records.js";
import { CONFIG_FILE, configHash, differingFields, MANIFEST_FILE, readRun, SAVED_POINTS_DIR, writeConfigFile } from "./runDirectory.js";
import { shardLabel } from "../plan/shard.js";
import { imageIndices, runStatus, statusProblems } from "./status.js";
import { readStore, RESULTS_FILE, serializeRecord } from "./store.js";

/** Options of `mergeRuns`. */
export interface MergeOptions {
  /** Things that do not stop the merge (skipped torn or foreign lines of a shard still running); the CLI prints them. */
  readonly onWarning?: (message: string) => void;
}

/** What `mergeRuns` returns: the merged run directory and what it took from each shard. */
export interface MergeSummary {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly config: ExperimentConfig;
  /** Records the output holds now, and how many of them this merge added. */
  readonly records: number;
  readonly added: number;
}

/** A merge that cannot be done: what was expected and what was found. */
export class MergeError extends Error {
  override readonly name = "MergeError";
}

interface Source {
  readonly dir: string;
  readonly label: string;
  readonly config: ExperimentConfig;
  readonly manifest: RunManifest;
  readonly records: readonly ResultRecord[];
}

/** A record's bytes without its timing: what must agree between two copies of a key. */
function comparable(record: ResultRecord): string {
  return serializeRecord({ ...record, seconds: 0 });
}

/** Top-level fields in which two records of one key differ (seconds aside). */
function differingRecordFields(a: ResultRecord, b: ResultRecord): string[] {
  const x = a as unknown as Record<string, unknown>, y = b as unknown as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => k !== "seconds" && JSON.stringify(x[k]) !== JSON.stringify(y[k]));
}

function canonicalPath(path: string): string {
  try { return realpathSync(path); } catch { return resolve(path); }
}

/** Reads one input: a shard directory of `rsbench run --shard`, with the records of its own items. */
function readShard(dir: string, onWarning: MergeOptions["onWarning"]): Source {
  const { config, manifest } = readRunOf(dir);
  if (manifest === null) throw new MergeError(`${dir} holds no ${MANIFEST_FILE}: expected a shard directory written by rsbench run --shard I/N (a shard killed before it started has nothing to merge; leave it out)`);
  if (!manifest.shard) {
    throw new MergeError(`${dir} is not a shard directory (its ${MANIFEST_FILE} records no shard${manifest.merged ? ": it was written by rsbench merge" : ""}): expected directories written by rsbench run --shard I/N`);
  }
  const store = readStore(dir);
  const status = runStatus(config, manifest, store);
  // A shard still running may end in a torn line: skipped now, merged next time.
  for (const problem of statusProblems(status, store.path)) onWarning?.(`${problem}; not merged`);
  return { dir, label: `shard ${shardLabel(manifest.shard)} (${dir})`, config, manifest, records: status.records };
}

/** readRun, its errors (not a run directory, a malformed file) as MergeErrors. */
function readRunOf(dir: string): ReturnType<typeof readRun> {
  try {
    return readRun(dir);
  } catch (error) {
    throw new MergeError((error as Error).message);
  }
}

/** Checks that `other` is the same experiment on the same inputs as `first`. */
function checkSameRun(first: Source, other: Source): void {
  if (other.config.seed !== first.config.seed) throw new MergeError(`${other.label} has seed ${other.config.seed}, ${first.label} has seed ${first.config.seed}: expected shards of one run (one config and seed)`);
  const a = configHash(first.config), b = configHash(other.config);
  if (a !== b) {
    throw new MergeError(`${other.label} holds a different experiment than ${first.label} (config hash ${b.slice(0, 12)}, not ${a.slice(0, 12)}; differing fields: ${differingFields(first.config, other.config).join(", ")}): expected shards of one config`);
  }
  if (JSON.stringify(first.manifest.images ?? null) !== JSON.stringify(other.manifest.images ?? null)) {
    throw new MergeError(`${other.label} selected other images than ${first.label} (run.json "images" differ): expected shards of one run on the same data`);
  }
  const before = first.manifest.inputs, now = other.manifest.inputs;
  if (before === undefined || now === undefined) throw new MergeError(`${before === undefined ? first.label : other.label} records no input fingerprints: expected shard directories written by this rsbench (run.json "inputs")`);
  const changes = compareFingerprints(before, now);
  if (changes.length) throw new MergeError(`${other.label} ran on other inputs than ${first.label}:\n  ${changes.join("\n  ")}\nexpected every shard to read the same models and data`);
}

/** Refuses shards of different rsbench versions; warns when their onnxruntime differs. */
function checkSoftware(sources: readonly { label: string; software: RunManifest["software"] }[], onWarning: MergeOptions["onWarning"]): void {
  const [first] = sources;
  for (const other of sources.slice(1)) {
    if (other.software.rsbench !== first.software.rsbench) {
      throw new MergeError(`${other.label} ran rsbench ${other.software.rsbench}, ${first.label} rsbench ${first.software.rsbench}: expected every shard of a run to run one rsbench version (re-run the shard with the others' version, or merge into a new --out)`);
    }
  }
  const runtimes = [...new Set(sources.map((s) => s.software.onnxruntime))];
  if (runtimes.length > 1) {
    onWarning?.(`the shards ran different onnxruntime versions (${sources.map((s) => `${s.label}: ${s.software.onnxruntime}`).join("; ")}): their records may differ in the last digits; run.json's merged.sources keeps each shard's versions`);
  }
}

/** The points a config with `save` wrote under `dir`: paths relative to its adversarial/ folder (.npy files only: a crash's temporary files are left out). */
function savedPoints(dir: string): string[] {
  return npyFilesUnder(join(dir, SAVED_POINTS_DIR));
}

function sameBytes(a: string, b: string): boolean {
  return statSync(a).size === statSync(b).size && readFileSync(a).equals(readFileSync(b));
}

/** What run.json's `merged` records of a shard. */
function mergedShard(source: Source): MergedShard {
  const m = source.manifest;
  return {
    index: m.shard!.index, dir: resolve(source.dir), items: m.items, done: source.records.length, complete: source.records.length === m.items,
    sessions: m.sessions, wallSeconds: m.wallSeconds, workers: m.workers, updated: m.updated, software: m.software,
  };
}

/**
 * Merges shard directories into `out` (created if missing, or an earlier merge of the same run,
 * whose records are kept). Partial shards are allowed: the merged status says what is missing.
 */
export function mergeRuns(inputs: readonly string[], out: string, options: MergeOptions = {}): MergeSummary {
  if (inputs.length === 0) throw new MergeError("nothing to merge: expected one or more shard directories");
  const target = canonicalPath(out);
  for (const dir of inputs) {
    const input = canonicalPath(dir);
    if (input === target) throw new MergeError(`--out ${out} is one of the inputs (${dir}): expected a directory of its own for the merged run`);
    // Inside a shard, the merged files would be read back as the shard's own by the next merge (issue 26).
    if (target.startsWith(input.endsWith(sep) ? input : input + sep)) {
      throw new MergeError(`--out ${out} is inside the input ${dir}: expected a directory outside every shard directory for the merged run`);
    }
  }
  const sources = inputs.map((dir) => readShard(dir, options.onWarning));
  const first = sources[0];
  const count = first.manifest.shard!.count;
  const byIndex = new Map<number, Source>();
  for (const source of sources) {
    const shard = source.manifest.shard!;
    if (shard.count !== count) throw new MergeError(`${source.label} is a shard of ${shard.count}, ${first.label} of ${count}: expected shards of one array (one N)`);
    const twice = byIndex.get(shard.index);
    if (twice) throw new MergeError(`shard ${shard.index} given twice: ${twice.dir} and ${source.dir}; expected each shard once`);
    byIndex.set(shard.index, source);
    checkSameRun(first, source);
  }
  checkSoftware(sources.map((s) => ({ label: s.label, software: s.manifest.software })), options.onWarning);

  mkdirSync(out, { recursive: true });
  const lock = acquireLock(out, { purpose: "rsbench merge", onWarning: options.onWarning });
  try {
    // An earlier merge into `out` must be of the same run; a plain run directory is not merged into.
    let earlier: { manifest: RunManifest; records: readonly ResultRecord[] } | null = null;
    if (!existsSync(join(out, CONFIG_FILE)) && [RESULTS_FILE, MANIFEST_FILE].some((f) => existsSync(join(out, f)))) {
      throw new MergeError(`--out ${out} holds a ${RESULTS_FILE} or ${MANIFEST_FILE} but no ${CONFIG_FILE}: expected a new directory or an earlier merge of these shards`);
    }
    // A folder of other files is not merged into: --out is new (or empty) or an earlier merge (issue 26).
    if (!existsSync(join(out, CONFIG_FILE))) {
      const others = readdirSync(out).filter((name) => name !== LOCK_FILE).sort();
      if (others.length) {
        throw new MergeError(`--out ${out} is a folder that holds other files (${others.slice(0, 3).join(", ")}${others.length > 3 ? ", ..." : ""}) and no merged run: expected a new or empty directory, or an earlier merge of these shards`);
      }
    }
    if (existsSync(join(out, CONFIG_FILE))) {
      const { config, manifest } = readRunOf(out);
      if (!manifest?.merged) throw new MergeError(`--out ${out} holds a run that rsbench merge did not write: expected a new directory or an earlier merge of these shards`);
      const pseudo: Source = { dir: out, label: `the earlier merge in ${out}`, config, manifest, records: [] };
      checkSameRun(first, pseudo);
      checkSoftware([{ label: pseudo.label, software: manifest.software }, ...sources.map((s) => ({ label: s.label, software: s.manifest.software }))], undefined);
      if (manifest.merged.shards !== count) throw new MergeError(`--out ${out} merged shards of ${manifest.merged.shards}, these are shards of ${count}: expected shards of one array`);
      const store = readStore(out);
      earlier = { manifest, records: runStatus(config, manifest, store).records };
    }

    // Earlier records first (kept as they are), then the shards in index order.
    const chosen = new Map<string, { record: ResultRecord; from: string }>();
    const conflicts: string[] = [];
    const ordered = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
    const lists: { label: string; records: readonly ResultRecord[] }[] = [
      ...(earlier ? [{ label: `the earlier merge in ${out}`, records: earlier.records }] : []),
      ...ordered.map((s) => ({ label: s.label, records: s.records })),
    ];
    for (const { label, records } of lists) {
      for (const record of records) {
        const kept = chosen.get(record.key);
        if (!kept) chosen.set(record.key, { record, from: label });
        else if (comparable(kept.record) !== comparable(record)) {
          conflicts.push(`${JSON.stringify(record.key)}: ${kept.from} and ${label} differ in ${differingRecordFields(kept.record, record).join(", ")}`);
        }
      }
    }
    // Saved points: the output's own first (an earlier merge), then the shards in index order.
    const points = new Map<string, { path: string; from: string }>();
    const copies: { rel: string; path: string }[] = [];
    for (const rel of savedPoints(out)) points.set(rel, { path: join(out, SAVED_POINTS_DIR, rel), from: `the earlier merge in ${out}` });
    for (const source of ordered) {
      for (const rel of savedPoints(source.dir)) {
        const path = join(source.dir, SAVED_POINTS_DIR, rel);
        const kept = points.get(rel);
        if (!kept) {
          points.set(rel, { path, from: source.label });
          copies.push({ rel, path });
        } else if (!sameBytes(kept.path, path)) {
          conflicts.push(`${SAVED_POINTS_DIR}/${rel}: ${kept.from} and ${source.label} hold different bytes`);
        }
      }
    }
    if (conflicts.length) {
      throw new MergeError(
        `conflicting records (the same key, or saved point, with different contents), nothing merged:\n  ${conflicts.slice(0, 10).join("\n  ")}${conflicts.length > 10 ? `\n  ... (${conflicts.length} in all)` : ""}\n` +
        `A record is a pure function of (config, seed, key, inputs): copies that differ come from different software or devices, or from a shard re-run with --force-new. Re-run the shard that is wrong, or merge into a new --out.`,
      );
    }

    const images: ImageRef[] = imageIndices(first.manifest, lists.flatMap((l) => l.records)).map((index, position) => ({ position, index, label: 0 }));
    const planned = plannedItems(first.config, images);
    const records = planned.map((item) => chosen.get(item.key)?.record).filter((r): r is ResultRecord => r !== undefined);
    const table = new Map<number, MergedShard>((earlier?.manifest.merged?.sources ?? []).map((s) => [s.index, s]));
    for (const source of ordered) table.set(source.manifest.shard!.index, mergedShard(source));
    const merged = [...table.values()].sort((a, b) => a.index - b.index);
    const sum = (f: (s: MergedShard) => number) => merged.reduce((t, s) => t + f(s), 0);
    const created = [earlier?.manifest.created, ...ordered.map((s) => s.manifest.created)].filter((c): c is string => c !== undefined).sort()[0];

    const hash = configHash(first.config);
    if (earlier === null) writeConfigFile(out, first.config);
    const manifest: RunManifest = {
      name: first.config.name, configHash: hash, seed: first.config.seed, created, updated: new Date().toISOString(),
      items: planned.length, done: records.length, complete: records.length === planned.length,
      // The shards' own times and sessions, summed: machine time (the array's elapsed time is at least the slowest shard's).
      wallSeconds: sum((s) => s.wallSeconds), sessions: sum((s) => s.sessions), workers: sum((s) => s.workers),
      software: merged[0].software, inputs: first.manifest.inputs, images: first.manifest.images,
      store: { valid: records.length, foreign: 0, duplicates: 0, droppedBytes: 0 },
      merged: { shards: count, sources: merged },
    };
    // The points first (a stored record's points are on disk, as in a run), each file atomically.
    for (const { rel, path } of copies) {
      const to = join(out, SAVED_POINTS_DIR, rel);
      mkdirSync(dirname(to), { recursive: true });
      writeFileAtomic(to, readFileSync(path));
    }
    // The store first, then run.json: a reader sees the old pair, or new records with the old manifest.
    writeFileAtomic(join(out, RESULTS_FILE), records.map((r) => serializeRecord(r) + "\n").join(""));
    writeFileAtomic(join(out, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
    return { dir: out, manifest, config: first.config, records: records.length, added: records.length - (earlier?.records.length ?? 0) };
  } finally {
    lock.release();
  }
}
