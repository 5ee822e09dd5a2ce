import { betaIncInv } from "../stats/beta.js";
import { binomialTailAtLeast } from "../stats/binomial.js";
import { normalQuantile } from "../stats/normal.js";
import { check, DRAWS, OPEN_UNIT, POSITIVE, PROBABILITY } from "../stats/validate.js";

/*
 * Adversarial examples of level Pa for the practical smoothed classifier g_{sigma,n}
 * (docs/paper.md eqs. (4)-(6)). Notation: at a point x_a, pi_0 is the probability that one noisy
 * micro-decision f(x_a + sigma N) returns the original label y_o, so the number of wrong
 * micro-decisions is W ~ Binomial(n, pi) with pi = 1 - pi_0.
 */

/** m = 1 + floor(n / 2), the vote count of a strict majority among n draws (the paper's n~). */
export function majorityCount(n: number): number {
  check("n", n, DRAWS);
  return 1 + Math.floor(n / 2);
}

/**
 * The level-Pa threshold q = I^-1_Pa(m, m) with m = 1 + floor(n / 2): for odd n, the majority
 * vote of n micro-decisions is wrong with probability >= Pa exactly when each is wrong with
 * probability pi >= q (P[W >= m] = I_pi(m, m)). For even n the paper uses the same formula,
 * which is exact for n + 1 draws; see `exactPi0Max` for the exact even-n tail.
 * @see docs/paper.md eq. (5).
 */
export function levelThreshold(n: number, pa: number): number {
  check("pa", pa, OPEN_UNIT);
  const m = majorityCount(n);
  return betaIncInv(pa, m, m);
}

/**
 * pi0Max = 1 - I^-1_Pa(m, m): x_a is an adversarial example of level Pa when pi_0(x_a) < pi0Max.
 * @see docs/paper.md eq. (5).
 */
export function pi0Max(n: number, pa: number): number {
  return 1 - levelThreshold(n, pa);
}

/**
 * The margin sigma Phi^-1(I^-1_Pa(m, m)) that eq. (6) adds to the certified radius: how far past
 * the boundary of g_sigma an adversarial example of level Pa must lie. For Pa = 0.8 it is
 * 0.842 sigma (n = 1), 0.311 sigma (n = 10), 0.147 sigma (n = 50), 0.105 sigma (n = 100).
 * @see docs/paper.md eq. (6).
 */
export function marginTerm(n: number, pa: number, sigma: number): number {
  check("sigma", sigma, POSITIVE);
  return sigma * normalQuantile(levelThreshold(n, pa));
}

/**
 * The lower bound of eq. (6) on the distortion of an adversarial example of level Pa:
 * ||x_o - x_a|| >= R(x_o, sigma) + sigma Phi^-1(I^-1_Pa(m, m)), with R = sigma Phi^-1(p) and
 * p = p_A(x_o) the top-class probability at x_o. R is used as the formula reads (negative for
 * p < 1/2, where x_o has no certificate; `certifiedRadius` returns 0 there instead).
 * @see docs/paper.md eqs. (2) and (6).
 */
export function distanceBound(p: number, n: number, pa: number, sigma: number): number {
  check("p", p, PROBABILITY);
  return sigma * normalQuantile(p) + marginTerm(n, pa, sigma);
}

/** Wrong micro-decisions needed out of n for level Pa (guarded against 0.7 * 10 = 7.000000000000001): the one place the eq. (4) shortcut threshold is written. */
export function wrongVotesNeeded(n: number, pa: number): number {
  check("n", n, DRAWS);
  check("pa", pa, OPEN_UNIT);
  return Math.max(1, Math.ceil(n * pa - 1e-9));
}

/**
 * The probability that one query at a point whose micro-decisions are each wrong with
 * probability pi is answered "adversarial" by the attack-side rule of the experiments: at least
 * ceil(n Pa) of the n micro-decisions are wrong, P[Binomial(n, pi) >= ceil(n Pa)]. This is the
 * rule LabelOnlyOracle applies (src/oracle/labelOnly.ts, through wrongVotesNeeded), so for even n and
 * Pa = 0.5 a tie (n / 2 wrong) counts as adversarial.
 * @see docs/paper.md, "attack-side shortcut".
 */
export function adversarialProbability(pi: number, n: number, pa: number): number {
  check("pi", pi, PROBABILITY);
  return binomialTailAtLeast(wrongVotesNeeded(n, pa), n, pi);
}

/** Which side a tied vote (n / 2 wrong out of an even n) falls on. */
export type TieRule = "adversarial" | "original";

/**
 * The exact probability that the majority vote of n micro-decisions is wrong when each is
 * wrong with probability pi: P[W >= ceil(n / 2)] when ties count as adversarial (the rule of
 * LabelOnlyOracle at Pa = 0.5, the default), P[W >= 1 + floor(n / 2)] when they keep the
 * original label. Both are the same for odd n.
 */
export function voteErrorProbability(pi: number, n: number, ties: TieRule = "adversarial"): number {
  check("pi", pi, PROBABILITY);
  return binomialTailAtLeast(tieThreshold(n, ties), n, pi);
}

/**
 * The exact version of eq. (5) for any n: the largest pi_0 for which the majority vote is wrong
 * with probability >= Pa, i.e. the pi_0 with voteErrorProbability(1 - pi_0, n, ties) = Pa.
 * With t wrong votes needed, P[W >= t] = I_pi(t, n - t + 1), so pi_0 = 1 - I^-1_Pa(t, n - t + 1).
 * - Odd n: t = m = (n + 1) / 2 = n - t + 1, so this equals pi0Max(n, pa) exactly.
 * - Even n: ties "adversarial" (default): t = n / 2, pi_0 = 1 - I^-1_Pa(n/2, n/2 + 1), larger
 *   than pi0Max (a tie already wins, e.g. n = 2: 1 - q with q = I^-1_Pa(1, 2) = 1 - sqrt(1 - Pa));
 *   ties "original" (the paper's "more than n/2"): t = n/2 + 1, pi_0 = 1 - I^-1_Pa(n/2 + 1, n/2),
 *   smaller than pi0Max. The paper's I^-1_Pa(m, m) lies between the two: it is the exact
 *   threshold of n + 1 draws.
 * @see docs/paper.md eq. (5) and the note on even n.
 */
export function exactPi0Max(n: number, pa: number, ties: TieRule = "adversarial"): number {
  check("pa", pa, OPEN_UNIT);
  const t = tieThreshold(n, ties);
  return 1 - betaIncInv(pa, t, n - t + 1);
}

/**
 * The largest pi_0 at which one query is counted adversarial by the attack-side rule
 * (at least ceil(n Pa) wrong micro-decisions) with probability >= Pa: the pi_0 with
 * adversarialProbability(1 - pi_0, n, pa) = Pa, i.e. 1 - I^-1_Pa(t, n - t + 1), t = ceil(n Pa).
 * It equals exactPi0Max only at Pa = 0.5 (and for n = 1): for Pa > 0.5 the shortcut asks for
 * more than a majority of wrong votes (n = 11, Pa = 0.8: 9 wrong, not 6) and is stricter than (4).
 * @see docs/paper.md, "attack-side shortcut".
 */
export function shortcutPi0Max(n: number, pa: number): number {
  const t = wrongVotesNeeded(n, pa);
  return 1 - betaIncInv(pa, t, n - t + 1);
}

function tieThreshold(n: number, ties: TieRule): number {
  check("n", n, DRAWS);
  if (ties !== "adversarial" && ties !== "original") {
    throw new RangeError(`invalid ties: expected "adversarial" or "original", got ${JSON.stringify(ties)}`);
  }
  return ties === "adversarial" ? Math.ceil(n / 2) : 1 + Math.floor(n / 2);
}
