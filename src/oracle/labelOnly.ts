import { distortions } from "./distance.js";
import type { Classifier, Decider, Decisions } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import { check, OPEN_UNIT } from "../stats/validate.js";
import { wrongVotesNeeded } from "../theory/level.js";
import { BudgetExhaustedError, type DecisionOracle } from "./oracle.js";
import { DEFAULT_ORACLE_RULE, labelCalls, parseOracleRule, wrongLabelsNeeded, type OracleRule } from "./rule.js";

/** Options of `LabelOnlyOracle`: the query budget, the level Pa and the oracle rule. */
export interface LabelOnlyOracleOptions {
  /** Maximum number of queries (points asked). Defaults to Infinity (no budget). */
  budget?: number;
  /**
   * Level Pa of the paper's definition (4): a point is adversarial when at least
   * ceil(draws * Pa) of its micro-decisions differ from the original label. With one draw
   * (a base classifier) any Pa in (0, 1] means "the label differs". Pa = 0.5 is the majority
   * rule, and for even n a tie (n/2 wrong) counts as adversarial. Defaults to 0.5.
   * A classifier with its own `decider` (the smoothed classifier: each count stops once the
   * answer is decided) answers through it, with the same answers as the full count and fewer
   * forward passes; `forwardPasses` counts what was spent.
   * @see docs/paper.md eq. (4) and the attack-side shortcut.
   */
  pa?: number;
  /**
   * How calls of the classifier become the answer of one attack step (src/oracle/rule.ts):
   * "shortcut" (the paper's: the wrong micro-decisions of one call, as `pa` above), "label" (one
   * call's label differs) or "repeat:K" (at least ceil(K Pa) of K calls' labels differ, stopping
   * once decided). The budget counts calls: a step under repeat:K costs up to K of them, and a
   * step is refused unless K calls are left. Defaults to "shortcut".
   */
  rule?: OracleRule;
  /**
   * Budgets below `budget` at which to keep the best points held then (`bestAt`): the best L2 and
   * Linf points among those answered adversarial by the first q queries, read as `distortionAt`
   * reads the trace. What an anytime attacker holds at q, for hardening it (issue 12, Fig. 6).
   */
  snapshots?: readonly number[];
  /**
   * Observer called after each answered call of `isAdversarial` with the queries spent so far and the
   * budget (progress display, e.g. the CLI's line inside one attacked image). It sees counts only and
   * cannot change an answer or the accounting. Defaults to none.
   */
  onQueries?: (used: number, budget: number) => void;
}

/** The best adversarial points held after some number of queries (null: none yet). */
export interface HeldPoints {
  readonly l2: number;
  readonly linf: number;
  readonly l2Point: Float32Array | null;
  readonly linfPoint: Float32Array | null;
}

/** One point of the best-so-far trace: the best distortions after `queries` queries. */
export interface TracePoint {
  readonly queries: number;
  readonly l2: number;
  readonly linf: number;
}

/**
 * The label-only oracle of an attack on (classifier, original image, original label).
 * The one place where queries are counted and the budget enforced; it also keeps the best
 * adversarial point ever answered (in L2 and in Linf) and its trace versus the query count,
 * which is what a black-box attacker holds at any budget.
 */
export class LabelOnlyOracle implements DecisionOracle {
  readonly budget: number;
  readonly pa: number;
  readonly rule: OracleRule;
  private used = 0;
  private readonly onQueries: ((used: number, budget: number) => void) | null;
  private stepsAnswered = 0;
  private passes = 0;
  private bestL2 = Infinity;
  private bestLinf = Infinity;
  private bestL2Point: Float32Array | null = null;
  private bestLinfPoint: Float32Array | null = null;
  private readonly traceRows: TracePoint[] = [];
  private readonly d: number;
  private readonly decider: Decider | CallDecider;
  /** Most calls one step can cost (1, or K for repeat:K). */
  private readonly perStep: number;
  /** Snapshot budgets (ascending) and the best points held at each, updated while queries <= the budget. */
  private readonly snapshotBudgets: readonly number[];
  private readonly held: HeldPoints[];

  constructor(
    readonly classifier: Classifier,
    readonly original: Float32Array,
    readonly label: number,
    options: LabelOnlyOracleOptions = {},
  ) {
    const budget = options.budget ?? Infinity;
    const pa = options.pa ?? 0.5;
    if (!(budget >= 0) || (Number.isFinite(budget) && !Number.isInteger(budget))) {
      throw new RangeError(`invalid budget: expected a non-negative integer or Infinity, got ${budget}`);
    }
    check("pa", pa, OPEN_UNIT);
    this.d = imageSize(classifier.shape);
    if (original.length !== this.d) {
      throw new RangeError(`original image has ${original.length} values, expected ${this.d}`);
    }
    if (!Number.isInteger(label) || label < 0 || label >= classifier.numClasses) {
      throw new RangeError(`invalid label: expected an integer in [0, ${classifier.numClasses - 1}], got ${label}`);
    }
    this.budget = budget;
    this.pa = pa;
    this.rule = parseOracleRule(options.rule ?? DEFAULT_ORACLE_RULE);
    const calls = labelCalls(this.rule);
    this.perStep = calls ?? 1;
    this.decider = calls === null ? classifier.decider?.(pa) ?? votingDecider(classifier, pa) : labelDecider(classifier, calls, pa);
    const snapshots = options.snapshots ?? [];
    for (const q of snapshots) {
      if (!Number.isInteger(q) || q < 1 || q > budget) throw new RangeError(`invalid snapshot budget: expected an integer in [1, ${budget}], got ${q}`);
    }
    this.snapshotBudgets = [...new Set(snapshots)].sort((a, b) => a - b);
    this.held = this.snapshotBudgets.map(() => ({ l2: Infinity, linf: Infinity, l2Point: null, linfPoint: null }));
    this.onQueries = options.onQueries ?? null;
  }

  get shape() { return this.classifier.shape; }
  get bounds() { return this.classifier.bounds; }
  /** Attack steps still allowed: every step must fit its most expensive case (K calls under repeat:K). */
  get remaining(): number { return Math.floor((this.budget - this.used) / this.perStep); }
  /** Queries (calls of the classifier) spent so far: what the budget counts. */
  get queries(): number { return this.used; }
  /** Attack steps (points asked) answered so far: `queries` under shortcut and label, fewer under repeat:K. */
  get steps(): number { return this.stepsAnswered; }
  /** Base-model forward passes spent answering them. */
  get forwardPasses(): number { return this.passes; }
  /** Best-so-far L2 and Linf distortions, one row each time one of them improves. */
  get trace(): readonly TracePoint[] { return this.traceRows; }
  get best(): HeldPoints {
    return { l2: this.bestL2, linf: this.bestLinf, l2Point: this.bestL2Point, linfPoint: this.bestLinfPoint };
  }
  /** The best points held after `queries` queries, for a budget given in `snapshots`. */
  bestAt(queries: number): HeldPoints {
    const i = this.snapshotBudgets.indexOf(queries);
    if (i < 0) throw new RangeError(`no snapshot at ${queries} queries: the oracle keeps ${this.snapshotBudgets.length === 0 ? "none" : this.snapshotBudgets.join(", ")}`);
    return this.held[i];
  }

  /** Wrong votes needed out of `draws` for level Pa (theory/level.ts wrongVotesNeeded). */
  threshold(draws: number): number {
    return wrongVotesNeeded(draws, this.pa);
  }

  async isAdversarial(batch: Float32Array, count: number): Promise<Uint8Array> {
    if (!Number.isInteger(count) || count < 0 || batch.length < count * this.d) {
      throw new RangeError(`invalid query: expected ${count} points of ${this.d} values, got ${batch.length} values`);
    }
    if (count > this.remaining) throw new BudgetExhaustedError(this.budget, this.used, count, this.perStep);
    const points = batch.length === count * this.d ? batch : batch.subarray(0, count * this.d);
    const answer = await this.decider.decide(points, count, this.label);
    const out = answer.decisions;
    const calls = "calls" in answer ? (answer as CallDecisions).calls : null;
    this.passes += answer.forwardPasses;
    for (let i = 0; i < count; i++) {
      // Trace rows are indexed by the query that found the point, steps taken in batch order.
      this.used += calls === null ? 1 : calls[i];
      this.stepsAnswered++;
      if (out[i]) this.record(batch, i);
    }
    this.onQueries?.(this.used, this.budget);
    return out;
  }

  private record(batch: Float32Array, i: number): void {
    const o = i * this.d;
    const { l2, linf: m } = distortions(this.original, batch, o);
    if (l2 >= this.bestL2 && m >= this.bestLinf) return;
    if (l2 < this.bestL2) { this.bestL2 = l2; this.bestL2Point = batch.slice(o, o + this.d); }
    if (m < this.bestLinf) { this.bestLinf = m; this.bestLinfPoint = batch.slice(o, o + this.d); }
    this.traceRows.push({ queries: this.used, l2: this.bestL2, linf: this.bestLinf });
    // The trace row's query count decides, as in distortionAt: held at q when found by query q.
    // Points are never written after they are kept, so holding references is safe.
    for (let s = this.snapshotBudgets.length - 1; s >= 0 && this.used <= this.snapshotBudgets[s]; s--) this.held[s] = this.best;
  }
}

/** Best distortion of a trace at a given budget (Infinity when nothing adversarial was found yet). */
export function distortionAt(trace: readonly TracePoint[], queries: number, norm: "l2" | "linf"): number {
  let best = Infinity;
  for (const row of trace) {
    if (row.queries > queries) break;
    best = row[norm];
  }
  return best;
}

/** The level-pa rule by counting votes: at least ceil(draws pa) of a point's votes differ from the label. */
export function votingDecider(classifier: Classifier, pa: number): Decider {
  return {
    async decide(batch, count, label) {
      const votes = await classifier.votes(batch, count);
      const k = classifier.numClasses;
      const decisions = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const draws = votes.draws[i];
        decisions[i] = draws - votes.counts[i * k + label] >= wrongVotesNeeded(draws, pa) ? 1 : 0;
      }
      return { decisions, forwardPasses: votes.forwardPasses };
    },
  };
}

/** Decisions of a rule that spends several calls per point: `calls[i]` calls answered point i. */
export interface CallDecisions extends Decisions {
  readonly calls: Int32Array;
}

/** A Decider that reports its calls (the oracle charges them to the budget). */
export interface CallDecider {
  /** Decides, for each of `count` points of `batch`, whether one call finds it adversarial for `label`. */
  decide(batch: Float32Array, count: number, label: number): Promise<CallDecisions>;
}

/**
 * The `label` and `repeat:K` rules (src/oracle/rule.ts): each point gets up to `calls` calls of
 * `classifier.predict` (one call = one label of g_{sigma,n}, fresh noise each) and is adversarial
 * when at least ceil(calls Pa) labels differ from `label`. A point stops as soon as its answer is
 * decided; each round asks every undecided point the fewest calls that could decide it, which
 * any order of asking would spend too, so batching never costs a call.
 */
export function labelDecider(classifier: Classifier, calls: number, pa: number): CallDecider {
  const need = wrongLabelsNeeded(calls, pa);
  return {
    async decide(batch, count, label) {
      const d = imageSize(classifier.shape);
      const wrong = new Int32Array(count), asked = new Int32Array(count);
      const decisions = new Uint8Array(count);
      const before = classifier.forwardPasses;
      let active = Array.from({ length: count }, (_, i) => i);
      while (active.length > 0) {
        // Fewest further calls that could decide point i: to reach `need` wrong, or to make it unreachable.
        const more = active.map((i) => Math.min(need - wrong[i], calls - asked[i] - (need - wrong[i]) + 1));
        const total = more.reduce((a, b) => a + b, 0);
        const copies = new Float32Array(total * d);
        let at = 0;
        active.forEach((i, j) => {
          for (let r = 0; r < more[j]; r++, at++) copies.set(batch.subarray(i * d, (i + 1) * d), at * d);
        });
        const labels = await classifier.predict(copies, total);
        at = 0;
        const next: number[] = [];
        active.forEach((i, j) => {
          for (let r = 0; r < more[j]; r++, at++) if (labels[at] !== label) wrong[i]++;
          asked[i] += more[j];
          if (wrong[i] >= need) decisions[i] = 1;
          else if (wrong[i] + calls - asked[i] >= need) next.push(i);
        });
        active = next;
      }
      return { decisions, calls: asked, forwardPasses: classifier.forwardPasses - before };
    },
  };
}
