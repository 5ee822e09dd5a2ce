import { certifiedRadiusOf } from "./certifiedAccuracy.js";
import type { AttackInput, CertificationInput, DefenseInput } from "./inputs.js";
import { DISTORTION_MEASURES, distortionOf, measured, type DistortionMeasure } from "./measure.js";
import { mean, median } from "./summary.js";

/** Practical distortion against certified radius on the images where both exist, under one measure. */
export interface RatioStatistics {
  /** Images with both a distortion under the measure and a correct certificate of radius > 0. */
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
 * One row of the practical-vs-certified table: one attack (at one budget) against one smoothed
 * defense point. Its own fields are the shortcut measure (the attack's final points, what the
 * paper compares); `measures` has all three (src/figures/measure.ts), null where the records did
 * not take one.
 */
export interface RatioRow extends RatioStatistics {
  readonly defense: DefenseInput;
  readonly attack: string;
  readonly budget: number | null;
  readonly measures: Readonly<Record<DistortionMeasure, RatioStatistics | null>>;
}

function statistics(l2: readonly number[], radii: readonly number[]): RatioStatistics {
  const meanL2 = mean(l2);
  const meanRadius = mean(radii);
  return {
    pairs: l2.length,
    meanL2,
    medianL2: median(l2),
    meanRadius,
    ratioOfMeans: meanL2 !== null && meanRadius !== null ? meanL2 / meanRadius : null,
    medianRatio: median(l2.map((x, i) => x / radii[i])),
  };
}

/**
 * The table of practical distortion divided by certified radius, per smoothed defense point
 * (RS or RandTrain: those with a sigma and a certification of their config name), attack and
 * budget. The ratio is taken image by image, on the images where both exist: the attack has a
 * distortion under the measure (succeeded; its final point verified; its point hardened) and
 * CERTIFY gave the true label a radius R > 0 (abstentions and wrong certificates have no radius
 * to compare with). `medianRatio` is the median of those per-image ratios; `ratioOfMeans` is mean
 * distortion over mean radius on the same images. Defenses without RS (none, AdvTrain) have no
 * certified radius and no row.
 * @see docs/paper.md eq. (2) and conclusion 1.
 */
export function practicalToCertified(attacks: readonly AttackInput[], certifications: readonly CertificationInput[]): RatioRow[] {
  const radius = new Map<string, number>();
  for (const c of certifications) radius.set(JSON.stringify([c.defense, c.image]), certifiedRadiusOf(c));
  const cells = new Map<string, AttackInput[]>();
  for (const a of attacks) {
    if (a.defense.sigma === null) continue;
    const key = JSON.stringify([a.defense.id, a.attack, a.budget ?? null]);
    cells.set(key, [...(cells.get(key) ?? []), a]);
  }
  return [...cells.values()]
    .filter((cell) => certifications.some((c) => c.defense === cell[0].defense.name))
    .map((cell) => {
      const attacked = cell.filter((a) => a.status === "attacked");
      const measures = Object.fromEntries(DISTORTION_MEASURES.map((m) => {
        if (!attacked.every((a) => measured(a, m))) return [m, null];
        const l2: number[] = [], radii: number[] = [];
        for (const a of attacked) {
          const x = distortionOf(a, m);
          const r = radius.get(JSON.stringify([a.defense.name, a.image]));
          if (x === null || r === undefined || !(r > 0)) continue;
          l2.push(x);
          radii.push(r);
        }
        return [m, statistics(l2, radii)];
      })) as Record<DistortionMeasure, RatioStatistics | null>;
      return { defense: cell[0].defense, attack: cell[0].attack, budget: cell[0].budget ?? null, ...measures.shortcut!, measures };
    });
}
