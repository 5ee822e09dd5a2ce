import { mayBeRandom } from "../attacks/record.js";
import { certifiedRadiusOf } from "../figures/certifiedAccuracy.js";
import { distortionVsAccuracy, type DistortionPoint } from "../figures/distortionAccuracy.js";
import type { AccuracyInput, AttackInput, CertificationInput } from "../figures/inputs.js";
import { DISTORTION_MEASURES, distortionOf, type DistortionMeasure } from "../figures/measure.js";
import { practicalToCertified, type RatioRow } from "../figures/ratioTable.js";
import { STRONGEST, strongestAttacks } from "../figures/strongest.js";
import { attacksAtSeveralBudgets, budgetSuffix, formatNumber } from "../figures/format.js";
import { median } from "../figures/summary.js";
import { createRandom } from "../rng/xoshiro.js";
import type { Random } from "../rng/random.js";
import { BOOTSTRAP_DEFAULTS, imagesToClear, pairedBootstrap, unitIndex, weightedMedianSorted, weightedRatio, type BootstrapInterval } from "../stats/bootstrap.js";
import { cellsOf, type PairedCell } from "./paired.js";
import { CONCLUSION_THRESHOLDS, groupBy, type ConclusionThresholds, type DecidingNumber, type Verdict } from "./rules.js";

export { CONCLUSION_THRESHOLDS, groupBy, type ConclusionThresholds, type DecidingNumber, type Verdict };


/** One of the paper's five conclusions evaluated on a run's records. */
export interface ConclusionResult {
  readonly id: 1 | 2 | 3 | 4 | 5;
  /** The conclusion as docs/paper.md states it. */
  readonly statement: string;
  /** The rule applied, with its thresholds and how its groups combine. */
  readonly rule: string;
  readonly verdict: Verdict;
  /** The paired numbers the verdict reads, with their intervals. */
  readonly numbers: readonly DecidingNumber[];
  /** Why there is not enough data, or what was left out. */
  readonly note: string | null;
  /** The distortions the verdict was judged on (src/figures/measure.ts, or the per-image strongest attack). */
  readonly measure: ConclusionMeasure;
  /** For an inconclusive verdict: roughly how many images per cell would make every interval clear its threshold (null otherwise, or when an estimate sits on its threshold). */
  readonly imagesNeeded: number | null;
  /** The rule applied to whole cells' means over different images (the paper's reading): context, it decides nothing. */
  readonly unpaired: { readonly verdict: Verdict; readonly numbers: readonly DecidingNumber[] };
  /** The bootstrap behind the intervals. */
  readonly bootstrap: BootstrapSettings;
}


/** The records the conclusions read. */
export interface ConclusionInput {
  readonly attacks: readonly AttackInput[];
  readonly accuracies: readonly AccuracyInput[];
  readonly certifications: readonly CertificationInput[];
}

/** The attack family of a registered attack name ("hsja", "surfree", "rays" or the name itself). */
export function attackFamily(name: string): string {
  const n = name.toLowerCase();
  if (/hsja|hop.?skip/.test(n)) return "hsja";
  if (n.includes("surfree")) return "surfree";
  if (n.includes("rays")) return "rays";
  return n;
}

/** The bootstrap behind the intervals: seed, resamples and coverage (recorded with every verdict). */
export interface BootstrapSettings {
  readonly seed: number;
  readonly resamples: number;
  readonly level: number;
}

/** Seed 0, 2000 resamples, 95% percentile intervals (src/stats/bootstrap.ts). */
export const BOOTSTRAP_SETTINGS: BootstrapSettings = { seed: 0, ...BOOTSTRAP_DEFAULTS };

/** The distortions a conclusion is judged on: one of the three measures, or the per-image worst case over attacks (hardened; src/figures/strongest.ts). */
export type ConclusionMeasure = DistortionMeasure | "strongest";

/** The measures in the order tables show them. */
export const CONCLUSION_MEASURES: readonly ConclusionMeasure[] = [...DISTORTION_MEASURES, "strongest"];

/**
 * Evaluates docs/paper.md's five "Conclusions to reproduce" on a run's records, on the
 * distortions of `measure` (shortcut by default: the attacks' final points, as the paper does;
 * see src/figures/measure.ts; "strongest": per image the smallest hardened distortion of any
 * attack, src/figures/strongest.ts).
 *
 * Each rule reads paired numbers: a ratio of two cells' mean L2 over the images both have a
 * distortion in (at least `minImages`), or for conclusion 1 the median of per-image ratios
 * practical / certified. Each number gets a 95% paired bootstrap interval over images
 * (`settings`: seeded, so the same records give the same intervals; one stream per conclusion and
 * measure), and a verdict is "holds" or "does not hold" only when the intervals lie on one side of
 * the thresholds (each rule says how its groups combine), otherwise "inconclusive", with a rough
 * count of the images per cell that would decide it. The rules applied to whole cells' means (over
 * different images) stay beside them as `unpaired`, deciding nothing. A conclusion without the
 * cells it needs is "not enough data", never a guess.
 */
export function evaluateConclusions(
  input: ConclusionInput, thresholds: ConclusionThresholds = CONCLUSION_THRESHOLDS, measure: ConclusionMeasure = "shortcut", settings: BootstrapSettings = BOOTSTRAP_SETTINGS,
): ConclusionResult[] {
  const own = input.attacks.filter((a) => a.attack !== STRONGEST);
  const attacks = measure === "strongest" ? strongestAttacks(own) : own;
  const distortion: DistortionMeasure = measure === "strongest" ? "hardened" : measure;
  const unpaired = unpairedConclusions({ ...input, attacks }, thresholds, distortion);
  const cells = cellsOf(attacks, distortion);
  const several = attacksAtSeveralBudgets(attacks);
  const label = (c: PairedCell) => `${c.attack}${budgetSuffix(c.budget, several.has(c.attack))}`;
  const random = (id: number) => createRandom(settings.seed, id, CONCLUSION_MEASURES.indexOf(measure));
  const ctx: Context = { cells, label, thresholds, settings, random, measure };
  const paired = [
    paired1(attacks, input.certifications, distortion, ctx),
    paired2(ctx),
    paired3(ctx, unpaired[2]),
    paired4(ctx),
    paired5(ctx),
  ];
  return paired.map((p, i) => ({ ...p, unpaired: { verdict: unpaired[i].verdict, numbers: unpaired[i].numbers }, measure, bootstrap: settings }));
}

/** A cell of the unpaired rules: a Fig. 5 point under one measure, with its attack's label ("hsja", or "hsja @6000" when it ran at several budgets). */
type Cell = DistortionPoint & { readonly label: string };

/** The rules applied to whole cells' mean L2 (the paper's reading, over different images): context for the paired verdicts. */
function unpairedConclusions(input: ConclusionInput, thresholds: ConclusionThresholds, measure: DistortionMeasure): Judged[] {
  const several = attacksAtSeveralBudgets(input.attacks);
  const cells = distortionVsAccuracy(input.attacks, input.accuracies)
    .flatMap((c): Cell[] => {
      const m = c.measures[measure];
      return m === null ? [] : [{ ...c, meanL2: m.meanL2, medianL2: m.medianL2, successes: m.count, label: c.attack + budgetSuffix(c.budget, several.has(c.attack)) }];
    })
    .filter((c) => c.meanL2 !== null && c.successes >= thresholds.minImages);
  const rows = practicalToCertified(input.attacks, input.certifications)
    .flatMap((r): RatioRow[] => (r.measures[measure] === null ? [] : [{ ...r, ...r.measures[measure]! }]));
  return [
    conclusion1(rows, several, thresholds),
    conclusion2(cells, thresholds),
    conclusion3(cells, thresholds),
    conclusion4(cells, thresholds),
    conclusion5(cells, thresholds),
  ];
}

/** What the paired rules share. */
interface Context {
  readonly cells: readonly PairedCell[];
  readonly label: (c: PairedCell) => string;
  readonly thresholds: ConclusionThresholds;
  readonly settings: BootstrapSettings;
  readonly random: (conclusion: number) => Random;
  readonly measure: ConclusionMeasure;
}

/** A paired verdict before the unpaired context, the measure and the settings are attached. */
type PairedJudged = Omit<ConclusionResult, "measure" | "unpaired" | "bootstrap">;

/** Two cells' distortions on their common images, images as indices into the comparison's list. */
interface Pair {
  readonly label: string;
  readonly images: Int32Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
}

/** A number the verdict reads: which pair, or the median over which pairs. */
interface Statistic {
  readonly label: string;
  readonly pairs: readonly number[];
  /** A single pair's ratio, or the median over the pairs' ratios. */
  readonly kind: "ratio" | "median";
}

/** How an interval is judged against a rule's threshold(s). */
export type Side = { readonly atLeast: number } | { readonly atMost: number } | { readonly within: readonly [number, number] };

/** A statistic's interval, the images behind it (the fewest of its pairs), and its side of the rule. */
export interface Check {
  readonly interval: BootstrapInterval;
  readonly images: number;
  readonly side: Side;
}

/** Pairs of cells on their common images, with the image list they index into; pairs under `minImages` images are dropped (null). */
function pairsOf(specs: readonly { label: string; a: PairedCell; b: PairedCell }[], minImages: number): { pairs: (Pair | null)[]; size: number } {
  // Each pair's common images in ascending order, and slots in ascending image order: the same records in any order give the same intervals.
  const common = specs.map(({ a, b }) => [...a.distortion.keys()].filter((image) => b.distortion.has(image)).sort((x, y) => x - y));
  const index = unitIndex(common.flat());
  const pairs = specs.map(({ label, a, b }, k) => {
    const images = common[k];
    const xb = Float64Array.from(images, (image) => b.distortion.get(image) as number);
    return images.length >= minImages && xb.some((y) => y > 0)
      ? { label, images: Int32Array.from(images, (image) => index.get(image) as number), a: Float64Array.from(images, (image) => a.distortion.get(image) as number), b: xb }
      : null;
  });
  return { pairs, size: index.size };
}

/** Bootstrap intervals of the statistics (each a pair's ratio of means or the median over pairs' ratios), all from the same resamples. */
function intervalsOf(pairs: readonly Pair[], size: number, statistics: readonly Statistic[], random: Random, settings: BootstrapSettings): BootstrapInterval[] {
  const ratios = new Float64Array(pairs.length);
  return pairedBootstrap(size, statistics.length, (w, out) => {
    for (let k = 0; k < pairs.length; k++) ratios[k] = weightedRatio(pairs[k].images, pairs[k].a, pairs[k].b, w);
    statistics.forEach((s, i) => {
      if (s.kind === "ratio") out[i] = ratios[s.pairs[0]];
      else out[i] = median(s.pairs.map((k) => ratios[k]).filter(Number.isFinite)) ?? NaN;
    });
  }, random, settings);
}

/** Where an interval lies against a side of a rule: entirely on the passing side, entirely on the failing side, or across. */
function sideOf(interval: BootstrapInterval, side: Side): "pass" | "fail" | "across" {
  const { low, high } = interval;
  if (!Number.isFinite(low) || !Number.isFinite(high)) return "across";
  if ("atLeast" in side) return low >= side.atLeast ? "pass" : high < side.atLeast ? "fail" : "across";
  if ("atMost" in side) return high <= side.atMost ? "pass" : low > side.atMost ? "fail" : "across";
  const [lo, hi] = side.within;
  return low >= lo && high <= hi ? "pass" : high < lo || low > hi ? "fail" : "across";
}

/** The thresholds an interval lying across a side crosses. */
function crossed(interval: BootstrapInterval, side: Side): number[] {
  const bounds = "atLeast" in side ? [side.atLeast] : "atMost" in side ? [side.atMost] : [...side.within];
  return bounds.filter((t) => interval.low <= t && interval.high >= t);
}

/**
 * The verdict of a rule that needs every check to pass: "does not hold" when any check's interval
 * lies entirely on the failing side, "holds" when every one lies on the passing side, otherwise
 * "inconclusive", with the images per cell that would make every interval across a threshold
 * clear it (the largest of imagesToClear; null when an estimate sits on its threshold).
 */
export function combine(checks: readonly Check[], extra: "pass" | "fail" = "pass"): { verdict: Verdict; imagesNeeded: number | null } {
  const sides = checks.map((c) => sideOf(c.interval, c.side));
  if (extra === "fail" || sides.includes("fail")) return { verdict: "does not hold", imagesNeeded: null };
  if (sides.every((s) => s === "pass")) return { verdict: "holds", imagesNeeded: null };
  let needed: number | null = 0;
  checks.forEach((c, i) => {
    if (sides[i] !== "across") return;
    for (const t of crossed(c.interval, c.side)) {
      const m = imagesToClear(c.interval, t, c.images);
      needed = m === null || needed === null ? null : Math.max(needed, m);
    }
  });
  return { verdict: "inconclusive", imagesNeeded: needed === 0 ? null : needed };
}

/** A statistic as a deciding number. */
function numberOf(s: Statistic, interval: BootstrapInterval, images: number): DecidingNumber {
  return { label: s.label, value: interval.estimate, low: interval.low, high: interval.high, images };
}

/** The fewest images of the statistic's pairs. */
function imagesOf(s: Statistic, pairs: readonly Pair[]): number {
  return Math.min(...s.pairs.map((k) => countImages(pairs[k])));
}

function countImages(p: Pair): number {
  return p.images.length;
}

const INTERVAL_NOTE = "95% paired bootstrap intervals over images";

function paired1(attacks: readonly AttackInput[], certifications: readonly CertificationInput[], measure: DistortionMeasure, ctx: Context): PairedJudged {
  const t = ctx.thresholds;
  const statement = "Practical distortions are far larger (>= 30x) than certified radii.";
  const rule = `per smoothed defense point and attack with >= ${t.minImages} images having both a distortion and a correct certificate, the median per-image ratio ||x_a - x_o|| / R(x_o), with its ${INTERVAL_NOTE}: holds when every row's interval lies at or above ${t.ratio}, does not hold when any row's interval lies below it, otherwise inconclusive`;
  const radius = new Map<string, number>();
  for (const c of certifications) radius.set(JSON.stringify([c.defense, c.image]), certifiedRadiusOf(c));
  const several = attacksAtSeveralBudgets(attacks);
  const rows = new Map<string, { label: string; values: { image: number; ratio: number }[] }>();
  for (const a of attacks) {
    if (a.defense.sigma === null || !certifications.some((c) => c.defense === a.defense.name)) continue;
    const x = distortionOf(a, measure);
    const r = radius.get(JSON.stringify([a.defense.name, a.image]));
    if (x === null || r === undefined || !(r > 0)) continue;
    const key = JSON.stringify([a.defense.id, a.attack, a.budget ?? null]);
    const row = rows.get(key) ?? { label: `median ratio, ${a.defense.id} / ${a.attack}${budgetSuffix(a.budget, several.has(a.attack))}`, values: [] };
    row.values.push({ image: a.image, ratio: x / r });
    rows.set(key, row);
  }
  const kept = [...rows.values()].filter((r) => r.values.length >= t.minImages);
  if (kept.length === 0) return notEnoughPaired(1, statement, rule, "no smoothed defense with both certified radii and distortions on enough images");
  // Slots in ascending image order (the same records in any order give the same intervals); ties of ratios by image.
  const index = unitIndex(kept.flatMap((r) => r.values.map((v) => v.image)));
  const sorted = kept.map((r) => {
    const v = [...r.values].sort((p, q) => p.ratio - q.ratio || p.image - q.image);
    return { label: r.label, ratios: Float64Array.from(v.map((p) => p.ratio)), images: Int32Array.from(v.map((p) => index.get(p.image) as number)) };
  });
  const intervals = pairedBootstrap(index.size, sorted.length + 1, (w, out) => {
    let smallest = Infinity;
    sorted.forEach((r, i) => {
      out[i] = weightedMedianSorted(r.ratios, r.images, w);
      if (Number.isFinite(out[i])) smallest = Math.min(smallest, out[i]);
    });
    out[sorted.length] = Number.isFinite(smallest) ? smallest : NaN;
  }, ctx.random(1), ctx.settings);
  const checks = sorted.map((r, i) => ({ interval: intervals[i], images: r.ratios.length, side: { atLeast: t.ratio } }));
  const { verdict, imagesNeeded } = combine(checks);
  const fewest = Math.min(...sorted.map((r) => r.ratios.length));
  return {
    id: 1, statement, rule, verdict, imagesNeeded,
    numbers: [
      numberOf({ label: "smallest median ratio", pairs: [], kind: "median" }, intervals[sorted.length], fewest),
      ...sorted.map((r, i) => numberOf({ label: r.label, pairs: [], kind: "median" }, intervals[i], r.ratios.length)),
    ],
    note: null,
  };
}

function paired2(ctx: Context): PairedJudged {
  const t = ctx.thresholds;
  const strongest = ctx.measure === "strongest";
  const statement = "Even a small sigma multiplies HSJA/SurFree distortion (x2-3); RayS is barely affected.";
  const rule = strongest
    ? `factor = median over the (n, Pa) points of RS at the smallest sigma of the paired ratio mean L2 / mean L2 without defense (on the images both have), for the per-image strongest attack, with its ${INTERVAL_NOTE}: holds when the interval lies at or above ${t.multiplied} (RS multiplies the worst case), does not hold when it lies below, otherwise inconclusive`
    : `per attack, factor = median over the (n, Pa) points of RS at the smallest sigma of the paired ratio mean L2 / mean L2 without defense (on the images both have), with its ${INTERVAL_NOTE}: holds when every HSJA and SurFree interval lies at or above ${t.multiplied} and every RayS interval at or below ${t.barelyAffected}, does not hold when any interval lies entirely on the wrong side, otherwise inconclusive`;
  const rs = ctx.cells.filter((c) => c.kind === "rs" && c.sigma !== null);
  const none = ctx.cells.filter((c) => c.kind === "none" && !c.random);
  if (rs.length === 0 || none.length === 0) return notEnoughPaired(2, statement, rule, "needs attacks both without defense and against RS");
  const sigma = Math.min(...rs.map((c) => c.sigma as number));
  const families = strongest ? [STRONGEST] : ["hsja", "surfree", "rays"];
  const specs: { label: string; a: PairedCell; b: PairedCell }[] = [];
  const groups: { family: string; label: string; specs: number[] }[] = [];
  for (const family of families) {
    const base = none.find((c) => attackFamily(c.attack) === family);
    if (!base) continue;
    const smoothed = rs.filter((c) => c.sigma === sigma && c.attack === base.attack && c.budget === base.budget);
    const at = smoothed.map((c) => specs.push({ label: `n=${c.n} Pa=${c.pa}${rule2(c)} ${ctx.label(c)}: L2(σ=${fmt(sigma)}) / L2(none)`, a: c, b: base }) - 1);
    if (at.length) groups.push({ family, label: `${ctx.label(base)}: median over (n, Pa) of L2(σ=${fmt(sigma)}) / L2(none)`, specs: at });
  }
  const { pairs, size } = pairsOf(specs, t.minImages);
  const judged = groups.map((g) => ({ ...g, pairs: g.specs.filter((k) => pairs[k] !== null) })).filter((g) => g.pairs.length > 0);
  if (!judged.some((g) => g.family !== "rays")) return notEnoughPaired(2, statement, rule, `needs ${strongest ? "the strongest attack" : "HSJA or SurFree"} both without defense and against RS on >= ${t.minImages} common images`);
  const kept = compact(pairs);
  const statistics: Statistic[] = [
    ...judged.map((g) => ({ label: g.label, pairs: g.pairs.map((k) => kept.at(k)), kind: "median" as const })),
    ...kept.list.map((p, i) => ({ label: p.label, pairs: [i], kind: "ratio" as const })),
  ];
  const intervals = intervalsOf(kept.list, size, statistics, ctx.random(2), ctx.settings);
  const checks = judged.map((g, i) => ({ interval: intervals[i], images: imagesOf(statistics[i], kept.list), side: g.family === "rays" ? { atMost: t.barelyAffected } : { atLeast: t.multiplied } }));
  const { verdict, imagesNeeded } = combine(checks);
  return {
    id: 2, statement, rule, verdict, imagesNeeded,
    numbers: statistics.map((s, i) => numberOf(s, intervals[i], imagesOf(s, kept.list))),
    note: strongest ? "under the strongest attack the rule reads the first half (RS multiplies the attacker's distortion); RayS's half is per attack" : judged.some((g) => g.family === "rays") ? null : "RayS was not run: only the HSJA/SurFree half is tested",
  };
}

function paired3(ctx: Context, unpaired: Judged): PairedJudged {
  const t = ctx.thresholds;
  const statement = "A larger sigma costs accuracy and buys no extra practical robustness.";
  const rule = `between the smallest and the largest sigma of RS: the accuracy (mean over n, on the accuracy set) must be lower at the larger sigma, and per attack the median over (n, Pa) of the paired ratio mean L2 at the larger sigma / at the smaller (cells matched on n, Pa, oracle rule and budget, on the images both have), with its ${INTERVAL_NOTE}, is compared with ${t.noExtraRobustness}: holds when the accuracy is lower and every interval lies at or below ${t.noExtraRobustness}, does not hold when the accuracy is not lower or any interval lies above it, otherwise inconclusive`;
  const rs = ctx.cells.filter((c) => c.kind === "rs" && c.sigma !== null);
  const sigmas = [...new Set(rs.map((c) => c.sigma as number))].sort((a, b) => a - b);
  if (sigmas.length < 2) return notEnoughPaired(3, statement, rule, "needs RS at two sigmas or more");
  const [small, large] = [sigmas[0], sigmas[sigmas.length - 1]];
  const [accSmall, accLarge] = [unpaired.numbers[0]?.value ?? null, unpaired.numbers[1]?.value ?? null];
  const specs: { label: string; a: PairedCell; b: PairedCell }[] = [];
  const groups = new Map<string, number[]>();
  for (const hi of rs.filter((c) => c.sigma === large)) {
    const lo = rs.filter((c) => c.sigma === small && c.attack === hi.attack && c.budget === hi.budget && c.n === hi.n && c.pa === hi.pa && c.oracle === hi.oracle);
    if (lo.length !== 1) continue;
    const k = specs.push({ label: `n=${hi.n} Pa=${hi.pa}${rule2(hi)} ${ctx.label(hi)}: L2(σ=${fmt(large)}) / L2(σ=${fmt(small)})`, a: hi, b: lo[0] }) - 1;
    groups.set(ctx.label(hi), [...(groups.get(ctx.label(hi)) ?? []), k]);
  }
  const { pairs, size } = pairsOf(specs, t.minImages);
  const kept = compact(pairs);
  const judged = [...groups].map(([attack, ks]) => ({ attack, pairs: ks.filter((k) => pairs[k] !== null).map((k) => kept.at(k)) })).filter((g) => g.pairs.length > 0);
  const accuracyNumbers: DecidingNumber[] = [
    { label: `accuracy at σ=${fmt(small)}`, value: accSmall },
    { label: `accuracy at σ=${fmt(large)}`, value: accLarge },
  ];
  if (judged.length === 0 || accSmall === null || accLarge === null) return notEnoughPaired(3, statement, rule, "needs the same attack on >= 3 common images and accuracies at both sigmas", accuracyNumbers);
  const statistics: Statistic[] = [
    ...judged.map((g) => ({ label: `${g.attack}: median over (n, Pa) of L2(σ=${fmt(large)}) / L2(σ=${fmt(small)})`, pairs: g.pairs, kind: "median" as const })),
    ...kept.list.map((p, i) => ({ label: p.label, pairs: [i], kind: "ratio" as const })),
  ];
  const intervals = intervalsOf(kept.list, size, statistics, ctx.random(3), ctx.settings);
  const checks = judged.map((_, i) => ({ interval: intervals[i], images: imagesOf(statistics[i], kept.list), side: { atMost: t.noExtraRobustness } }));
  const { verdict, imagesNeeded } = combine(checks, accLarge < accSmall ? "pass" : "fail");
  return {
    id: 3, statement, rule, verdict, imagesNeeded,
    numbers: [...accuracyNumbers, ...statistics.map((s, i) => numberOf(s, intervals[i], imagesOf(s, kept.list)))],
    note: null,
  };
}

function paired4(ctx: Context): PairedJudged {
  const t = ctx.thresholds;
  const statement = "Fewer samples n give at least as much practical robustness (clearest for SurFree and RayS).";
  const rule = `in every group (smoothed defense, Pa, oracle rule, attack, budget) run at two n or more, the paired ratio mean L2 at the smallest n / at the largest n (on the images both have), with its ${INTERVAL_NOTE}: holds when every group's interval lies at or above ${t.fewerSamples}, does not hold when any group's interval lies below it, otherwise inconclusive`;
  const specs = ends(ctx.cells, "n", (c) => [c.name, c.sigma, c.pa, c.oracle, c.attack, c.budget])
    .map(([fewer, more]) => ({ label: `${fewer.name} Pa=${fewer.pa}${rule2(fewer)} ${ctx.label(fewer)}: L2(n=${fewer.n}) / L2(n=${more.n})`, a: fewer, b: more }));
  const { pairs, size } = pairsOf(specs, t.minImages);
  const kept = compact(pairs);
  if (kept.list.length === 0) return notEnoughPaired(4, statement, rule, `needs a smoothed defense attacked at two values of n or more, on >= ${t.minImages} common images`);
  const statistics: Statistic[] = kept.list.map((p, i) => ({ label: p.label, pairs: [i], kind: "ratio" }));
  const intervals = intervalsOf(kept.list, size, statistics, ctx.random(4), ctx.settings);
  const checks = statistics.map((s, i) => ({ interval: intervals[i], images: imagesOf(s, kept.list), side: { atLeast: t.fewerSamples } }));
  const { verdict, imagesNeeded } = combine(checks);
  const numbers = statistics.map((s, i) => numberOf(s, intervals[i], imagesOf(s, kept.list)));
  // The group nearest to failing first: the smallest lower bound.
  numbers.sort((a, b) => (a.low ?? Infinity) - (b.low ?? Infinity));
  return { id: 4, statement, rule, verdict, imagesNeeded, numbers, note: null };
}

function paired5(ctx: Context): PairedJudged {
  const t = ctx.thresholds;
  const statement = "Pa = 0.8 costs the attacker only a little more distortion than Pa = 0.5.";
  const rule = `over the groups (smoothed defense, n, oracle rule, attack, budget) run at two levels Pa or more, the median of the paired ratios mean L2 at the highest Pa / at the lowest Pa (each on the images both have), with its ${INTERVAL_NOTE}: holds when the interval lies within [${t.levelLow}, ${t.levelHigh}], does not hold when it lies entirely outside, otherwise inconclusive`;
  const specs = ends(ctx.cells, "pa", (c) => [c.name, c.sigma, c.n, c.oracle, c.attack, c.budget])
    .map(([low, high]) => ({ label: `${low.name} n=${low.n}${rule2(low)} ${ctx.label(low)}: L2(Pa=${high.pa}) / L2(Pa=${low.pa})`, a: high, b: low }));
  const { pairs, size } = pairsOf(specs, t.minImages);
  const kept = compact(pairs);
  if (kept.list.length === 0) return notEnoughPaired(5, statement, rule, `needs a smoothed defense attacked at two levels Pa or more, on >= ${t.minImages} common images`);
  const statistics: Statistic[] = [
    { label: "median ratio", pairs: kept.list.map((_, i) => i), kind: "median" },
    ...kept.list.map((p, i) => ({ label: p.label, pairs: [i], kind: "ratio" as const })),
  ];
  const intervals = intervalsOf(kept.list, size, statistics, ctx.random(5), ctx.settings);
  const { verdict, imagesNeeded } = combine([{ interval: intervals[0], images: imagesOf(statistics[0], kept.list), side: { within: [t.levelLow, t.levelHigh] } }]);
  return { id: 5, statement, rule, verdict, imagesNeeded, numbers: statistics.map((s, i) => numberOf(s, intervals[i], imagesOf(s, kept.list))), note: null };
}

/** The non-null pairs, and where each index of `pairs` went. */
function compact(pairs: readonly (Pair | null)[]): { list: Pair[]; at: (k: number) => number } {
  const list: Pair[] = [], where = new Map<number, number>();
  pairs.forEach((p, k) => {
    if (p !== null) where.set(k, list.push(p) - 1);
  });
  return { list, at: (k) => where.get(k) as number };
}

/** In each group of cells equal in everything but `field`, the cells at its smallest and largest value. */
function ends(cells: readonly PairedCell[], field: "n" | "pa", by: (c: PairedCell) => unknown[]): [PairedCell, PairedCell][] {
  return groupBy(cells.filter((c) => c[field] !== null), (c) => JSON.stringify(by(c))).flatMap((group) => {
    const sorted = [...group].sort((x, y) => (x[field] as number) - (y[field] as number));
    const [lo, hi] = [sorted[0], sorted[sorted.length - 1]];
    return lo[field] === hi[field] ? [] : [[lo, hi] as [PairedCell, PairedCell]];
  });
}

const rule2 = (c: PairedCell) => (c.oracle ? ` oracle=${c.oracle}` : "");

function notEnoughPaired(id: ConclusionResult["id"], statement: string, rule: string, note: string, numbers: DecidingNumber[] = []): PairedJudged {
  return { id, statement, rule, verdict: "not enough data", numbers, note, imagesNeeded: null };
}

/** The conclusions on every measure, and which one judges them. */
export interface ConclusionsByMeasure {
  /**
   * The measure the verdicts are judged on: hardened when the records of every smoothed cell
   * carry hardened points (issue 12), otherwise shortcut (older runs), with `missing` saying why.
   * The per-image strongest attack ("strongest") is judged beside it.
   */
  readonly judgedOn: DistortionMeasure;
  /** Results per measure, null for a measure the records did not take (no check of eq. (4), no hardening). */
  readonly results: Readonly<Record<ConclusionMeasure, ConclusionResult[] | null>>;
  /** Why a measure is not available, per measure (null when it is). */
  readonly missing: Readonly<Record<ConclusionMeasure, string | null>>;
}

/** Why no smoothed cell carries `measure` (null when every one does, or when there is no smoothed defense at all). */
function missingMeasure(attacks: readonly AttackInput[], measure: DistortionMeasure): string | null {
  const smoothed = distortionVsAccuracy(attacks.filter((a) => a.defense.sigma !== null && a.attack !== STRONGEST));
  if (smoothed.length === 0 || smoothed.every((c) => c.measures[measure] !== null)) return null;
  const what = measure === "verified" ? "no check of eq. (4) on the final points (attacks[].verify)" : "no hardened points (attacks[].harden, issue 12)";
  const lacking = smoothed.filter((c) => c.measures[measure] === null).length;
  return `${lacking} of ${smoothed.length} smoothed cells have ${what}: ${measure} numbers are not available`;
}

/**
 * The five conclusions on the shortcut, verified and hardened distortions and on the per-image
 * strongest attack side by side: judged on hardened distortions when the records carry them, with
 * the shortcut verdicts kept for comparison with the paper (which reports its attacks' final points).
 */
export function conclusionsByMeasure(input: ConclusionInput, thresholds: ConclusionThresholds = CONCLUSION_THRESHOLDS, settings: BootstrapSettings = BOOTSTRAP_SETTINGS): ConclusionsByMeasure {
  const missing = Object.fromEntries(CONCLUSION_MEASURES.map((m) => [m, missingMeasure(input.attacks, m === "strongest" ? "hardened" : m)])) as Record<ConclusionMeasure, string | null>;
  const results = Object.fromEntries(CONCLUSION_MEASURES.map((m) => [m, missing[m] === null ? evaluateConclusions(input, thresholds, m, settings) : null])) as Record<ConclusionMeasure, ConclusionResult[] | null>;
  return { judgedOn: missing.hardened === null ? "hardened" : "shortcut", results, missing };
}

const fmt = (x: number) => formatNumber(x, 3);

function verdictOf(ok: boolean): Verdict {
  return ok ? "holds" : "does not hold";
}

/** An unpaired conclusion (the rule on whole cells' means). */
interface Judged {
  readonly id: ConclusionResult["id"];
  readonly statement: string;
  readonly rule: string;
  readonly verdict: Verdict;
  readonly numbers: readonly DecidingNumber[];
  readonly note: string | null;
}

function notEnough(id: ConclusionResult["id"], statement: string, rule: string, note: string, numbers: DecidingNumber[] = []): Judged {
  return { id, statement, rule, verdict: "not enough data", numbers, note };
}

function conclusion1(all: readonly RatioRow[], several: ReadonlySet<string>, t: ConclusionThresholds): Judged {
  const statement = "Practical distortions are far larger (>= 30x) than certified radii.";
  const rule = `holds when, for every smoothed defense point and attack with >= ${t.minImages} images having both a successful attack and a correct certificate, the median per-image ratio ||x_a - x_o|| / R(x_o) is >= ${t.ratio}`;
  const rows = all.filter((r) => r.pairs >= t.minImages && r.medianRatio !== null);
  if (rows.length === 0) return notEnough(1, statement, rule, "no smoothed defense with both certified radii and successful attacks on enough images");
  const numbers = rows.map((r) => ({ label: `median ratio, ${r.defense.id} / ${r.attack}${budgetSuffix(r.budget, several.has(r.attack))} (${r.pairs} images)`, value: r.medianRatio }));
  const smallest = Math.min(...rows.map((r) => r.medianRatio as number));
  return {
    id: 1, statement, rule,
    verdict: verdictOf(smallest >= t.ratio),
    numbers: [{ label: "smallest median ratio", value: smallest }, ...numbers],
    note: null,
  };
}

function conclusion2(cells: readonly Cell[], t: ConclusionThresholds): Judged {
  const statement = "Even a small sigma multiplies HSJA/SurFree distortion (x2-3); RayS is barely affected.";
  const rule = `with factor = median over the (n, Pa) points of RS at the smallest sigma of mean L2 / mean L2 without defense: holds when the factor is >= ${t.multiplied} for HSJA and SurFree and <= ${t.barelyAffected} for RayS (each attack that was run)`;
  const rs = cells.filter((c) => c.defense.kind === "rs" && c.defense.sigma !== null);
  // Without defense: a local deterministic model, not a remote endpoint (kind "none" too, but its defense is unknown).
  const none = cells.filter((c) => c.defense.kind === "none" && !mayBeRandom(c.defense));
  if (rs.length === 0 || none.length === 0) return notEnough(2, statement, rule, "needs attacks both without defense and against RS");
  const sigma = Math.min(...rs.map((c) => c.defense.sigma as number));
  const numbers: DecidingNumber[] = [];
  let ok = true, strong = 0;
  for (const family of ["hsja", "surfree", "rays"]) {
    const base = none.find((c) => attackFamily(c.attack) === family);
    // At the budget the attack had without defense (one attack may run at several budgets).
    const smoothed = rs.filter((c) => c.defense.sigma === sigma && attackFamily(c.attack) === family && c.budget === base?.budget);
    if (!base || smoothed.length === 0) continue;
    const factor = median(smoothed.map((c) => (c.meanL2 as number) / (base.meanL2 as number))) as number;
    numbers.push({ label: `${base.attack}: RS σ=${fmt(sigma)} / none (${smoothed.length} points)`, value: factor });
    if (family === "rays") ok &&= factor <= t.barelyAffected;
    else { ok &&= factor >= t.multiplied; strong++; }
  }
  if (strong === 0) return notEnough(2, statement, rule, "needs HSJA or SurFree both without defense and against RS", numbers);
  return { id: 2, statement, rule, verdict: verdictOf(ok), numbers, note: numbers.some((n) => n.label.startsWith("rays")) ? null : "RayS was not run: only the HSJA/SurFree half is tested" };
}

function conclusion3(cells: readonly Cell[], t: ConclusionThresholds): Judged {
  const statement = "A larger sigma costs accuracy and buys no extra practical robustness.";
  const rule = `between the smallest and the largest sigma of RS: holds when the accuracy (mean over n) is lower at the larger sigma and, for every attack, the median over (n, Pa) of mean L2 at the larger sigma is <= ${t.noExtraRobustness} x that at the smaller sigma`;
  const rs = cells.filter((c) => c.defense.kind === "rs" && c.defense.sigma !== null);
  const sigmas = [...new Set(rs.map((c) => c.defense.sigma as number))].sort((a, b) => a - b);
  if (sigmas.length < 2) return notEnough(3, statement, rule, "needs RS at two sigmas or more");
  const [small, large] = [sigmas[0], sigmas[sigmas.length - 1]];
  const accuracy = (sigma: number): number | null => {
    const byDefense = new Map(rs.filter((c) => c.defense.sigma === sigma && c.accuracy !== null).map((c) => [c.defense.id, c.accuracy as number]));
    return byDefense.size ? [...byDefense.values()].reduce((s, a) => s + a, 0) / byDefense.size : null;
  };
  const [accSmall, accLarge] = [accuracy(small), accuracy(large)];
  const numbers: DecidingNumber[] = [
    { label: `accuracy at σ=${fmt(small)}`, value: accSmall },
    { label: `accuracy at σ=${fmt(large)}`, value: accLarge },
  ];
  let ok = accSmall !== null && accLarge !== null && accLarge < accSmall;
  let compared = 0;
  for (const attack of [...new Set(rs.map((c) => c.label))]) {
    const at = (sigma: number) => median(rs.filter((c) => c.label === attack && c.defense.sigma === sigma).map((c) => c.meanL2 as number));
    const [l2Small, l2Large] = [at(small), at(large)];
    if (l2Small === null || l2Large === null) continue;
    const ratio = l2Large / l2Small;
    numbers.push({ label: `${attack}: mean L2 at σ=${fmt(large)} / at σ=${fmt(small)}`, value: ratio });
    ok &&= ratio <= t.noExtraRobustness;
    compared++;
  }
  if (compared === 0 || accSmall === null || accLarge === null) return notEnough(3, statement, rule, "needs the same attack and accuracies at both sigmas", numbers);
  return { id: 3, statement, rule, verdict: verdictOf(ok), numbers, note: null };
}

function conclusion4(cells: readonly Cell[], t: ConclusionThresholds): Judged {
  const statement = "Fewer samples n give at least as much practical robustness (clearest for SurFree and RayS).";
  const rule = `in every group (smoothed defense, Pa, attack) run at two n or more: holds when mean L2 at the smallest n / mean L2 at the largest n is >= ${t.fewerSamples}`;
  const groups = groupBy(
    cells.filter((c) => c.defense.n !== null),
    (c) => JSON.stringify([c.defense.name, c.defense.pa, c.defense.oracle ?? null, c.label]),
  );
  const numbers: DecidingNumber[] = [];
  let ok = true;
  for (const group of groups) {
    const ns = [...new Set(group.map((c) => c.defense.n as number))].sort((a, b) => a - b);
    if (ns.length < 2) continue;
    const at = (n: number) => group.find((c) => c.defense.n === n)?.meanL2 as number;
    const ratio = at(ns[0]) / at(ns[ns.length - 1]);
    numbers.push({ label: `${group[0].defense.name} Pa=${group[0].defense.pa}${ruleSuffix(group[0])} ${group[0].label}: L2(n=${ns[0]}) / L2(n=${ns[ns.length - 1]})`, value: ratio });
    ok &&= ratio >= t.fewerSamples;
  }
  if (numbers.length === 0) return notEnough(4, statement, rule, "needs a smoothed defense attacked at two values of n or more");
  return { id: 4, statement, rule, verdict: verdictOf(ok), numbers, note: null };
}

function conclusion5(cells: readonly Cell[], t: ConclusionThresholds): Judged {
  const statement = "Pa = 0.8 costs the attacker only a little more distortion than Pa = 0.5.";
  const rule = `over the groups (smoothed defense, n, attack) run at two levels Pa or more: holds when the median of mean L2 at the highest Pa / mean L2 at the lowest Pa lies in [${t.levelLow}, ${t.levelHigh}]`;
  const groups = groupBy(
    cells.filter((c) => c.defense.pa !== null),
    (c) => JSON.stringify([c.defense.name, c.defense.n, c.defense.oracle ?? null, c.label]),
  );
  const numbers: DecidingNumber[] = [];
  for (const group of groups) {
    const pas = [...new Set(group.map((c) => c.defense.pa as number))].sort((a, b) => a - b);
    if (pas.length < 2) continue;
    const at = (pa: number) => group.find((c) => c.defense.pa === pa)?.meanL2 as number;
    numbers.push({
      label: `${group[0].defense.name} n=${group[0].defense.n}${ruleSuffix(group[0])} ${group[0].label}: L2(Pa=${pas[pas.length - 1]}) / L2(Pa=${pas[0]})`,
      value: at(pas[pas.length - 1]) / at(pas[0]),
    });
  }
  if (numbers.length === 0) return notEnough(5, statement, rule, "needs a smoothed defense attacked at two levels Pa or more");
  const m = median(numbers.map((n) => n.value as number)) as number;
  return {
    id: 5, statement, rule,
    verdict: verdictOf(m >= t.levelLow && m <= t.levelHigh),
    numbers: [{ label: "median ratio", value: m }, ...numbers],
    note: null,
  };
}

/** " oracle=repeat:3" for a cell whose oracle is not the paper's shortcut, "" otherwise. */
function ruleSuffix(c: Cell): string {
  return c.defense.oracle === undefined ? "" : ` oracle=${c.defense.oracle}`;
}

