import { certifiedRadiusOf } from "./certifiedAccuracy.js";
import type { AttackInput, CertificationInput, DefenseInput } from "./inputs.js";
import { mean, median } from "./summary.js";

/** One row of the practical-vs-certified table: one attack against one smoothed defense point. */
export interface RatioRow {
  readonly defense: DefenseInput;
  readonly attack: string;
  /** Images with both a successful attack and a correct certificate of radius > 0. */
  readonly pairs: number;
  /** Practical L2 distortion over those images. */
  readonly meanL2: number | null;
  readonly medianL2: number | null;
  /** Certified radius R(x_o, sigma) over the same images. */
  readonly meanRadius: number | null;
  /** meanL2 / meanRadius. */
  readonly ratioOfMeans: number | null;
  /** Median over the images of the per-image ratio ||x_a - x_o|| / R(x_o, sigma). */
  readonly medianRatio: number | null;
}

/**
 * The table of practical distortion divided by certified radius, per smoothed defense point
 * (RS or RandTrain: those with a sigma and a certification of their config name) and attack.
 * The ratio is taken image by image, on the images where both exist: the attack succeeded and
 * CERTIFY gave the true label a radius R > 0 (abstentions and wrong certificates have no radius
 * to compare with). `medianRatio` is the median of those per-image ratios; `ratioOfMeans` is
 * mean distortion over mean radius on the same images. Defenses without RS (none, AdvTrain) have
 * no certified radius and no row.
 * @see docs/paper.md eq. (2) and conclusion 1.
 */
export function practicalToCertified(attacks: readonly AttackInput[], certifications: readonly CertificationInput[]): RatioRow[] {
  const radius = new Map<string, number>();
  for (const c of certifications) radius.set(JSON.stringify([c.defense, c.image]), certifiedRadiusOf(c));
  const cells = new Map<string, { defense: DefenseInput; attack: string; l2: number[]; radii: number[] }>();
  for (const a of attacks) {
    if (a.defense.sigma === null) continue;
    const key = JSON.stringify([a.defense.id, a.attack]);
    let cell = cells.get(key);
    if (!cell) {
      cell = { defense: a.defense, attack: a.attack, l2: [], radii: [] };
      cells.set(key, cell);
    }
    const r = radius.get(JSON.stringify([a.defense.name, a.image]));
    if (a.status !== "attacked" || !a.success || a.l2 === null || r === undefined || !(r > 0)) continue;
    cell.l2.push(a.l2);
    cell.radii.push(r);
  }
  return [...cells.values()]
    .filter((cell) => certifications.some((c) => c.defense === cell.defense.name))
    .map(({ defense, attack, l2, radii }) => {
      const meanL2 = mean(l2);
      const meanRadius = mean(radii);
      return {
        defense,
        attack,
        pairs: l2.length,
        meanL2,
        medianL2: median(l2),
        meanRadius,
        ratioOfMeans: meanL2 !== null && meanRadius !== null ? meanL2 / meanRadius : null,
        medianRatio: median(l2.map((x, i) => x / radii[i])),
      };
    });
}
