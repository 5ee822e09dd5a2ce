import type { Classifier, Decider } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import { check, OPEN_UNIT } from "../stats/validate.js";
import { wrongVotesNeeded } from "../theory/level.js";
import { BudgetExhaustedError, type DecisionOracle } from "./oracle.js";

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
  private used = 0;
  private passes = 0;
  private bestL2 = Infinity;
  private bestLinf = Infinity;
  private bestL2Point: Float32Array | null = null;
  private bestLinfPoint: Float32Array | null = null;
  private readonly traceRows: TracePoint[] = [];
  private readonly d: number;
  private readonly decider: Decider;

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
    this.decider = classifier.decider?.(pa) ?? votingDecider(classifier, pa);
  }

  get shape() { return this.classifier.shape; }
  get bounds() { return this.classifier.bounds; }
  get remaining(): number { return this.budget - this.used; }
  /** Queries answered so far. */
  get queries(): number { return this.used; }
  /** Base-model forward passes spent answering them. */
  get forwardPasses(): number { return this.passes; }
  /** Best-so-far L2 and Linf distortions, one row each time one of them improves. */
  get trace(): readonly TracePoint[] { return this.traceRows; }
  get best() {
    return { l2: this.bestL2, linf: this.bestLinf, l2Point: this.bestL2Point, linfPoint: this.bestLinfPoint };
  }

  /** Wrong votes needed out of `draws` for level Pa (theory/level.ts wrongVotesNeeded). */
  threshold(draws: number): number {
    return wrongVotesNeeded(draws, this.pa);
  }

  async isAdversarial(batch: Float32Array, count: number): Promise<Uint8Array> {
    if (!Number.isInteger(count) || count < 0 || batch.length < count * this.d) {
      throw new RangeError(`invalid query: expected ${count} points of ${this.d} values, got ${batch.length} values`);
    }
    if (count > this.remaining) throw new BudgetExhaustedError(this.budget, this.used, count);
    const points = batch.length === count * this.d ? batch : batch.subarray(0, count * this.d);
    const { decisions: out, forwardPasses } = await this.decider.decide(points, count, this.label);
    this.passes += forwardPasses;
    for (let i = 0; i < count; i++) {
      this.used++; // trace rows are indexed by the query that found the point
      if (out[i]) this.record(batch, i);
    }
    return out;
  }

  private record(batch: Float32Array, i: number): void {
    const o = i * this.d;
    let s = 0, m = 0;
    for (let j = 0; j < this.d; j++) {
      const diff = Math.abs(batch[o + j] - this.original[j]);
      s += diff * diff;
      if (diff > m) m = diff;
    }
    const l2 = Math.sqrt(s);
    if (l2 >= this.bestL2 && m >= this.bestLinf) return;
    if (l2 < this.bestL2) { this.bestL2 = l2; this.bestL2Point = batch.slice(o, o + this.d); }
    if (m < this.bestLinf) { this.bestLinf = m; this.bestLinfPoint = batch.slice(o, o + this.d); }
    this.traceRows.push({ queries: this.used, l2: this.bestL2, linf: this.bestLinf });
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
