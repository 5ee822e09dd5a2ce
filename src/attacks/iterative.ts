import { imageSize } from "../model/classifier.js";
import { BudgetExhaustedError, type DecisionOracle } from "../oracle/oracle.js";
import type { AttackContext, AttackOutcome } from "./types.js";

/**
 * The entry point shared by the iterative boundary attacks (HSJA, PopSkipJump): both walk a border
 * point `x` for a number of iterations and, when the budget refuses a call, return the last point they
 * held. One copy of the input checks and of the budget-exhausted outcome instead of one per attack.
 */

/** What the entry point reads from a run: the point it holds and what it was asking when stopped. */
export interface IterativeRun {
  /** True once `x` holds an adversarial point (a starting point or a border point). */
  readonly found: boolean;
  readonly x: Float32Array;
  /** Iterations completed. */
  readonly iterations: number;
  /** What the current oracle call asks (the `reason` of an UnspentBudget). */
  readonly asking: string;
  attack(iterations: number): Promise<AttackOutcome>;
}

/** The iteration options both attacks share. */
export interface IterationOptions {
  /** Outer iterations when the oracle has no budget, or always when `spendBudget` is false. */
  readonly numIterations: number;
  /** With a finite budget, iterate until it is spent and ignore `numIterations`. */
  readonly spendBudget: boolean;
}

/**
 * Checks the image and the starting point against the oracle's shape, and returns the iterations to
 * run: Infinity when the budget ends the run (`spendBudget` and a finite budget), else `numIterations`.
 * Errors name the attack (`name`, e.g. "HSJA").
 */
export function iterationsToRun(name: string, oracle: DecisionOracle, image: Float32Array, o: IterationOptions, context: AttackContext): number {
  const d = imageSize(oracle.shape);
  if (image.length !== d) throw new RangeError(`invalid ${name} image: expected ${d} values for the oracle's shape, got ${image.length}`);
  const start = context.startingPoint;
  if (start !== undefined && start.length !== d) throw new RangeError(`invalid ${name} starting point: expected ${d} values, got ${start.length}`);
  const budgeted = Number.isFinite(oracle.remaining);
  const iterations = o.spendBudget && budgeted ? Infinity : o.numIterations;
  if (iterations === Infinity && !budgeted) {
    throw new RangeError(`invalid ${name} numIterations: Infinity needs an oracle with a finite budget (the run would never end)`);
  }
  return iterations;
}

/**
 * Runs `run` for `iterations`; when the budget refuses a call, the outcome is the point the run held
 * (null before it found one), stop reason "budget", and the queries left unspent with what the refused
 * call asked.
 */
export async function runIterations(run: IterativeRun, iterations: number): Promise<AttackOutcome> {
  try {
    return await run.attack(iterations);
  } catch (error) {
    if (!(error instanceof BudgetExhaustedError)) throw error;
    const left = error.budget - error.used;
    const outcome: AttackOutcome = { adversarial: run.found ? run.x.slice() : null, iterations: run.iterations, stopReason: "budget" };
    return left > 0 ? { ...outcome, unspent: { queries: left, requested: error.requested, reason: run.asking } } : outcome;
  }
}
