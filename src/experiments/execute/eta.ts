/**
 * The run's ETA. Items of one cost class (same kind and, for attacks, the same attack, budget and
 * n) take about the same time, and the classes differ by two orders of magnitude (an attack on
 * the undefended model takes about 0.1 s of a worker, one against g(sigma, 100) about 6 s). So
 * the estimate of a pending item is the mean worker-seconds of the finished items of its class,
 * this session's and earlier sessions' alike (each record keeps its `seconds`). A class with no
 * finished item yet borrows the a-priori cost (itemCost, in forward passes) times the seconds per
 * forward pass seen over the finished classes. The ETA scales this session's wall time by the
 * ratio of estimated work left to estimated work done in this session, so it follows the
 * machine's load and the number of workers. It only informs the progress line: results never
 * depend on it.
 */
import type { WorkItem } from "../plan/grid.js";

/** The class of items that cost alike. */
export function costClass(item: WorkItem): string {
  switch (item.kind) {
    case "attack": return `attack/${item.attack.name}/${item.attack.budget}/n=${item.defense.n ?? "none"}`;
    case "accuracy": return `accuracy/n=${item.n ?? "none"}`;
    case "figure": return `figure/${item.figure}`;
    default: return item.kind;
  }
}

interface ClassStats {
  /** A-priori cost of one item of the class (itemCost; the class mean when they differ). */
  prior: number;
  priorItems: number;
  pending: number;
  /** Finished in this session. */
  doneNow: number;
  /** Worker-seconds of the finished items (all sessions) and their number. */
  seconds: number;
  measured: number;
}

export class RunEta {
  private readonly classes = new Map<string, ClassStats>();
  /** The class of each pending item (an item leaves the map when it finishes). */
  private readonly pendingClass = new Map<string, ClassStats>();

  /**
   * `items`: every item of the run with its a-priori cost; `finished(key)`: the worker-seconds of
   * an item stored by an earlier session, or undefined while it is pending.
   */
  constructor(items: readonly { readonly item: WorkItem; readonly cost: number }[], finished: (key: string) => number | undefined) {
    for (const { item, cost } of items) {
      const name = costClass(item);
      let stats = this.classes.get(name);
      if (!stats) {
        stats = { prior: 0, priorItems: 0, pending: 0, doneNow: 0, seconds: 0, measured: 0 };
        this.classes.set(name, stats);
      }
      stats.prior = (stats.prior * stats.priorItems + cost) / (stats.priorItems + 1);
      stats.priorItems++;
      const seconds = finished(item.key);
      if (seconds === undefined) {
        stats.pending++;
        this.pendingClass.set(item.key, stats);
      } else if (Number.isFinite(seconds) && seconds >= 0) {
        stats.seconds += seconds;
        stats.measured++;
      }
    }
  }

  /** An item finished in this session after `seconds` of a worker's time (unknown or finished keys are ignored). */
  finish(key: string, seconds: number): void {
    const stats = this.pendingClass.get(key);
    if (!stats) return;
    this.pendingClass.delete(key);
    stats.pending--;
    stats.doneNow++;
    if (Number.isFinite(seconds) && seconds >= 0) {
      stats.seconds += seconds;
      stats.measured++;
    }
  }

  /** Estimated wall seconds left after `elapsedSeconds` of this session; null before its first item. */
  secondsLeft(elapsedSeconds: number): number | null {
    let seconds = 0, prior = 0;
    for (const c of this.classes.values()) {
      if (c.measured > 0) {
        seconds += c.seconds;
        prior += c.measured * c.prior;
      }
    }
    // Worker-seconds per unit of a-priori cost, for classes with no finished item yet.
    const perCost = prior > 0 ? seconds / prior : 1;
    let left = 0, doneNow = 0;
    for (const c of this.classes.values()) {
      const each = c.measured > 0 ? c.seconds / c.measured : c.prior * perCost;
      left += c.pending * each;
      doneNow += c.doneNow * each;
    }
    if (doneNow <= 0) return null;
    return (elapsedSeconds / doneNow) * left;
  }
}
