/**
 * Conclusion 4 against the adaptive attacker (issue 12, Fig. 6): does "fewer samples n give at
 * least as much practical robustness" survive an attacker who repeats queries? Judged on
 * hardened distortions (points verified adversarial at level Pa), from the Fig. 6 points, with a
 * 95% paired bootstrap interval over images on each deciding ratio (src/stats/bootstrap.ts, the
 * conventions of src/report/conclusions.ts).
 */
import { adaptiveTradeoff, type TradeoffPoint } from "../figures/adaptiveTradeoff.js";
import { attackName, attackRank, formatNumber } from "../figures/format.js";
import type { AttackInput } from "../figures/inputs.js";
import { createRandom } from "../rng/xoshiro.js";
import { pairedBootstrap, unitIndex } from "../stats/bootstrap.js";
import {
  BOOTSTRAP_SETTINGS, CONCLUSION_THRESHOLDS, combine, type BootstrapSettings, type ConclusionThresholds, type DecidingNumber, type Verdict,
} from "./conclusions.js";

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
  /**
   * 95% paired bootstrap interval of `ratio` over the common images; in each resample the attacker
   * picks its best K at each n again, on the resampled images.
   */
  readonly low: number;
  readonly high: number;
}

/** Conclusion 4 against the adaptive attacker (Fig. 6): the comparison and its verdict. */
export interface AdaptiveConclusion {
  readonly statement: string;
  readonly rule: string;
  readonly verdict: Verdict;
  readonly numbers: readonly DecidingNumber[];
  readonly note: string | null;
  /** For an inconclusive verdict: roughly how many images per comparison would make every interval clear the threshold (null otherwise, or when an estimate sits on it). */
  readonly imagesNeeded: number | null;
  /** The bootstrap behind the intervals. */
  readonly bootstrap: BootstrapSettings;
  readonly comparisons: readonly AdaptiveComparison[];
  /** The Fig. 6 points the verdict was read from. */
  readonly points: readonly TradeoffPoint[];
}

/** The key of the verdict's random stream under the bootstrap seed: a stream of its own beside conclusions 1-5's (keys 1-5). */
export const ADAPTIVE_STREAM = 6;

/**
 * Whether Fig. 6's points hold an attacker who repeats queries (a point at K > 1). Only then are Fig. 6
 * and its verdict shown: label-rule cells alone (PopSkipJump in a paper grid) are one more attack of
 * conclusion 4.
 */
export function hasRepeatingAttacker(points: readonly TradeoffPoint[]): boolean {
  return points.some((p) => p.k > 1);
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
 * conclusion 4). Each group's ratio gets a 95% paired bootstrap interval over its
 * common images (`settings`: seeded, all groups resampled together by image, the best K chosen
 * again in each resample); the verdict "holds" when every group's interval lies at or above the
 * threshold, "does not hold" when any lies below it, otherwise "inconclusive", with a rough count
 * of the images that would decide it. "not enough data" without such groups (no records with repeat:K or label oracles
 * and hardening, none at K > 1 anywhere in the run, or too few common images).
 */
export function adaptiveConclusion(
  attacks: readonly AttackInput[], t: ConclusionThresholds = CONCLUSION_THRESHOLDS, settings: BootstrapSettings = BOOTSTRAP_SETTINGS,
): AdaptiveConclusion {
  const rule =
    `in every group (smoothed defense, Pa, attack, budget) run at two n or more, on the images hardened at every K of both the smallest and the largest n (>= ${t.minImages} of them): ` +
    `the attacker's best K at each n (smallest mean hardened distortion on those images), and the ratio best distortion at the smallest n / best distortion at the largest n, ` +
    `with its 95% paired bootstrap interval over images (${settings.resamples} resamples, seed ${settings.seed}, the best K chosen again in each resample): ` +
    `holds when every group's interval lies at or above ${t.fewerSamples}, does not hold when any group's interval lies below it, otherwise inconclusive`;
  const points = adaptiveTradeoff(attacks);
  // Without a point at K > 1 the run has no attacker who repeats queries: its label-rule cells (e.g.
  // PopSkipJump in a paper grid) are judged by conclusion 4 itself, not restated here as Fig. 6's verdict.
  if (!hasRepeatingAttacker(points)) {
    const note = points.length === 0
      ? "no records of a smoothed defense attacked through a label or repeat:K oracle with hardening (run experiments/adaptive-fashion-mnist.json)"
      : "no records attacked through a repeat:K oracle with K > 1: the run has no attacker who repeats queries (its label-rule cells are judged by conclusion 4; run experiments/adaptive-fashion-mnist.json)";
    return { statement: STATEMENT, rule, verdict: "not enough data", numbers: [], note, imagesNeeded: null, bootstrap: settings, comparisons: [], points };
  }
  const groups = new Map<string, TradeoffPoint[]>();
  for (const p of points) {
    if (p.meanDistortion === null) continue;
    const key = JSON.stringify([p.defense, p.pa, p.attack, p.norm, p.budget]);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const found: { comparison: Omit<AdaptiveComparison, "low" | "high">; ends: BootstrapEnds }[] = [];
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
    const distortions = (n: number) => compared.filter((q) => q.n === n).map((q) => new Map(q.byImage.filter((x) => common.has(x.image)).map((x) => [x.image, x.distortion])));
    found.push({
      comparison: { defense, pa, attack, norm, budget, images: common.size, fewer, more, ratio: fewer.meanDistortion / more.meanDistortion },
      ends: { images: [...common].sort((a, b) => a - b), fewer: distortions(ns[0]), more: distortions(ns[ns.length - 1]) },
    });
  }
  const intervals = found.length ? intervalsOf(found.map((f) => f.ends), settings) : [];
  const comparisons: AdaptiveComparison[] = found.map((f, i) => ({ ...f.comparison, low: intervals[i].low, high: intervals[i].high }));
  // Reading order: defense, Pa, the paper's order of the attacks, budgets ascending.
  comparisons.sort((a, b) => a.defense.localeCompare(b.defense) || a.pa - b.pa || attackRank(a.attack) - attackRank(b.attack) || a.attack.localeCompare(b.attack) || a.budget - b.budget);
  if (comparisons.length === 0) {
    // (No points at all returned above: a run without them has no point at K > 1 either.)
    const note = `no (defense, Pa, attack, budget) at two values of n or more with >= ${t.minImages} images hardened at every K of both`;
    return { statement: STATEMENT, rule, verdict: "not enough data", numbers: [], note, imagesNeeded: null, bootstrap: settings, comparisons, points };
  }
  const numbers = comparisons.map((c) => ({
    label: `${c.defense} Pa=${c.pa} ${attackName(c.attack)} budget ${c.budget}, ${c.images} images: ${c.norm === "l2" ? "L2" : "Linf"}(n=${c.fewer.n}, best K=${c.fewer.k}: ${formatNumber(c.fewer.meanDistortion, 3)}) / ` +
      `${c.norm === "l2" ? "L2" : "Linf"}(n=${c.more.n}, best K=${c.more.k}: ${formatNumber(c.more.meanDistortion, 3)})`,
    value: c.ratio, low: c.low, high: c.high, images: c.images,
  }));
  // The group nearest to failing first: the smallest lower bound.
  numbers.sort((a, b) => a.low - b.low);
  const { verdict, imagesNeeded } = combine(comparisons.map((c) => ({
    interval: { estimate: c.ratio, low: c.low, high: c.high, finite: 0 }, images: c.images, side: { atLeast: t.fewerSamples },
  })));
  return {
    statement: STATEMENT, rule, verdict, numbers,
    note: null,
    imagesNeeded,
    bootstrap: settings,
    comparisons,
    points,
  };
}

/** One comparison's hardened distortions on its common images, per K, at the smallest and the largest n. */
interface BootstrapEnds {
  readonly images: readonly number[];
  readonly fewer: readonly ReadonlyMap<number, number>[];
  readonly more: readonly ReadonlyMap<number, number>[];
}

/**
 * 95% paired bootstrap intervals of every comparison's ratio, from the same resamples of the
 * images (indexed by image number across comparisons, as src/report/conclusions.ts does): in each
 * resample, at each n the smallest weighted mean over K, then their ratio.
 */
function intervalsOf(ends: readonly BootstrapEnds[], settings: BootstrapSettings) {
  // Slots in ascending image order: the same records in any order give the same intervals.
  const index = unitIndex(ends.flatMap((e) => [...e.images]));
  const at = ends.map((e) => {
    const slots = Int32Array.from(e.images, (image) => index.get(image) as number);
    const values = (byK: readonly ReadonlyMap<number, number>[]) => byK.map((m) => Float64Array.from(e.images, (image) => m.get(image) as number));
    return { slots, fewer: values(e.fewer), more: values(e.more) };
  });
  const bestMean = (slots: Int32Array, byK: readonly Float64Array[], w: ArrayLike<number>) => {
    let best = Infinity;
    for (const xs of byK) {
      let sum = 0, total = 0;
      for (let i = 0; i < slots.length; i++) {
        sum += w[slots[i]] * xs[i];
        total += w[slots[i]];
      }
      if (total > 0) best = Math.min(best, sum / total);
    }
    return best;
  };
  return pairedBootstrap(index.size, at.length, (w, out) => {
    at.forEach((a, k) => {
      const fewer = bestMean(a.slots, a.fewer, w), more = bestMean(a.slots, a.more, w);
      out[k] = Number.isFinite(fewer) && more > 0 ? fewer / more : NaN;
    });
  }, createRandom(settings.seed, ADAPTIVE_STREAM), settings);
}
