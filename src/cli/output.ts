import { openFileAtomic, type AtomicFile } from "../io/atomic.js";
import { finiteJson } from "../io/json.js";
import { checkOutputPath, OutputPathError } from "../io/outputPath.js";
import { resolveModel } from "../zoo/load.js";
import { UsageError } from "./usageError.js";
import { logInterval, progress, roughDuration } from "./progress.js";

/** "91.2%" (one decimal), "-" for a missing number. */
export function percent(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "-";
}

/** JSON.stringify replacer: Infinity and NaN become null (the `--json` contract). */
export { finiteJson };

export { roughDuration };

/** What `progressBar` shows: the count of finished items, and the draws of the one in progress. */
export interface ProgressBar {
  update(done: number, text: string): void;
  /** Draws of the item in progress (the library's onDraws). */
  within(drawn: number, of: number): void;
  stop(): void;
}

/**
 * Progress of `total` items on stderr (stdout stays the command's output; see progress.ts): a
 * redrawn line with the rate and the time left on a terminal, otherwise (with `log`) a line at the
 * start, every PROGRESS_DEFAULTS.interval seconds (RSBENCH_PROGRESS_INTERVAL), also inside a long
 * image, and at the end; nothing with `quiet` (issue 26: a long CERTIFY was silent for 45 minutes).
 */
export function progressBar(label: string, total: number, options: { unit?: string; log?: boolean; quiet?: boolean } = {}): ProgressBar {
  // Log lines only for the long commands that ask (certify, predict); others stay quiet off a terminal.
  const bar = progress(label, { unit: options.unit ?? "images", interval: options.log ? logInterval() : null, quiet: options.quiet });
  bar.update(0, total);
  return { update: (done, text) => bar.update(done, total, text), within: (drawn, of) => bar.within(drawn, of), stop: () => bar.stop() };
}

/** Prints a warning on stderr ("rsbench: warning: ..."): the CLI's side of the library's warning callbacks. */
export function warn(message: string): void {
  process.stderr.write(`rsbench: warning: ${message}\n`);
}

/** What a command reads, for the output-path check: a model (shipped name or path), a dataset, a config, a class map. */
export interface CommandInputs {
  readonly model?: string | readonly string[];
  readonly data?: string | readonly string[];
  readonly config?: string;
  readonly classMap?: string;
  /** `serve --keys`: the API key file. */
  readonly keys?: string;
}

/**
 * Checks an output option (`--out`, `--save`, `serve --log`: every output of every command) before
 * anything runs (see io/outputPath.ts): it may not be one of the command's inputs, a run
 * directory's own files, or inside /proc or /sys. A UsageError naming `flag` otherwise.
 */
export function checkOut(out: string | undefined, inputs: CommandInputs, kind: "file" | "directory" = "file", flag = "--out"): void {
  if (out === undefined) return;
  const list = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === "string" ? [v] : v);
  const modelPath = (m: string): string => {
    try { return resolveModel(m).path; } catch { return m; }
  };
  try {
    checkOutputPath(out, {
      kind, flag,
      inputs: [
        ...list(inputs.model).map((m) => ({ path: modelPath(m), what: "the model" })),
        ...list(inputs.data).map((d) => ({ path: d, what: "the dataset" })),
        { path: inputs.config, what: "the config" },
        { path: inputs.classMap, what: "the class map" },
        { path: inputs.keys, what: "the key file" },
      ],
    });
  } catch (error) {
    throw error instanceof OutputPathError ? new UsageError(error.message) : error;
  }
}

/**
 * A row sink: one line per finished image written (and flushed) to a temporary file next to FILE,
 * renamed to FILE by `commit` when the command succeeds; null without --out. A failed or killed
 * command leaves FILE as it was (its rows so far stay in the temporary file).
 */
export class RowFile {
  private readonly file: AtomicFile;
  private done = false;
  private rows = 0;
  private constructor(path: string, private readonly format: (row: Record<string, unknown>) => string, header: string | null) {
    this.file = openFileAtomic(path);
    if (header !== null) this.file.write(header + "\n");
  }

  /**
   * JSON lines when FILE ends in .jsonl or .json, otherwise tab-separated with a header line
   * (locuslab/smoothing's certify output layout), "abstain" in the prediction column.
   */
  /** JSON lines whatever FILE's extension (`rsbench attack --out`: the records of a run's results.jsonl). */
  static jsonLines(path: string | undefined): RowFile | null {
    return path === undefined ? null : new RowFile(path, (row) => JSON.stringify(row, finiteJson), null);
  }

  static open(path: string | undefined, columns: readonly string[]): RowFile | null {
    if (path === undefined) return null;
    if (/\.jsonl?$/i.test(path)) return new RowFile(path, (row) => JSON.stringify(row, finiteJson), null);
    const cell = (v: unknown) => (v === null ? "abstain" : typeof v === "number" ? String(Number(v.toPrecision(6))) : String(v));
    return new RowFile(path, (row) => columns.map((c) => cell(row[c])).join("\t"), columns.join("\t"));
  }

  write(row: object): void {
    this.file.write(this.format(row as Record<string, unknown>) + "\n");
    this.rows++;
  }

  /** Renames the finished file into place. */
  commit(): void {
    if (!this.done) this.file.commit();
    this.done = true;
  }

  /**
   * After `commit`, nothing. Otherwise (the command failed) FILE is left untouched and the rows
   * written so far stay in the temporary file, which the warning names (none: it is removed).
   */
  close(): void {
    if (this.done) return;
    this.done = true;
    if (this.rows === 0) {
      this.file.abort();
      return;
    }
    this.file.abandon();
    warn(`the command did not finish: the ${this.rows} row(s) written so far are in ${this.file.temporary}; the --out file was not changed`);
  }
}
