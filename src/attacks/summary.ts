/**
 * Success and distortion statistics of a set of attack records (one attack against one defense
 * point, as `rsbench attack` prints them). Rates are over the attacked images, the correctly
 * classified ones; every statistic is null when no image qualifies (never NaN).
 */
import { mean, median } from "../stats/descriptive.js";
import { sumAnomalies } from "./anomalies.js";
import { checkpointBudgets, isVerified, type AttackRecord } from "./record.js";

/** Success and distortion statistics at one budget. */
export interface BudgetSummary {
  readonly queries: number;
  /** Share of the attacked images with an adversarial point within this budget. */
  readonly success: number | null;
  /** Mean and median over the images successful within this budget. */
  readonly meanL2: number | null;
  readonly medianL2: number | null;
  readonly meanLinf: number | null;
  readonly medianLinf: number | null;
}

/** An image left out because the defense already gets it wrong. */
export interface SkippedImage {
  readonly image: number;
  readonly label: number;
  readonly prediction: number;
}

/** Success rate and distortion statistics of a set of attack results. */
export interface AttackStatistics {
  /** Records summarised, attacked (correctly classified) and skipped (misclassified). */
  readonly images: number;
  readonly attempted: number;
  readonly skipped: readonly SkippedImage[];
  /** Share of the attacked images with an adversarial point at the full budget. */
  readonly success: number | null;
  /**
   * Share of the attacked images whose final point is verified at level Pa by eq. (4), or null
   * without the check (no RS, or `verify` 0). Always at most `success`.
   */
  readonly verified: number | null;
  /** Mean and median L2 over the verified successes only. */
  readonly meanL2Verified: number | null;
  readonly medianL2Verified: number | null;
  /**
   * Calls of g the check of eq. (4) spent, over all attacked images (outside the budget: the
   * sequential test's `calls`, the point estimate's `repeats`), or null without the check.
   */
  readonly verificationCalls: number | null;
  /**
   * Share of the attacked images whose final point was hardened (record `hardened`, status
   * "hardened"), or null when no record asked for hardening. Always at most `success`.
   */
  readonly hardened: number | null;
  /** Mean and median distortions of the hardened points, over the hardened images only. */
  readonly meanL2Hardened: number | null;
  readonly medianL2Hardened: number | null;
  readonly meanLinfHardened: number | null;
  readonly medianLinfHardened: number | null;
  /** Calls of g the hardening spent, over all attacked images (outside the budget), or null without hardening. */
  readonly hardeningCalls: number | null;
  /** Distortions at the full budget, over the successful images. */
  readonly meanL2: number | null;
  readonly medianL2: number | null;
  readonly meanLinf: number | null;
  readonly medianLinf: number | null;
  /** Oracle queries and base forward passes of the attacks (the defense's first answers excluded). */
  readonly queries: number;
  readonly forwardPasses: number;
  readonly meanQueries: number | null;
  readonly meanForwardPasses: number | null;
  /** Queries the attacks left unspent when the budget ended them (record `unspent`), and on how many images. */
  readonly unspentQueries: number;
  readonly unspentImages: number;
  /** The same statistics at each checkpoint budget (src/attacks/record.ts checkpointBudgets). */
  readonly checkpoints: readonly BudgetSummary[];
  readonly anomalies: Record<string, number>;
}

function finite(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null && Number.isFinite(v));
}

/** Options of `summarizeAttacks`. */
export interface SummaryOptions {
  /** The attack's query budget (checkpoint rows at checkpointBudgets(budget)). */
  readonly budget: number;
  /** Whether the final points were checked against eq. (4) (RS and `verify` > 0). */
  readonly checked: boolean;
}

/** The calls of g one check of eq. (4) spent: the sequential test's calls, the point estimate's repeats (0 when not run). */
function verificationCalls(v: AttackRecord["verification"]): number {
  if (v == null) return 0;
  return "calls" in v ? v.calls : v.repeats;
}

/** Statistics of the records of one attack against one defense point. */
export function summarizeAttacks(records: readonly AttackRecord[], { budget, checked }: SummaryOptions): AttackStatistics {
  const attacked = records.filter((r) => r.status === "attacked");
  const share = (count: number) => (attacked.length ? count / attacked.length : null);
  const atBudget = (q: number): BudgetSummary => {
    const rows = attacked.map((r) => r.checkpoints.find((c) => c.queries === q) ?? { queries: q, l2: null, linf: null });
    const l2 = finite(rows.map((c) => c.l2)), linf = finite(rows.map((c) => c.linf));
    return { queries: q, success: share(l2.length), meanL2: mean(l2), medianL2: median(l2), meanLinf: mean(linf), medianLinf: median(linf) };
  };
  const checkpoints = checkpointBudgets(budget).map(atBudget);
  const full = checkpoints[checkpoints.length - 1];
  const verifiedL2 = finite(attacked.filter((r) => isVerified(r.verification)).map((r) => r.l2));
  const hardenedRuns = attacked.filter((r) => r.hardened != null);
  const asked = attacked.some((r) => r.hardened !== undefined);
  const hardenedPoints = hardenedRuns.filter((r) => r.hardened!.status === "hardened").map((r) => r.hardened!);
  const hardenedL2 = finite(hardenedPoints.map((h) => h.l2)), hardenedLinf = finite(hardenedPoints.map((h) => h.linf));
  const queries = attacked.reduce((a, r) => a + r.queries, 0);
  const forwardPasses = attacked.reduce((a, r) => a + r.forwardPasses, 0);
  return {
    images: records.length,
    attempted: attacked.length,
    skipped: records.filter((r) => r.status === "misclassified").map((r) => ({ image: r.image, label: r.label, prediction: r.prediction })),
    success: share(attacked.filter((r) => r.success).length),
    verified: checked ? share(verifiedL2.length) : null,
    meanL2Verified: mean(verifiedL2),
    medianL2Verified: median(verifiedL2),
    verificationCalls: checked ? attacked.reduce((a, r) => a + verificationCalls(r.verification), 0) : null,
    hardened: asked ? share(hardenedPoints.length) : null,
    meanL2Hardened: mean(hardenedL2),
    medianL2Hardened: median(hardenedL2),
    meanLinfHardened: mean(hardenedLinf),
    medianLinfHardened: median(hardenedLinf),
    hardeningCalls: asked ? hardenedRuns.reduce((a, r) => a + r.hardened!.calls, 0) : null,
    meanL2: full.meanL2,
    medianL2: full.medianL2,
    meanLinf: full.meanLinf,
    medianLinf: full.medianLinf,
    queries,
    forwardPasses,
    meanQueries: share(queries),
    meanForwardPasses: share(forwardPasses),
    unspentQueries: attacked.reduce((a, r) => a + (r.unspent?.queries ?? 0), 0),
    unspentImages: attacked.filter((r) => r.unspent !== undefined).length,
    checkpoints,
    anomalies: sumAnomalies(attacked.map((r) => r.anomalies)),
  };
}
