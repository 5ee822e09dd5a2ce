import type { DecisionOracle } from "../oracle/oracle.js";
import type { TracePoint } from "../oracle/labelOnly.js";
import type { Random } from "../rng/random.js";

/** The distortion norm an attack minimises: L2 or Linf. */
export type Norm = "l2" | "linf";

/**
 * Per-call data of an attack run (separate from the attack's tunable options, which each attack
 * declares with its own exported DEFAULTS).
 */
export interface AttackContext {
  /** The only randomness the attack may use. */
  readonly random: Random;
  /** Optional adversarial starting point (otherwise the attack finds its own). */
  readonly startingPoint?: Float32Array;
  /**
   * Counters of the unusual events the attack handled (e.g. "allProbesAgree",
   * "binarySearchSwapped"): a random oracle can contradict itself, and the result says how often.
   */
  readonly anomalies: Record<string, number>;
  /**
   * Outer iterations completed so far, kept up to date by attacks that may let the oracle's
   * BudgetExhaustedError escape mid-iteration (SurFree, RayS), so that the runner records how far
   * the run got rather than a placeholder.
   */
  readonly progress?: { iterations: number };
  /**
   * Observer of the attack's iterates, for peer comparisons (bench/peers/psj/iterates-budget.ts): called,
   * by the attacks that support it (PSJ), with each new iterate as it is completed (PSJ: the border point
   * of each line search, iteration 0 being the first), the iterations completed, and the oracle's
   * `remaining` queries at that moment. `point` is the attack's live buffer: read it, copy it if kept,
   * never write it. Absent, nothing is called; present or absent, the run and its record are the same.
   */
  readonly onIterate?: (point: Float32Array, iteration: number, remaining: number) => void;
}

/**
 * Why a run with a finite budget ended with queries left. The oracle answers a call whole or
 * refuses it whole, so a run that asks several points together can end with fewer left than its
 * next call needs: HSJA's grid search asks its 20 step sizes, then binary searches the adversarial
 * ones in lockstep (one point each); SurFree asks an angle and its opposite together, and
 * withholds a call that would eat into the queries kept for its final line search.
 */
export interface UnspentBudget {
  /** Queries left at the end of the run (budget - queries), >= 1. */
  readonly queries: number;
  /**
   * Queries the call that did not fit could cost: more than were left (a refused call: the points
   * it asked times K under repeat:K, the most each point may cost), or the points asked beyond
   * what fits beside what the attack keeps for its last step (SurFree's withheld call).
   */
  readonly requested: number;
  /** What that call was, in the attack's words (each attack documents its reasons). */
  readonly reason: string;
}

/** What an attack function returns; the runner adds the oracle's accounting. */
export interface AttackOutcome {
  /** The attack's final adversarial point, or null when it found none. */
  readonly adversarial: Float32Array | null;
  /** Outer iterations completed (when the oracle's refusal ended the attack inside one, those before it: context.progress). */
  readonly iterations: number;
  /**
   * Why it stopped ("budget" is set by the runner when the oracle refused a query). "no start":
   * no query was ever answered adversarial, so the attack never had a starting point (set by the
   * runner, with the anomaly `noStart`, for attacks that need a start: HSJA, SurFree).
   * "no restart": SurFree's search collapsed and no random restart was adversarial.
   */
  readonly stopReason: "iterations" | "converged" | "failed" | "budget" | "epsilon" | "no start" | "no restart";
  /** Set when the budget ended the run with queries left: how many, and why (absent otherwise). */
  readonly unspent?: UnspentBudget;
}

/**
 * A decision-based attack: a function of a label-only oracle, the original image (pixel space,
 * CHW) and its label, its options, and the per-call context. It never sees the model, the noise
 * or the counters. It may let BudgetExhaustedError propagate: the runner treats it as the end.
 */
export type Attack<O> = (
  oracle: DecisionOracle,
  image: Float32Array,
  label: number,
  options: O,
  context: AttackContext,
) => Promise<AttackOutcome>;

/** The record of one attack run on one image. */
export interface AttackResult {
  readonly attack: string;
  readonly norm: Norm;
  readonly success: boolean;
  /** Best adversarial point (in the attack's norm) answered by the oracle, or null. */
  readonly adversarial: Float32Array | null;
  /** L2 and Linf distortions in pixel space of the best points (Infinity when unsuccessful). */
  readonly l2: number;
  readonly linf: number;
  readonly queries: number;
  readonly forwardPasses: number;
  readonly seed: number;
  readonly iterations: number;
  readonly stopReason: AttackOutcome["stopReason"];
  /** Queries a budget-ended run left unspent, and why (null when it spent the whole budget or did not end on it). */
  readonly unspent: UnspentBudget | null;
  readonly anomalies: Record<string, number>;
  /** Best-so-far distortions versus the query count (read the distortion at any budget). */
  readonly trace: readonly TracePoint[];
  readonly seconds: number;
}
