/**
 * Byte-identity check of a stored run: re-runs a sample of its work items from its own
 * config.json with the shipped environment and compares each new record with the stored
 * line of results.jsonl, byte for byte (the `seconds` field, wall-clock time, is the only one
 * taken from the stored record). A record may differ in bookkeeping corrected after the grid was
 * run (the added `unspent` field, the iterations of budget-ended runs, the stop reasons "no start"
 * and "no restart"); it is reported apart, with its distances, queries and points identical. A
 * record whose numbers differ by at most FLOAT_DRIFT relatively, and nothing else, is reported
 * apart too ("same+drift", see FLOAT_DRIFT for why) and does not fail the check.
 *
 *   node --import tsx scripts/replay-records.ts [run dir] [--per-kind K] [--full] [--key KEY ...]
 *
 * Defaults: reports/paper-fashion-mnist, the K = 2 cheapest stored items (by their stored
 * seconds) of each kind: accuracy, certification, attack per (attack, no RS / RS, attacked /
 * misclassified). `--full` adds a calibration and a figure item (about 40 s each). Exit 1 when a
 * record differs, naming it and the first differing byte.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  calibrationItems, ExecutionContext, executeItem, importEnvironment, loadConfig, serializeRecord,
  SHIPPED_ENVIRONMENT, workItems, type ImageRef, type ResultRecord, type WorkItem,
} from "../src/experiments/index.js";

export interface ReplayOutcome {
  readonly key: string;
  /** The sample category, e.g. "attack/hsja/rs/pa=0.5/attacked". */
  readonly category: string;
  /** The replayed record is the stored line, byte for byte. */
  readonly identical: boolean;
  /**
   * It is, once the bookkeeping corrected since the paper grid ran is put back as stored (see
   * withStoredBookkeeping: `unspent`, iterations -1, the stop reasons "no start" and "no restart").
   */
  readonly identicalBesidesBookkeeping: boolean;
  readonly stored: string;
  readonly replayed: string;
  /**
   * When neither identical: the numbers that differ by at most FLOAT_DRIFT relatively, the record
   * being otherwise the same (see floatDrift); null when something else differs.
   */
  readonly drift: readonly FloatDrift[] | null;
}

/**
 * Largest relative difference of a stored number that a replay accepts, reported apart ("drift").
 * Why: a base-model decision at a point within about 1e-7 of its boundary depends on the last bit
 * of onnxruntime's float32 logits. Not on the seed, nor on the thread count (replays with 1 and 2
 * onnxruntime threads agree), so most likely on the CPU kernels of the machine that computed it
 * (onnxruntime picks AVX2 or AVX-512 kernels, with other summation orders; the hardened run's 7
 * sessions ran on machines that run.json only names "AMD EPYC"). figure/fig1/rs-12%/image=9981 of
 * reports/paper-fashion-mnist-hardened stores baseDistance 1.375638681220001; replayed (with 1 or
 * 2 onnxruntime threads, on an AMD EPYC with AVX-512, on both runs' configs) it is
 * 1.3756385340639747, the value of reports/paper-fashion-mnist (Intel Xeon): one bisection step
 * of the base boundary went the other way, a relative difference of 1.1e-7, and every other field
 * is the same. 1e-6 covers such float32 ties (a few float32 ulps) and nothing an algorithmic change would give.
 */
export const FLOAT_DRIFT = 1e-6;

/** A number of a replayed record that differs from the stored one by at most FLOAT_DRIFT relatively. */
export interface FloatDrift {
  /** JSON path, e.g. "data.baseDistance". */
  readonly path: string;
  readonly stored: number;
  readonly replayed: number;
  readonly relative: number;
}

/**
 * The numbers in which two JSON values differ, when each differs by at most `tolerance`
 * relatively (|a - b| <= tolerance * max(|a|, |b|)) and nothing else differs (same keys in the
 * same order, same strings, booleans and nulls); null otherwise. An empty list: equal values.
 */
export function floatDrift(stored: unknown, replayed: unknown, tolerance = FLOAT_DRIFT, path = ""): FloatDrift[] | null {
  if (typeof stored === "number" && typeof replayed === "number") {
    if (stored === replayed) return [];
    const relative = Math.abs(stored - replayed) / Math.max(Math.abs(stored), Math.abs(replayed));
    return relative <= tolerance ? [{ path, stored, replayed, relative }] : null;
  }
  if (stored === null || replayed === null || typeof stored !== "object" || typeof replayed !== "object") {
    return stored === replayed ? [] : null;
  }
  if (Array.isArray(stored) !== Array.isArray(replayed)) return null;
  const a = Object.keys(stored), b = Object.keys(replayed);
  if (a.length !== b.length || a.some((k, i) => k !== b[i])) return null;
  const out: FloatDrift[] = [];
  for (const k of a) {
    const inner = floatDrift((stored as Record<string, unknown>)[k], (replayed as Record<string, unknown>)[k], tolerance, path === "" ? k : `${path}.${k}`);
    if (inner === null) return null;
    out.push(...inner);
  }
  return out;
}

/**
 * The replayed record with the bookkeeping corrected since the paper grid ran put back as the
 * stored record has it, serialised like the store: `unspent` (added later) taken out; the
 * iterations a budget-ended run completed (stored as the placeholder -1 before issue 28); and the
 * stop reasons "no start" (with its anomaly `noStart`) and "no restart" (issue 26, issue 28),
 * stored as "failed", "budget" or "converged". Distances, queries and points are compared as they are.
 */
function withStoredBookkeeping(record: ResultRecord, stored: ResultRecord): string {
  const { unspent: _unspent, ...rest } = record as ResultRecord & { unspent?: unknown };
  const out = rest as Record<string, unknown>;
  const old = stored as unknown as Record<string, unknown>;
  if (record.kind === "attack" && stored.kind === "attack") {
    if (old.iterations === -1) out.iterations = -1;
    if ((out.stopReason === "no start" && ["failed", "budget"].includes(old.stopReason as string)) || (out.stopReason === "no restart" && old.stopReason === "converged")) {
      out.stopReason = old.stopReason;
    }
    const anomalies = out.anomalies as Record<string, number> | undefined;
    if (anomalies && "noStart" in anomalies && !("noStart" in (old.anomalies as Record<string, number>))) {
      const { noStart: _noStart, ...others } = anomalies;
      out.anomalies = others;
    }
  }
  return serializeRecord(out as unknown as ResultRecord);
}

export interface ReplayOptions {
  /** Items per category (cheapest stored first). Defaults to 2. */
  readonly perKind?: number;
  /** Also one calibration and one figure (slow). */
  readonly full?: boolean;
  /** Replay exactly these keys instead of a sample. */
  readonly keys?: readonly string[];
  readonly onItem?: (outcome: ReplayOutcome) => void;
}

/** The sample category of a stored record. */
export function category(record: ResultRecord): string {
  if (record.kind !== "attack") return record.kind;
  const defense = record.defense.sigma === null ? "none" : `rs/pa=${record.defense.pa}`;
  return `attack/${record.attack}/${defense}/${record.status}`;
}

/** The stored lines of a run by key (the store's exact bytes, without the newline). */
function storedLines(dir: string): Map<string, { line: string; record: ResultRecord }> {
  const out = new Map<string, { line: string; record: ResultRecord }>();
  for (const line of readFileSync(join(dir, "results.jsonl"), "utf8").split("\n")) {
    if (line === "") continue;
    const record = JSON.parse(line) as ResultRecord;
    if (!out.has(record.key)) out.set(record.key, { line, record });
  }
  return out;
}

/** Picks the keys to replay: the `perKind` cheapest stored items of each category. */
function sampleKeys(stored: Map<string, { record: ResultRecord }>, perKind: number, full: boolean): string[] {
  const byCategory = new Map<string, ResultRecord[]>();
  for (const { record } of stored.values()) {
    const c = category(record);
    if (!full && (c === "calibration" || c === "figure")) continue;
    byCategory.set(c, [...(byCategory.get(c) ?? []), record]);
  }
  const keys: string[] = [];
  for (const c of [...byCategory.keys()].sort()) {
    const records = byCategory.get(c)!.sort((a, b) => a.seconds - b.seconds || (a.key < b.key ? -1 : 1));
    keys.push(...records.slice(0, c === "calibration" || c === "figure" ? 1 : perKind).map((r) => r.key));
  }
  return keys;
}

/** Re-runs items of a stored run and compares their records with the stored lines. */
export async function replayRun(dir: string, options: ReplayOptions = {}): Promise<ReplayOutcome[]> {
  const environment = await importEnvironment(SHIPPED_ENVIRONMENT);
  const config = loadConfig(join(dir, "config.json"), environment.attacks);
  const stored = storedLines(dir);
  const keys = options.keys ?? sampleKeys(stored, options.perKind ?? 2, options.full ?? false);
  const data = await environment.loadData(config.data);
  const images: ImageRef[] = Array.from({ length: data.count }, (_, position) => ({ position, index: data.indices[position], label: data.labels[position] }));
  const sigmas = new Map<string, number>();
  for (const { record } of stored.values()) if (record.kind === "calibration") sigmas.set(record.key, record.sigma);
  const items = new Map<string, WorkItem>();
  for (const item of [...calibrationItems(config), ...workItems(config, sigmas, images)]) items.set(item.key, item);
  const context = new ExecutionContext(environment, config, 1);
  const outcomes: ReplayOutcome[] = [];
  for (const key of keys) {
    const item = items.get(key);
    const entry = stored.get(key);
    if (!item || !entry) throw new Error(`no item ${JSON.stringify(key)} in ${dir} (expected a key of its config and its results.jsonl)`);
    const record = await executeItem(context, item);
    const timed = { ...record, seconds: entry.record.seconds } as ResultRecord;
    const replayed = serializeRecord(timed);
    const identical = replayed === entry.line;
    const identicalBesidesBookkeeping = withStoredBookkeeping(timed, entry.record) === entry.line;
    const outcome = {
      key, category: category(entry.record), identical, identicalBesidesBookkeeping, stored: entry.line, replayed,
      drift: identical || identicalBesidesBookkeeping ? null : floatDrift(JSON.parse(entry.line), JSON.parse(replayed)),
    };
    options.onItem?.(outcome);
    outcomes.push(outcome);
  }
  return outcomes;
}

/**
 * The outcomes that differ and those that differ only in corrected bookkeeping (withStoredBookkeeping).
 * A record that has `unspent` and replays identical is the same (withStoredBookkeeping strips it
 * from the replay, so its identicalBesidesBookkeeping is false): it is in neither list.
 */
export function tally(outcomes: readonly ReplayOutcome[]): { readonly differing: ReplayOutcome[]; readonly gained: ReplayOutcome[]; readonly drifted: ReplayOutcome[] } {
  const other = outcomes.filter((o) => !o.identical && !o.identicalBesidesBookkeeping);
  return {
    differing: other.filter((o) => o.drift === null),
    gained: outcomes.filter((o) => !o.identical && o.identicalBesidesBookkeeping),
    drifted: other.filter((o) => o.drift !== null),
  };
}

/** Where two strings first differ, with some context. */
export function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `at byte ${i}: stored ...${a.slice(Math.max(0, i - 40), i + 40)}... replayed ...${b.slice(Math.max(0, i - 40), i + 40)}...`;
}

/** The bookkeeping fields of a replayed attack record, for the log. */
function bookkeeping(record: Record<string, unknown>): string {
  return `now ${JSON.stringify({ iterations: record.iterations, stopReason: record.stopReason, ...(record.unspent === undefined ? {} : { unspent: record.unspent }) })}`;
}

async function main(argv: readonly string[]): Promise<void> {
  let dir = "reports/paper-fashion-mnist", perKind = 2, full = false;
  const keys: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--per-kind") perKind = Number(argv[++i]);
    else if (a === "--full") full = true;
    else if (a === "--key") keys.push(argv[++i]);
    else dir = a;
  }
  if (!Number.isSafeInteger(perKind) || perKind < 1) throw new RangeError(`invalid --per-kind: expected an integer >= 1, got ${perKind}`);
  const outcomes = await replayRun(dir, {
    perKind, full, keys: keys.length ? keys : undefined,
    onItem: (o) => {
      const verdict = o.identical ? "same" : o.identicalBesidesBookkeeping ? "same+bookkeeping" : o.drift !== null ? "same+drift" : "DIFF";
      const detail = o.identical ? "" : o.identicalBesidesBookkeeping ? `      ${bookkeeping(JSON.parse(o.replayed) as Record<string, unknown>)}\n`
        : o.drift !== null ? o.drift.map((f) => `      ${f.path}: stored ${f.stored}, replayed ${f.replayed} (relative ${f.relative.toExponential(2)} <= ${FLOAT_DRIFT})\n`).join("")
        : `      ${firstDifference(o.stored, o.replayed)}\n`;
      process.stdout.write(`${verdict.padEnd(12)}  ${o.category.padEnd(34)} ${o.key}\n${detail}`);
    },
  });
  const { differing, gained, drifted } = tally(outcomes);
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.category, (counts.get(o.category) ?? 0) + 1);
  process.stdout.write(
    `${outcomes.length} records compared (${[...counts].map(([c, n]) => `${c} ${n}`).join(", ")}): ` +
    `${outcomes.length - differing.length - gained.length - drifted.length} byte-identical, ${gained.length} identical but for corrected bookkeeping, ` +
    `${drifted.length} identical but for float drift <= ${FLOAT_DRIFT} (float32 ties at a base boundary), ${differing.length} differ\n`,
  );
  if (differing.length) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exitCode = 2;
  });
}
