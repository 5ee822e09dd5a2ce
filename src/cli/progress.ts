/**
 * The one progress reporter of the CLI (certify, predict, attack, run, evaluate), on stderr so that
 * stdout stays the command's output (issue 26: a CERTIFY at n = 100000 was silent for 45 minutes).
 *
 * - On a terminal: one line redrawn in place ("\r", at most every PROGRESS_DEFAULTS.redrawMs) with
 *   done/total, a bar, the draws of the item in progress, the rate and the ETA; cleared at the end.
 * - Otherwise (a log file, a pipe, a batch job): plain lines, a first one at the start, then at
 *   most one every `interval` seconds (PROGRESS_DEFAULTS.interval, or RSBENCH_PROGRESS_INTERVAL),
 *   also inside a long item ("image 3/40: 45000/100000 draws, ..."), and a last one at the end.
 *
 * The clock and the stream are injected, so the rendering is tested without a terminal or waiting.
 */
import { UsageError } from "./usageError.js";

/** Defaults of the CLI's progress reporting. */
export const PROGRESS_DEFAULTS = Object.freeze({
  /** Seconds between progress lines when stderr is not a terminal (logs of background runs). */
  interval: 30,
  /** Milliseconds between two redraws of the terminal line (at most 4 per second). */
  redrawMs: 250,
  /** Environment variable overriding `interval` (seconds > 0), e.g. a shorter one in tests. */
  intervalVariable: "RSBENCH_PROGRESS_INTERVAL",
  /** Width of the terminal bar, in characters. */
  barWidth: 20,
});

/** Help of --quiet (certify, predict, attack, run). */
export const QUIET_HELP = "no progress on stderr (warnings and errors only); progress never goes to stdout";

/** Where progress goes: stderr, or a fake stream in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  /** Terminal width; the line is cut to fit so that "\r" redraws it in place. */
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** What is counted ("images", "items"). Defaults to "images". */
  readonly unit?: string;
  /**
   * When the stream is not a terminal: seconds between progress lines (the first and the last are
   * always written), or null for none (the command's stdout is the only output). Defaults to null.
   */
  readonly interval?: number | null;
  /** No progress at all (`--quiet`). Defaults to false. */
  readonly quiet?: boolean;
  /** Defaults to process.stderr. */
  readonly stream?: ProgressStream;
  /** Milliseconds of a monotonic clock. Defaults to performance.now. */
  readonly now?: () => number;
}

export interface Progress {
  /**
   * `done` of `total` items finished; `text` follows the counts (e.g. "certified correct 2/3").
   * `eta`: seconds left when the caller estimates them (`rsbench run`), null for unknown;
   * absent: estimated from the rate of this session (items, and the draws of the item in progress).
   */
  update(done: number, total: number, text?: string, eta?: number | null): void;
  /**
   * Progress inside the item in progress: `drawn` of `of` (CERTIFY's and PREDICT's onDraws: draws;
   * an attack's oracle, onQueries: queries). `unit` defaults to "draws". `key` names the item when
   * the caller switches between items in flight (`rsbench run` with several workers): a new key
   * restarts the in-item rate from its current count. The next update with a new `done` clears it.
   */
  within(drawn: number, of: number, unit?: string, key?: string): void;
  /** Redraws the line (terminal) or writes the periodic line when it is due: a timer calls it between updates. */
  tick(): void;
  /** Clears the terminal line (or writes nothing more); later calls do nothing. */
  stop(): void;
}

const NONE: Progress = { update() {}, within() {}, tick() {}, stop() {} };

/** "45 s", "12 min 5 s", "2 h 3 min": an estimate's precision. */
export function roughDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The singular of a plural unit: "images" -> "image", "queries" -> "query". */
function singular(unit: string): string {
  return unit.endsWith("ies") ? `${unit.slice(0, -3)}y` : unit.replace(/s$/, "");
}

/** "12.5 images/s" at one or more per second, "67 s/image" below (`unit` is plural). */
export function formatRate(perSecond: number, unit: string): string {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) return `- ${unit}/s`;
  const three = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
  return perSecond >= 1 ? `${three(perSecond)} ${unit}/s` : `${three(1 / perSecond)} s/${singular(unit)}`;
}

/** The log-line interval in seconds: RSBENCH_PROGRESS_INTERVAL when set (a number > 0), else `fallback`. */
export function logInterval(fallback: number = PROGRESS_DEFAULTS.interval, env: NodeJS.ProcessEnv = process.env): number {
  const name = PROGRESS_DEFAULTS.intervalVariable;
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  const seconds = Number(value);
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new UsageError(`invalid ${name}: expected a number of seconds > 0, got ${JSON.stringify(value)}`);
  return seconds;
}

/**
 * A progress reporter on `options.stream` (stderr): a redrawn line on a terminal, periodic lines
 * otherwise, nothing with `quiet` (or off a terminal with interval null). It never starts a timer:
 * `progress` below adds the one that calls `tick`.
 */
export function progressRenderer(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const interval = options.interval ?? null;
  if (options.quiet || (!tty && interval === null)) return NONE;
  const unit = options.unit ?? "images";
  const now = options.now ?? (() => performance.now());

  const started = now();
  let first: number | null = null; // items done at the first update (resumed ones)
  let done = 0, total = 0, text = "";
  let given: { eta: number | null; at: number } | null = null;
  // The item in progress: draws so far, of how many, since when (and how many it had then), which item.
  let drawn = 0, of = 0, itemStarted = started, innerUnit = "draws", drawnBase = 0;
  let withinKey: string | undefined;
  let lastDraw = -Infinity, lastLine = -Infinity, drawnWidth = 0, stopped = false;
  let ended = false; // off a terminal: the last line ("done in") is written

  const elapsed = (t: number) => (t - started) / 1000;
  /** Items of this session finished so far, the item in progress counted by its share of draws. */
  const progressed = () => done - (first ?? done) + (of > 0 ? drawn / of : 0);
  const eta = (t: number): number | null => {
    if (given) return given.eta === null ? null : Math.max(0, given.eta - (t - given.at) / 1000);
    const p = progressed();
    return p > 0 ? (elapsed(t) / p) * (total - done - (of > 0 ? drawn / of : 0)) : null;
  };
  const rate = (t: number): string => {
    // Inside a long item the draws are the visible motion; otherwise items per second.
    if (of > 0 && drawn > drawnBase) return formatRate((drawn - drawnBase) / Math.max(1e-3, (t - itemStarted) / 1000), innerUnit);
    const items = done - (first ?? done);
    return items > 0 ? formatRate(items / Math.max(1e-3, elapsed(t)), unit) : "";
  };
  const etaText = (t: number) => {
    const left = eta(t);
    return left === null ? "ETA ?" : `ETA ${roughDuration(left)}`;
  };
  const join = (parts: readonly string[]) => parts.filter((p) => p !== "").join(" | ");
  const drawsText = () => (of > 0 && done < total ? `${drawn}/${of} ${innerUnit}` : "");

  const draw = (t: number) => {
    const filled = total > 0 ? Math.round((PROGRESS_DEFAULTS.barWidth * Math.min(total, done + (of > 0 ? drawn / of : 0))) / total) : 0;
    const bar = "#".repeat(filled) + "-".repeat(PROGRESS_DEFAULTS.barWidth - filled);
    let line = `${label} [${bar}] ${done}/${total} ${unit} | ${join([drawsText(), rate(t), etaText(t), text])}`;
    if (stream.columns !== undefined && stream.columns > 1 && line.length > stream.columns - 1) line = line.slice(0, stream.columns - 1);
    // "\x1b[K" erases what a longer earlier line left at the right.
    stream.write(`\r${line}\x1b[K`);
    drawnWidth = line.length;
    lastDraw = t;
  };
  const logLine = (t: number, force: boolean) => {
    if (ended || (!force && (t - lastLine) / 1000 < interval!)) return;
    lastLine = t;
    let line: string;
    if (done >= total) ended = true;
    if (ended) line = `${label}: ${done}/${total} ${unit} done in ${roughDuration(elapsed(t))} | ${join([rate(t), text])}`;
    else if (of > 0 && drawn > 0) line = `${label}: ${singular(unit)} ${done + 1}/${total}: ${join([`${drawn}/${of} ${innerUnit}`, rate(t), etaText(t)])}`;
    else line = `${label}: ${done}/${total} ${unit} | ${join([rate(t), `elapsed ${roughDuration(elapsed(t))}`, etaText(t), text])}`;
    stream.write(line + "\n");
  };
  const show = (force: boolean) => {
    if (stopped || first === null) return; // nothing to show before the first update
    const t = now();
    if (tty) {
      if (force || t - lastDraw >= PROGRESS_DEFAULTS.redrawMs) draw(t);
    } else logLine(t, force);
  };

  return {
    update(d, n, note = "", estimate) {
      if (stopped) return;
      const t = now();
      const isFirst = first === null;
      if (isFirst) first = d;
      if (d !== done) { drawn = 0; of = 0; itemStarted = t; drawnBase = 0; withinKey = undefined; }
      done = d; total = n; text = note;
      given = estimate === undefined ? null : { eta: estimate, at: t };
      if (isFirst && !tty) {
        // Off a terminal the first line says the command started, and the last one is always written.
        stream.write(`${label}: ${d}/${n} ${unit} started${note ? ` | ${note}` : ""}\n`);
        lastLine = t;
        return;
      }
      show(!tty && d >= n);
    },
    within(d, n, u = "draws", key) {
      if (stopped || first === null) return;
      if (key !== withinKey) {
        withinKey = key;
        if (key !== undefined) { itemStarted = now(); drawnBase = d; }
      }
      drawn = d; of = n; innerUnit = u;
      show(false);
    },
    tick() {
      show(false);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (tty && drawnWidth > 0) stream.write("\r\x1b[K");
    },
  };
}

/**
 * `progressRenderer` on stderr with a timer (every second, unref'd) that calls `tick`, so that the
 * terminal line and the periodic log line go on while one long item (a run's attack, a CERTIFY
 * image) reports nothing. `stop` clears the timer.
 */
export function progress(label: string, options: Omit<ProgressOptions, "now"> = {}): Progress {
  const renderer = progressRenderer(label, options);
  if (renderer === NONE) return renderer;
  const timer = setInterval(() => renderer.tick(), 1000);
  timer.unref();
  return {
    ...renderer,
    stop() {
      clearInterval(timer);
      renderer.stop();
    },
  };
}
