import type { LabelOnlyOracle } from "../oracle/labelOnly.js";
import { BudgetExhaustedError } from "../oracle/oracle.js";
import type { Random } from "../rng/random.js";
import type { Attack, AttackContext, AttackOutcome, AttackResult, Norm } from "./types.js";

/** Arguments of `runAttack`: the attack, its options, the norm and the seeded random source. */
export interface RunAttackArgs<O> {
  readonly name: string;
  readonly attack: Attack<O>;
  readonly options: O;
  readonly norm: Norm;
  readonly random: Random;
  readonly startingPoint?: Float32Array;
}

/**
 * Runs an attack against an oracle and reads the accounting from the oracle (the one place
 * that counts). The result's adversarial point is the best one (in the attack's norm) that the
 * oracle ever answered adversarial: what a black-box attacker holds after its queries. This
 * can only be better than, never worse than, the point the attack itself returns.
 */
export async function runAttack<O>(oracle: LabelOnlyOracle, args: RunAttackArgs<O>): Promise<AttackResult> {
  const context: AttackContext = { random: args.random, startingPoint: args.startingPoint, anomalies: {} };
  const start = performance.now();
  let outcome: AttackOutcome;
  try {
    outcome = await args.attack(oracle, oracle.original, oracle.label, args.options, context);
  } catch (error) {
    if (!(error instanceof BudgetExhaustedError)) throw error;
    const left = error.budget - error.used;
    outcome = { adversarial: null, iterations: -1, stopReason: "budget" };
    if (left > 0) outcome = { ...outcome, unspent: { queries: left, requested: error.requested, reason: "refused call" } };
  }
  const best = oracle.best;
  const success = Number.isFinite(best.l2);
  return {
    attack: args.name,
    norm: args.norm,
    success,
    adversarial: args.norm === "l2" ? best.l2Point : best.linfPoint,
    l2: best.l2,
    linf: best.linf,
    queries: oracle.queries,
    forwardPasses: oracle.forwardPasses,
    seed: args.random.seed,
    iterations: outcome.iterations,
    stopReason: outcome.stopReason,
    unspent: outcome.unspent ?? null,
    anomalies: context.anomalies,
    trace: oracle.trace,
    seconds: (performance.now() - start) / 1000,
  };
}
