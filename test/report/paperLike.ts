import type { AccuracyRecord, AttackRecord, CertificationRecord, DefenseRef } from "../../src/experiments/store/records.js";
import { accuracy, attack, certification, defense } from "../figures/records.js";

/*
 * A run's records shaped like the paper's Fig. 5 (ImageNet numbers from docs/paper.md, three images
 * per cell), for the conclusion and report tests.
 */

/** `count` attacks of one cell, all with distortion l2 (images 0..count-1). */
export function cell(d: DefenseRef, name: string, l2: number, count = 3): AttackRecord[] {
  return Array.from({ length: count }, (_, i) => attack(d, name, i, l2));
}

export const none = defense("none", "none", null, null, null);
export const rsSmall = (n: number, pa: number) => defense("rs-3%", "rs", 0.05, n, pa);
export const rsLarge = (n: number, pa: number) => defense("rs-12%", "rs", 0.15, n, pa);

/** A run shaped like the paper's Fig. 5 (ImageNet numbers, docs/paper.md). */
export function paperLike(): { attacks: AttackRecord[]; accuracies: AccuracyRecord[]; certifications: CertificationRecord[] } {
  const attacks = [
    ...cell(none, "hsja", 17.5), ...cell(none, "surfree", 15.8), ...cell(none, "rays", 13.4),
  ];
  for (const [n, hsja, surfree, rays] of [[10, 48.8, 41.0, 16.4], [100, 46.6, 33.7, 14.4]] as const) {
    for (const pa of [0.5, 0.8]) {
      const up = pa === 0.8 ? 1.05 : 1;
      attacks.push(...cell(rsSmall(n, pa), "hsja", hsja * up), ...cell(rsSmall(n, pa), "surfree", surfree * up), ...cell(rsSmall(n, pa), "rays", rays * up));
      attacks.push(...cell(rsLarge(n, pa), "hsja", 36 * up), ...cell(rsLarge(n, pa), "surfree", 34 * up), ...cell(rsLarge(n, pa), "rays", 15 * up));
    }
  }
  const accuracies = [accuracy("none", null, 0.75), accuracy("rs-3%", 10, 0.73), accuracy("rs-3%", 100, 0.73), accuracy("rs-12%", 10, 0.61), accuracy("rs-12%", 100, 0.62)];
  const certifications = [0, 1, 2].flatMap((i) => [certification("rs-3%", 0.05, i, 0.1), certification("rs-12%", 0.15, i, 0.3)]);
  return { attacks, accuracies, certifications };
}

