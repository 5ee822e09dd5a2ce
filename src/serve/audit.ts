/**
 * The audit log of `rsbench serve`: append-only JSON lines, one per request, written as each
 * answer goes out and fsynced when the server closes. It is how a defender counts an attacker's
 * queries: the sum of `images` over a key's lines with status 200 is what the key was answered.
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

/** One line of the audit log. */
export interface AuditEntry {
  /** ISO 8601 time the answer went out. */
  readonly time: string;
  /** The key's ID (never its secret); null when the request carried no valid key or the server has no keys. */
  readonly key: string | null;
  /** Images in the request (0 when its body was not decoded). */
  readonly images: number;
  /** The HTTP status answered. */
  readonly status: number;
  /** sha256 (hex) of the decoded images, float32 CHW little-endian, whatever the encoding; null when not decoded. */
  readonly sha256: string | null;
}

/** An append-only JSONL file. Lines are written in answer order with one write each. */
export class AuditLog {
  private fd: number | null;
  private lines = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, "a", 0o600);
    } catch (error) {
      throw new RangeError(`cannot open audit log ${path} for appending: ${(error as Error).message}`);
    }
  }

  /** Lines written since the log was opened. */
  get written(): number {
    return this.lines;
  }

  /** Appends one entry (one line of JSON) to the log. */
  append(entry: AuditEntry): void {
    if (this.fd === null) throw new Error(`audit log ${this.path} is closed`);
    writeSync(this.fd, JSON.stringify(entry) + "\n");
    this.lines++;
  }

  /** Flushes the file to disk (fsync) and closes it; later calls do nothing. */
  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}
