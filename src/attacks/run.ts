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
  /** The attack begins from an adversarial point (HSJA, SurFree; AttackEntry.needsStart): without one, the run is recorded "no start". */
  readonly needsStart?: boolean;
}

/**
 * Runs an attack against an oracle and reads the accounting from the oracle (the one place
 * that counts). The result's adversarial point is the best one (in the attack's norm) that the
 * oracle ever answered adversarial: what a black-box attacker holds after its queries. This
 * can only be better than, never worse than, the point the attack itself returns.
 */
export async function runAttack<O>(oracle: LabelOnlyOracle, args: RunAttackArgs<O>): Promise<AttackResult> {
  const progress = { iterations: 0 };
  const context: AttackContext = { random: args.random, startingPoint: args.startingPoint, anomalies: {}, progress };
  const start = performance.now();
  let outcome: AttackOutcome;
  try {
    outcome = await args.attack(oracle, oracle.original, oracle.label, args.options, context);
  } catch (error) {
    if (!(error instanceof BudgetExhaustedError)) throw error;
    const left = error.budget - error.used;
    outcome = { adversarial: null, iterations: progress.iterations, stopReason: "budget" };
    // In queries, as `left`: each refused point may cost up to perPoint calls (K under repeat:K).
    if (left > 0) outcome = { ...outcome, unspent: { queries: left, requested: error.requested * error.perPoint, reason: "refused call" } };
  }
  const best = oracle.best;
  const success = Number.isFinite(best.l2);
  if (!success && args.needsStart === true) {
    // No query was ever answered adversarial: the attack never had a start (issue 26), whether it
    // gave up ("failed") or the budget ran out while it searched.
    outcome = { ...outcome, stopReason: "no start" };
    context.anomalies.noStart = (context.anomalies.noStart ?? 0) + 1;
  }
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
