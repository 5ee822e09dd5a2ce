/**
 * Conclusion 4 against the adaptive attacker (issue 12, Fig. 6): does "fewer samples n give at
 * least as much practical robustness" survive an attacker who repeats queries? Judged on
 * hardened distortions (points verified adversarial at level Pa), from the Fig. 6 points.
 */
import { adaptiveTradeoff, type TradeoffPoint } from "../figures/adaptiveTradeoff.js";
import { attackName, attackRank, formatNumber } from "../figures/format.js";
import type { AttackInput } from "../figures/inputs.js";
import { CONCLUSION_THRESHOLDS, type ConclusionThresholds, type DecidingNumber, type Verdict } from "./conclusions.js";

/**
 * The attacker's best point at one n: the K giving the smallest mean hardened distortion over the
 * group's common images (those hardened at every K and n compared), so that every mean of one
 * comparison is over the same images.
 */
export interface BestRepeat {
  readonly n: number;
  readonly k: number;
  /** Mean hardened distortion over the group's common images. */
  readonly meanDistortion: number;
  readonly meanCalls: number | null;
  /** The point's own counts, over all its images. */
  readonly hardened: number;
  readonly attacked: number;
}

/** One comparison of the smallest and the largest n: one defense entry, Pa, attack and budget. */
export interface AdaptiveComparison {
  readonly defense: string;
  readonly pa: number;
  readonly attack: string;
  readonly norm: "l2" | "linf";
  readonly budget: number;
  /** The images every mean of the comparison is over: hardened at every K of both n. */
  readonly images: number;
  readonly fewer: BestRepeat;
  readonly more: BestRepeat;
  /** fewer.meanDistortion / more.meanDistortion: >= the threshold means fewer samples still protect at least as well. */
  readonly ratio: number;
}

/** Conclusion 4 against the adaptive attacker (Fig. 6): the comparison and its verdict. */
export interface AdaptiveConclusion {
  readonly statement: string;
  readonly rule: string;
  readonly verdict: Verdict;
  readonly numbers: readonly DecidingNumber[];
  readonly note: string | null;
  readonly comparisons: readonly AdaptiveComparison[];
  /** The Fig. 6 points the verdict was read from. */
  readonly points: readonly TradeoffPoint[];
}

const STATEMENT = "Conclusion 4 against an attacker who repeats queries: fewer samples n still give at least as much practical robustness.";

/**
 * Evaluates conclusion 4 on the Fig. 6 points of `attacks`. For each (defense entry, Pa, attack,
 * budget) run at two n or more, the comparison is paired: its images are those hardened at every
 * K of both the smallest and the largest n (the n = 10 and n = 100 defenses misclassify different
 * images, and a partial run has done different images in different cells). On these images the
 * attacker picks, at each n, the K whose mean hardened distortion is smallest; the conclusion
 * survives when, in every group with at least `minImages` common images, that best distortion at
 * the smallest n divided by the one at the largest n is >= `fewerSamples` (the threshold of
 * conclusion 4). "not enough data" without such groups (no records with repeat:K or label oracles
 * and hardening, or too few common images).
 */
export function adaptiveConclusion(attacks: readonly AttackInput[], t: ConclusionThresholds = CONCLUSION_THRESHOLDS): AdaptiveConclusion {
  const rule =
    `in every group (smoothed defense, Pa, attack, budget) run at two n or more, on the images hardened at every K of both the smallest and the largest n (>= ${t.minImages} of them): ` +
    `the attacker's best K at each n (smallest mean hardened distortion on those images); holds when best distortion at the smallest n / best distortion at the largest n is >= ${t.fewerSamples}`;
  const points = adaptiveTradeoff(attacks);
  const groups = new Map<string, TradeoffPoint[]>();
  for (const p of points) {
    if (p.meanDistortion === null) continue;
    const key = JSON.stringify([p.defense, p.pa, p.attack, p.norm, p.budget]);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const comparisons: AdaptiveComparison[] = [];
  for (const group of groups.values()) {
    const ns = [...new Set(group.map((p) => p.n))].sort((a, b) => a - b);
    if (ns.length < 2) continue;
    const compared = group.filter((p) => p.n === ns[0] || p.n === ns[ns.length - 1]);
    const common = compared
      .map((p) => new Set(p.byImage.map((x) => x.image)))
      .reduce((a, b) => new Set([...a].filter((i) => b.has(i))));
    if (common.size < t.minImages) continue;
    const meanOnCommon = (p: TradeoffPoint) => {
      const xs = p.byImage.filter((x) => common.has(x.image)).map((x) => x.distortion);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const best = (n: number): BestRepeat => {
      const [p, meanDistortion] = compared
        .filter((q) => q.n === n)
        .map((q) => [q, meanOnCommon(q)] as const)
        .reduce((a, b) => (b[1] < a[1] ? b : a));
      return { n, k: p.k, meanDistortion, meanCalls: p.meanCalls, hardened: p.hardened, attacked: p.attacked };
    };
    const [fewer, more] = [best(ns[0]), best(ns[ns.length - 1])];
    const { defense, pa, attack, norm, budget } = group[0];
    comparisons.push({ defense, pa, attack, norm, budget, images: common.size, fewer, more, ratio: fewer.meanDistortion / more.meanDistortion });
  }
  // Reading order: defense, Pa, the paper's order of the attacks, budgets ascending.
  comparisons.sort((a, b) => a.defense.localeCompare(b.defense) || a.pa - b.pa || attackRank(a.attack) - attackRank(b.attack) || a.attack.localeCompare(b.attack) || a.budget - b.budget);
  if (comparisons.length === 0) {
    const note = points.length === 0
      ? "no records of a smoothed defense attacked through a label or repeat:K oracle with hardening (run experiments/adaptive-fashion-mnist.json)"
      : `no (defense, Pa, attack, budget) at two values of n or more with >= ${t.minImages} images hardened at every K of both`;
    return { statement: STATEMENT, rule, verdict: "not enough data", numbers: [], note, comparisons, points };
  }
  const numbers = comparisons.map((c) => ({
    label: `${c.defense} Pa=${c.pa} ${attackName(c.attack)} budget ${c.budget}, ${c.images} images: ${c.norm === "l2" ? "L2" : "Linf"}(n=${c.fewer.n}, best K=${c.fewer.k}: ${formatNumber(c.fewer.meanDistortion, 3)}) / ` +
      `${c.norm === "l2" ? "L2" : "Linf"}(n=${c.more.n}, best K=${c.more.k}: ${formatNumber(c.more.meanDistortion, 3)})`,
    value: c.ratio,
  }));
  const smallest = Math.min(...comparisons.map((c) => c.ratio));
  return {
    statement: STATEMENT, rule,
    verdict: smallest >= t.fewerSamples ? "holds" : "does not hold",
    numbers: [{ label: "smallest ratio", value: smallest }, ...numbers],
    note: null,
    comparisons,
    points,
  };
}
