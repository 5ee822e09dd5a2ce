/**
 * The one checking vocabulary of rsbench: intervals of allowed numbers and how they read in a
 * message. The statistics, theory, oracle and figure functions throw with `check`; the CLI
 * (src/cli/args.ts) and the config parser (src/experiments/plan/config.ts) say the same words with
 * `describeInterval` and `inInterval`. A failure reads "invalid alpha: expected a number in
 * (0, 1), got 1.5".
 */

/** An interval of allowed values; `open*` excludes the end point. */
export interface Interval {
  readonly min?: number;
  readonly max?: number;
  readonly openMin?: boolean;
  readonly openMax?: boolean;
  readonly integer?: boolean;
}

/** A bound this large only asks for a finite value: it is not spelled out. */
function unbounded(x: number): boolean {
  return !Number.isFinite(x) || Math.abs(x) >= Number.MAX_SAFE_INTEGER;
}

/** How `range` reads in a message: "an integer >= 1", "a number in (0, 1)", "a number > 0". */
export function describeInterval(range: Interval): string {
  const kind = range.integer ? "an integer" : "a number";
  const lo = unbounded(range.min ?? -Infinity) ? -Infinity : range.min!;
  const hi = unbounded(range.max ?? Infinity) ? Infinity : range.max!;
  if (lo === -Infinity && hi === Infinity) return range.integer || (range.min === undefined && range.max === undefined) ? kind : "a finite number";
  if (hi === Infinity) return `${kind} ${range.openMin ? ">" : ">="} ${lo}`;
  if (lo === -Infinity) return `${kind} ${range.openMax ? "<" : "<="} ${hi}`;
  return `${kind} in ${range.openMin ? "(" : "["}${lo}, ${hi}${range.openMax ? ")" : "]"}`;
}

/** Whether `value` is a number (NaN excluded) inside `range`. */
export function inInterval(value: unknown, range: Interval): value is number {
  const lo = range.min ?? -Infinity;
  const hi = range.max ?? Infinity;
  return (
    typeof value === "number" &&
    !Number.isNaN(value) &&
    (range.openMin ? value > lo : value >= lo) &&
    (range.openMax ? value < hi : value <= hi) &&
    (!range.integer || Number.isInteger(value))
  );
}

/** Throws a RangeError unless `value` is a number (NaN excluded) inside `range`; returns it. */
export function check(name: string, value: number, range: Interval): number {
  if (!inInterval(value, range)) throw new RangeError(`invalid ${name}: expected ${describeInterval(range)}, got ${String(value)}`);
  return value;
}

/** A probability in [0, 1]. */
export const PROBABILITY: Interval = { min: 0, max: 1 };
/** A probability or level strictly inside (0, 1). */
export const OPEN_UNIT: Interval = { min: 0, max: 1, openMin: true, openMax: true };
/** A finite real number. */
export const FINITE: Interval = { min: -Number.MAX_VALUE, max: Number.MAX_VALUE };
/** A strictly positive finite number (sigma, shape parameters). */
export const POSITIVE: Interval = { min: 0, openMin: true, max: Number.MAX_VALUE };
/** A count of draws: an integer >= 1. */
export const DRAWS: Interval = { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true };
/** A number of successes: an integer >= 0. */
export const COUNT: Interval = { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true };
/** An integer >= min (a count, an index, a seed). */
export function integerAtLeast(min: number): Interval {
  return { min, max: Number.MAX_SAFE_INTEGER, integer: true };
}
