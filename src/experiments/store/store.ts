/**
 * The durable results store of a run: `results.jsonl` in the run directory, one complete JSON
 * line per finished work item, appended with write + fsync before the next item is handed out
 * (Cohen et al.'s "one flushed row per example", made crash-safe). A process killed at any
 * moment (SIGKILL included) leaves at worst a torn last line; reopening detects it, truncates
 * it away and resumes from the complete lines.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { finiteJson } from "../../io/json.js";
import type { ResultRecord } from "./records.js";

export const RESULTS_FILE = "results.jsonl";

/** What reopening a store found. */
export interface StoreRecovery {
  /** Complete records read back. */
  readonly records: number;
  /** Bytes of a torn last line that were dropped (0 when the file ended cleanly). */
  readonly droppedBytes: number;
  /** Lines whose key was already present (kept: the first one). */
  readonly duplicates: number;
}

/** Infinity and NaN are not JSON: they are written as null (records say so in their types). */
export function serializeRecord(record: ResultRecord): string {
  return JSON.stringify(record, finiteJson);
}

export class ResultStore {
  private readonly byKey = new Map<string, ResultRecord>();
  private fd: number;
  readonly recovery: StoreRecovery;

  private constructor(readonly path: string, fd: number, records: ResultRecord[], recovery: StoreRecovery) {
    this.fd = fd;
    for (const r of records) this.byKey.set(r.key, r);
    this.recovery = recovery;
  }

  /**
   * Opens (creating if needed) the store of a run directory. A last line without its newline,
   * or one that does not parse, is a write cut short by a crash: it is truncated away. A bad line
   * anywhere else is corruption and throws, naming the line.
   */
  static open(dir: string): ResultStore {
    const path = join(dir, RESULTS_FILE);
    const fd = openSync(path, existsSync(path) ? "r+" : "w+");
    try {
      const text = readFileSync(fd, "utf8");
      const records: ResultRecord[] = [];
      const seen = new Set<string>();
      let duplicates = 0;
      let offset = 0; // byte offset of the end of the last complete line
      let droppedBytes = 0;
      let lineNo = 0;
      let start = 0;
      while (start < text.length) {
        lineNo++;
        const end = text.indexOf("\n", start);
        const line = end < 0 ? text.slice(start) : text.slice(start, end);
        const last = end < 0 || end === text.length - 1;
        const record = parseLine(line);
        if (end < 0 || record === null) {
          if (!last) {
            throw new Error(
              `${path}: line ${lineNo} is not a complete result record (expected one JSON record with a "key" per line): the store is corrupt, ` +
              `so the run cannot resume. \`rsbench results ${dir}\` lists the bad lines; remove them (the other records stay valid), or start over with --force-new.`,
            );
          }
          droppedBytes = Buffer.byteLength(text.slice(start));
          break;
        }
        if (seen.has(record.key)) duplicates++;
        else { seen.add(record.key); records.push(record); }
        offset += Buffer.byteLength(line) + 1;
        start = end + 1;
      }
      if (droppedBytes > 0) {
        ftruncateSync(fd, offset);
        fsyncSync(fd);
      }
      return new ResultStore(path, fd, records, { records: records.length, droppedBytes, duplicates });
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): ResultRecord | undefined {
    return this.byKey.get(key);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** All records, in the order they were appended. */
  records(): ResultRecord[] {
    return [...this.byKey.values()];
  }

  /** Appends one record durably (one write of the whole line, then fsync). A key is stored once. */
  append(record: ResultRecord): void {
    if (this.fd < 0) throw new Error(`result store ${this.path} is closed`);
    if (this.byKey.has(record.key)) throw new Error(`result store ${this.path}: key ${record.key} is already stored`);
    const bytes = Buffer.from(serializeRecord(record) + "\n", "utf8");
    const position = fstatSync(this.fd).size;
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written, position + written);
    fsyncSync(this.fd);
    this.byKey.set(record.key, record);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** What a reader found in a store: the records (first line of each key) and the lines it could not use. */
export interface StoreContents {
  readonly path: string;
  readonly records: ResultRecord[];
  /** Non-empty lines in the file. */
  readonly lines: number;
  /** Line numbers (1-based) that are not a complete JSON record with a string key: torn or corrupt. */
  readonly invalid: readonly number[];
  /** Line numbers whose key an earlier line already holds (the earlier one is used). */
  readonly duplicates: readonly number[];
}

function parseLine(line: string): ResultRecord | null {
  try {
    const value = JSON.parse(line) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const record = value as Partial<ResultRecord>;
    return typeof record.key === "string" && typeof record.kind === "string" ? (record as ResultRecord) : null;
  } catch {
    return null;
  }
}

/**
 * Reads a run directory's store without changing it (readers never lock or truncate): every
 * complete record, the first of each key, and the line numbers of torn, corrupt and duplicate lines.
 */
export function readStore(dir: string): StoreContents {
  const path = join(dir, RESULTS_FILE);
  if (!existsSync(path)) throw new Error(`no results in ${dir}: expected a run directory holding ${RESULTS_FILE}`);
  const lines = readFileSync(path, "utf8").split("\n");
  const records: ResultRecord[] = [];
  const invalid: number[] = [];
  const duplicates: number[] = [];
  const seen = new Set<string>();
  let count = 0;
  lines.forEach((line, i) => {
    if (line === "") return;
    count++;
    const record = parseLine(line);
    if (record === null) invalid.push(i + 1);
    else if (seen.has(record.key)) duplicates.push(i + 1);
    else { seen.add(record.key); records.push(record); }
  });
  return { path, records, lines: count, invalid, duplicates };
}

/** The records of a run directory (read-only; torn or corrupt lines are skipped: see readStore to list them). */
export function readRecords(dir: string): ResultRecord[] {
  return readStore(dir).records;
}
