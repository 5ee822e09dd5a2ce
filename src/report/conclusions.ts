import { mayBeRandom } from "../attacks/record.js";
import { distortionVsAccuracy, type DistortionPoint } from "../figures/distortionAccuracy.js";
import type { AccuracyInput, AttackInput, CertificationInput } from "../figures/inputs.js";
import { DISTORTION_MEASURES, type DistortionMeasure } from "../figures/measure.js";
import { practicalToCertified, type RatioRow } from "../figures/ratioTable.js";
import { attacksAtSeveralBudgets, budgetSuffix, formatNumber } from "../figures/format.js";
import { median } from "../figures/summary.js";

/** The verdict on one of the paper's conclusions for one run. */
export type Verdict = "holds" | "does not hold" | "not enough data";

/** A number that decides a verdict, with what it is. */
export interface DecidingNumber {
  readonly label: string;
  readonly value: number | null;
}

/** One of the paper's five conclusions evaluated on a run's records. */
export interface ConclusionResult {
  readonly id: 1 | 2 | 3 | 4 | 5;
  /** The conclusion as docs/paper.md states it. */
  readonly statement: string;
  /** The rule applied, with its thresholds. */
  readonly rule: string;
  readonly verdict: Verdict;
  readonly numbers: readonly DecidingNumber[];
  /** Why there is not enough data, or what was left out. */
  readonly note: string | null;
  /** The distortions the verdict was judged on (src/figures/measure.ts). */
  readonly measure: DistortionMeasure;
}

/**
 * The thresholds of the rules. They turn the paper's words into numbers; the paper's own values
 * (docs/paper.md "Reference numbers") are given beside each so a reader can judge them.
 */
export const CONCLUSION_THRESHOLDS = {
  /** Fewest successful attacks (or image pairs) for a cell to count. */
  minImages: 3,
  /** 1: "far larger (>= 30x)": every row's median per-image ratio practical / certified >= 30 (paper: 14.4 / 0.143 ~ 100 for RayS at sigma 0.05). */
  ratio: 30,
  /** 2: "multiplies HSJA/SurFree distortion (x2-3)": factor >= 1.5 (paper: 46.6 / 17.5 = 2.7 and 33.7 / 15.8 = 2.1). */
  multiplied: 1.5,
  /** 2: "RayS is barely affected": factor <= 1.3 (paper: 14.4-16.4 / 13.4 = 1.07-1.22). */
  barelyAffected: 1.3,
  /** 3: "buys no extra practical robustness": large-sigma distortion <= 1.1 x small-sigma distortion (paper: 34.4-38.8 vs 46.6-48.8 for HSJA). */
  noExtraRobustness: 1.1,
  /** 4: "fewer samples give at least as much robustness": L2(smallest n) / L2(largest n) >= 0.9 in every group (0.1 for sampling noise). */
  fewerSamples: 0.9,
  /** 5: "Pa = 0.8 costs only a little more": median L2(highest Pa) / L2(lowest Pa) within [0.95, 1.5]. */
  levelLow: 0.95,
  levelHigh: 1.5,
} as const;

/** The numeric rules of the five conclusions (see CONCLUSION_THRESHOLDS). */
export type ConclusionThresholds = { readonly [K in keyof typeof CONCLUSION_THRESHOLDS]: number };

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

/**
 * Evaluates docs/paper.md's five "Conclusions to reproduce" on a run's records, on the
 * distortions of `measure` (shortcut by default: the attacks' final points, as the paper does;
 * see src/figures/measure.ts). Each rule compares mean L2 distortions (over the images with a
 * distortion under the measure, see distortionVsAccuracy) of cells with at least `minImages` of
 * them, or per-image practical / certified ratios (see practicalToCertified). Cells whose records
 * did not take the measure are left out. A conclusion without the cells it needs is "not enough
 * data", never a guess.
 */
export function evaluateConclusions(input: ConclusionInput, thresholds: ConclusionThresholds = CONCLUSION_THRESHOLDS, measure: DistortionMeasure = "shortcut"): ConclusionResult[] {
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
  ].map((c) => ({ ...c, measure }));
}

/** A cell of the rules: a Fig. 5 point under one measure, with its attack's label ("hsja", or "hsja @6000" when it ran at several budgets). */
type Cell = DistortionPoint & { readonly label: string };

/** The conclusions on every measure, and which one judges them. */
export interface ConclusionsByMeasure {
  /**
   * The measure the verdicts are judged on: hardened when the records of every smoothed cell
   * carry hardened points (issue 12), otherwise shortcut (older runs), with `missing` saying why.
   */
  readonly judgedOn: DistortionMeasure;
  /** Results per measure, null for a measure the records did not take (no check of eq. (4), no hardening). */
  readonly results: Readonly<Record<DistortionMeasure, ConclusionResult[] | null>>;
  /** Why a measure is not available, per measure (null when it is). */
  readonly missing: Readonly<Record<DistortionMeasure, string | null>>;
}

/** Why no smoothed cell carries `measure` (null when every one does, or when there is no smoothed defense at all). */
function missingMeasure(attacks: readonly AttackInput[], measure: DistortionMeasure): string | null {
  const smoothed = distortionVsAccuracy(attacks.filter((a) => a.defense.sigma !== null));
  if (smoothed.length === 0 || smoothed.every((c) => c.measures[measure] !== null)) return null;
  const what = measure === "verified" ? "no check of eq. (4) on the final points (attacks[].verify)" : "no hardened points (attacks[].harden, issue 12)";
  const lacking = smoothed.filter((c) => c.measures[measure] === null).length;
  return `${lacking} of ${smoothed.length} smoothed cells have ${what}: ${measure} numbers are not available`;
}

/**
 * The five conclusions on the shortcut, verified and hardened distortions side by side: judged on
 * hardened distortions when the records carry them, with the shortcut verdicts kept for
 * comparison with the paper (which reports its attacks' final points).
 */
export function conclusionsByMeasure(input: ConclusionInput, thresholds: ConclusionThresholds = CONCLUSION_THRESHOLDS): ConclusionsByMeasure {
  const missing = Object.fromEntries(DISTORTION_MEASURES.map((m) => [m, missingMeasure(input.attacks, m)])) as Record<DistortionMeasure, string | null>;
  const results = Object.fromEntries(DISTORTION_MEASURES.map((m) => [m, missing[m] === null ? evaluateConclusions(input, thresholds, m) : null])) as Record<DistortionMeasure, ConclusionResult[] | null>;
  return { judgedOn: missing.hardened === null ? "hardened" : "shortcut", results, missing };
}

const fmt = (x: number) => formatNumber(x, 3);

function verdictOf(ok: boolean): Verdict {
  return ok ? "holds" : "does not hold";
}

/** A conclusion before the measure it was judged on is attached. */
type Judged = Omit<ConclusionResult, "measure">;

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

/** `items` grouped by `key`, groups in the order of their first item. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k) ?? [];
    group.push(item);
    groups.set(k, group);
  }
  return [...groups.values()];
}
