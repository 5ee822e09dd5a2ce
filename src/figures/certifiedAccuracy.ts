import type { CertificationInput } from "./inputs.js";

/** One point of a certified-accuracy curve. */
export interface CertifiedAccuracyPoint {
  readonly radius: number;
  readonly accuracy: number;
}

/** The certified accuracy of one smoothed model against the radius (a step function). */
export interface CertifiedAccuracyCurve {
  /** Config defense name (one certification per image and name). */
  readonly defense: string;
  readonly model: string;
  readonly sigma: number;
  readonly images: number;
  /**
   * Steps of the curve, drawn "step-after": from `radius` up to the next point's radius the
   * certified accuracy is `accuracy`. The first point is at radius 0; each later one is where
   * an image's certificate runs out.
   */
  readonly points: readonly CertifiedAccuracyPoint[];
}

/**
 * The certified accuracy at radius r (Cohen et al. 2019, Sect. 4): the share of images that
 * CERTIFY classifies correctly with a certified radius >= r. Abstentions and wrong predictions
 * count as failures at every radius.
 * @see docs/paper.md eq. (2); locuslab/smoothing code/analyze.py (ApproximateAccuracy).
 */
export function certifiedAccuracyAt(records: readonly CertificationInput[], radius: number): number {
  if (records.length === 0) throw new RangeError("expected certification records, got none");
  let good = 0;
  for (const r of records) if (certifiedRadiusOf(r) >= radius) good++;
  return good / records.length;
}

/** Fig. 4: one certified-accuracy curve per smoothed model (config defense name), in order of first appearance. */
export function certifiedAccuracyCurves(records: readonly CertificationInput[]): CertifiedAccuracyCurve[] {
  const groups = new Map<string, CertificationInput[]>();
  for (const r of records) {
    const group = groups.get(r.defense) ?? [];
    group.push(r);
    groups.set(r.defense, group);
  }
  return [...groups.values()].map((group) => {
    const radii = group.map(certifiedRadiusOf).filter((r) => r >= 0).sort((a, b) => a - b);
    const n = group.length;
    const points: CertifiedAccuracyPoint[] = [{ radius: 0, accuracy: radii.length / n }];
    for (let i = 0; i < radii.length; i++) {
      if (i + 1 < radii.length && radii[i + 1] === radii[i]) continue;
      points.push({ radius: radii[i], accuracy: (radii.length - i - 1) / n });
    }
    return { defense: group[0].defense, model: group[0].model, sigma: group[0].sigma, images: n, points };
  });
}

/** The certified radius of a correct certificate, -1 otherwise (abstain or wrong label). */
export function certifiedRadiusOf(record: CertificationInput): number {
  return record.correct && record.outcome.status === "certified" ? record.outcome.radius : -1;
}
