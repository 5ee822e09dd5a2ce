/**
 * The durable results store of a run: `results.jsonl` in the run directory, one complete JSON
 * line per finished work item, appended with write + fsync before the next item is handed out
 * (Cohen et al.'s "one flushed row per example", made crash-safe). A process killed at any
 * moment (SIGKILL included) leaves at worst a torn last line; reopening detects it, truncates
 * it away and resumes from the complete lines.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { finiteJson } from "../io/json.js";
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
        let record: ResultRecord | null = null;
        try {
          record = JSON.parse(line) as ResultRecord;
          if (typeof record !== "object" || record === null || typeof record.key !== "string") record = null;
        } catch {
          record = null;
        }
        if (end < 0 || record === null) {
          if (!last) throw new Error(`${path}: line ${lineNo} is not a complete result record (the store is corrupt; expected one JSON record per line)`);
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

/** Reads the records of a run directory (read-only; a torn last line is ignored, not truncated). */
export function readRecords(dir: string): ResultRecord[] {
  const path = join(dir, RESULTS_FILE);
  if (!existsSync(path)) throw new Error(`no results in ${dir}: expected a run directory holding ${RESULTS_FILE}`);
  const lines = readFileSync(path, "utf8").split("\n");
  const out: ResultRecord[] = [];
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    if (line === "") return;
    let record: ResultRecord;
    try {
      record = JSON.parse(line) as ResultRecord;
    } catch {
      if (i === lines.length - 1) return; // torn last line of a run in progress or killed
      throw new Error(`${path}: line ${i + 1} is not a complete result record`);
    }
    if (!seen.has(record.key)) { seen.add(record.key); out.push(record); }
  });
  return out;
}
