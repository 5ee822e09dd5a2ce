/**
 * Progress inside one work item (issue: a PSJ attack of 17800 calls or a CERTIFY at n = 100000
 * showed nothing for minutes): the attack oracle's queries, CERTIFY's draws, an accuracy item's
 * images, reported by the item's execution as they grow. Observers only: an item's record never
 * depends on whether anyone watches it (test/experiments/within.test.ts).
 */

/** What is counted inside an item: an attack's oracle queries, CERTIFY's noisy draws, an accuracy item's images. */
export type WithinUnit = "queries" | "draws" | "images";

/** `done` of `of` units of the item in progress so far: increasing, `done` <= `of`. */
export type WithinObserver = (done: number, of: number, unit: WithinUnit) => void;

/** The same for the items of a run, named by their key (RunOptions.onWithin). */
export type RunWithinObserver = (key: string, done: number, of: number, unit: WithinUnit) => void;

/** Defaults of the in-item progress. */
export const WITHIN_DEFAULTS = Object.freeze({
  /**
   * Milliseconds between two reports of one item (at most 4 per second per worker): a worker
   * thread posts a message each, and the CLI redraws at most every 250 ms anyway.
   */
  intervalMs: 250,
});

/**
 * `observer`, called at most once per `intervalMs` (the first call always goes through): the
 * calls in between are dropped, not delayed, so nothing is left to flush when the item ends (its
 * record follows and clears its progress). `now` is a monotonic clock in milliseconds.
 */
export function throttleWithin(
  observer: WithinObserver,
  intervalMs: number = WITHIN_DEFAULTS.intervalMs,
  now: () => number = () => performance.now(),
): WithinObserver {
  let last = -Infinity;
  return (done, of, unit) => {
    const t = now();
    if (t - last < intervalMs) return;
    last = t;
    observer(done, of, unit);
  };
}
