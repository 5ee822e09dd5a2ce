/**
 * A paired check of the paper's conclusions 2, 3, 4 and 5. Their rules (conclusions.ts) compare
 * per-cell means, and two cells of a grid hold different images: a larger sigma or a smaller n
 * misclassifies other images, and an image a defense misclassifies is not attacked there, so a
 * cell's mean can move because its images changed rather than because the attacker needed more.
 * Here each ratio is taken over the images that have a distortion (under the measure) in both
 * cells. The verdicts (conclusions.ts) read the same pairs, with bootstrap intervals; these point
 * values give the report's at-a-glance range over the pairs.
 *
 * - 2: per attack, the median over (n, Pa) of mean L2 at the smallest RS sigma / without defense
 *   (a local deterministic model, as conclusion 2 reads it; matched on attack and budget);
 * - 3: per attack, the median over (n, Pa) of mean L2 at the largest RS sigma / at the smallest
 *   (cells of the `rs` kind matched on n, Pa, oracle rule and budget);
 * - 4: per (defense, Pa, oracle rule, attack), mean L2 at the smallest n / at the largest n;
 * - 5: per (defense, n, oracle rule, attack), mean L2 at the highest Pa / at the lowest Pa, and
 *   the median of these.
 *
 * A pair with fewer than `minImages` common images is left out.
 */
import type { AttackInput } from "../figures/inputs.js";
import { mayBeRandom } from "../attacks/record.js";
import { distortionOf, type DistortionMeasure } from "../figures/measure.js";
import { attacksAtSeveralBudgets, budgetSuffix } from "../figures/format.js";
import { median } from "../stats/descriptive.js";
import { CONCLUSION_THRESHOLDS, groupBy, type DecidingNumber } from "./rules.js";

/** One paired ratio: cell a over cell b on their common images. */
export interface PairedRatio extends DecidingNumber {
  readonly value: number;
  /** Images with a distortion in both cells. */
  readonly images: number;
}

/** The paired numbers of one conclusion. */
export interface PairedCheck {
  readonly id: 2 | 3 | 4 | 5;
  /** What the ratios are, in words. */
  readonly description: string;
  /** Per attack (2, 3) or the overall median (5); empty for 4, whose rule reads every group. */
  readonly summary: readonly DecidingNumber[];
  readonly ratios: readonly PairedRatio[];
}

/** A cell of the grid: one defense point, oracle rule, attack and budget, with its distortion per image. */
export interface PairedCell {
  readonly name: string;
  readonly kind: string;
  /** Whether the defense may be random (smoothed, or a remote endpoint): mayBeRandom. */
  readonly random: boolean;
  readonly sigma: number | null;
  readonly n: number | null;
  readonly pa: number | null;
  readonly oracle: string;
  readonly attack: string;
  readonly budget: number;
  readonly distortion: Map<number, number>;
}

export function cellsOf(attacks: readonly AttackInput[], measure: DistortionMeasure): PairedCell[] {
  const cells = new Map<string, PairedCell>();
  for (const a of attacks) {
    const d = a.defense;
    const key = JSON.stringify([d.name, d.sigma, d.n, d.pa, d.oracle ?? "", a.attack, a.budget ?? 0]);
    let cell = cells.get(key);
    if (!cell) {
      cell = { name: d.name, kind: d.kind, random: mayBeRandom(d), sigma: d.sigma, n: d.n, pa: d.pa, oracle: d.oracle ?? "", attack: a.attack, budget: a.budget ?? 0, distortion: new Map() };
      cells.set(key, cell);
    }
    const value = distortionOf(a, measure);
    if (value !== null) cell.distortion.set(a.image, value);
  }
  return [...cells.values()];
}

/** Mean distortion of a over that of b on their common images, or null with fewer than `minImages`. */
function ratioOn(a: PairedCell, b: PairedCell, minImages: number): { value: number; images: number } | null {
  let sa = 0, sb = 0, images = 0;
  for (const [image, x] of a.distortion) {
    const y = b.distortion.get(image);
    if (y === undefined) continue;
    sa += x; sb += y; images++;
  }
  return images >= minImages && sb > 0 ? { value: sa / sb, images } : null;
}

const rule = (c: PairedCell) => (c.oracle ? ` oracle=${c.oracle}` : "");
const fmt = (x: number) => String(Number(x.toPrecision(3)));

/** The paired numbers of conclusions 2, 3, 4 and 5 under `measure` (those with no pair are left out). */
export function pairedChecks(attacks: readonly AttackInput[], measure: DistortionMeasure = "hardened", minImages: number = CONCLUSION_THRESHOLDS.minImages): PairedCheck[] {
  const cells = cellsOf(attacks, measure);
  const checks: PairedCheck[] = [];
  // Labels as the conclusions write them: the attack's name, with its budget when it ran at several.
  const several = attacksAtSeveralBudgets(attacks);
  const label = (c: PairedCell) => `${c.attack}${budgetSuffix(c.budget, several.has(c.attack))}`;

  /**
   * Each cell of `numerators` over its partner (when it has exactly one) on their common images,
   * and per attack (name and budget) the median of these ratios.
   */
  const perAttack = (numerators: readonly PairedCell[], partners: (c: PairedCell) => PairedCell[], ratioLabel: (c: PairedCell) => string, summaryLabel: string) => {
    const ratios: PairedRatio[] = [];
    const values = new Map<string, number[]>();
    for (const c of numerators) {
      const found = partners(c);
      const r = found.length === 1 ? ratioOn(c, found[0], minImages) : null;
      if (r === null) continue;
      ratios.push({ label: ratioLabel(c), ...r });
      values.set(label(c), [...(values.get(label(c)) ?? []), r.value]);
    }
    const summary = [...values].map(([attack, v]) => ({ label: `${attack}: ${summaryLabel}`, value: median(v) }));
    return { ratios, summary };
  };
  const sameAttack = (a: PairedCell, b: PairedCell) => a.attack === b.attack && a.budget === b.budget;

  const rs = cells.filter((c) => c.kind === "rs" && c.sigma !== null);
  const sigmas = [...new Set(rs.map((c) => c.sigma as number))].sort((a, b) => a - b);
  // A local deterministic model without defense, not a remote endpoint (kind "none" too, its defense unknown).
  const none = cells.filter((c) => c.kind === "none" && !c.random);
  if (sigmas.length >= 1 && none.length > 0) {
    const small = sigmas[0];
    const two = perAttack(
      rs.filter((c) => c.sigma === small),
      (c) => none.filter((b) => sameAttack(b, c)),
      (c) => `n=${c.n} Pa=${c.pa}${rule(c)} ${label(c)}: L2(σ=${fmt(small)}) / L2(none)`,
      `median over (n, Pa) of L2(σ=${fmt(small)}) / L2(none)`);
    if (two.ratios.length) checks.push({ id: 2, description: "mean L2 at the smallest RS sigma / without defense, on the images attacked by both", ...two });
  }
  if (sigmas.length >= 2) {
    const [small, large] = [sigmas[0], sigmas[sigmas.length - 1]];
    const three = perAttack(
      rs.filter((c) => c.sigma === large),
      (hi) => rs.filter((c) => c.sigma === small && sameAttack(c, hi) && c.n === hi.n && c.pa === hi.pa && c.oracle === hi.oracle),
      (hi) => `n=${hi.n} Pa=${hi.pa}${rule(hi)} ${label(hi)}: L2(σ=${fmt(large)}) / L2(σ=${fmt(small)})`,
      `median over (n, Pa) of L2(σ=${fmt(large)}) / L2(σ=${fmt(small)})`);
    if (three.ratios.length) checks.push({ id: 3, description: "mean L2 at the largest RS sigma / at the smallest, on the images attacked at both", ...three });
  }

  /** In each group of cells equal in everything but `field`, the cells at its smallest and largest value. */
  const ends = (field: "n" | "pa", by: (c: PairedCell) => unknown[]): [PairedCell, PairedCell][] =>
    groupBy(cells.filter((c) => c[field] !== null), (c) => JSON.stringify(by(c))).flatMap((group) => {
      const sorted = group.sort((x, y) => (x[field] as number) - (y[field] as number));
      const [lo, hi] = [sorted[0], sorted[sorted.length - 1]];
      return lo[field] === hi[field] ? [] : [[lo, hi] as [PairedCell, PairedCell]];
    });

  const four: PairedRatio[] = [];
  for (const [fewer, more] of ends("n", (c) => [c.name, c.sigma, c.pa, c.oracle, c.attack, c.budget])) {
    const r = ratioOn(fewer, more, minImages);
    if (r) four.push({ label: `${fewer.name} Pa=${fewer.pa}${rule(fewer)} ${label(fewer)}: L2(n=${fewer.n}) / L2(n=${more.n})`, ...r });
  }
  if (four.length) checks.push({ id: 4, description: "mean L2 at the smallest n / at the largest n, on the images attacked at both", summary: [], ratios: four });

  const five: PairedRatio[] = [];
  for (const [low, high] of ends("pa", (c) => [c.name, c.sigma, c.n, c.oracle, c.attack, c.budget])) {
    const r = ratioOn(high, low, minImages);
    if (r) five.push({ label: `${low.name} n=${low.n}${rule(low)} ${label(low)}: L2(Pa=${high.pa}) / L2(Pa=${low.pa})`, ...r });
  }
  if (five.length) {
    checks.push({
      id: 5, description: "mean L2 at the highest Pa / at the lowest Pa, on the images attacked at both",
      summary: [{ label: "median ratio", value: median(five.map((r) => r.value)) }], ratios: five,
    });
  }
  return checks;
}
