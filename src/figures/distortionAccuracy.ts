import { isVerified } from "../attacks/record.js";
import type { AccuracyInput, AttackInput, DefenseInput } from "./inputs.js";
import { DISTORTION_MEASURES, distortionOf, measured, type DistortionMeasure } from "./measure.js";
import { mean, median } from "./summary.js";

/** The L2 distortions of a cell under one measure (src/figures/measure.ts). */
export interface MeasuredDistortion {
  /** Attacked images with a distortion under the measure (successes; verified points; hardened points). */
  readonly count: number;
  readonly meanL2: number | null;
  readonly medianL2: number | null;
}

/** One point of Fig. 5: one attack against one defense point (defense, n, Pa). */
export interface DistortionPoint {
  readonly defense: DefenseInput;
  readonly attack: string;
  /** The attack's budget (null for records without it): one attack at several budgets gives several points. */
  readonly budget: number | null;
  /**
   * Accuracy of the defense: from the accuracy records of (defense name, n) when there are
   * some, otherwise the share of attacked images the defense classified correctly.
   */
  readonly accuracy: number | null;
  readonly accuracySource: "accuracy set" | "attacked images" | "none";
  /** Images the defense classified correctly, so attacked. */
  readonly attacked: number;
  /**
   * Images the single call labelled right but the sequential test verified adversarial at level Pa
   * before any attack (issue 25): misclassified at level Pa, not attacked.
   */
  readonly adversarialAtLevel: number;
  /**
   * Accuracy at level Pa: `accuracy` with those images counted as errors, i.e. accuracy x attacked /
   * (attacked + adversarialAtLevel), the share estimated on the cell's images (null without accuracy).
   */
  readonly levelAccuracy: number | null;
  /** Attacked images where the attack found an adversarial example within its budget. */
  readonly successes: number;
  /**
   * Attacked images whose final adversarial point passed the check of docs/paper.md eq. (4)
   * (AttackInput.verification), or null when no attack of the cell was checked.
   */
  readonly verified: number | null;
  /** Mean and median final L2 distortion over the successful attacks (null without any). */
  readonly meanL2: number | null;
  readonly medianL2: number | null;
  /**
   * The L2 distortions under each measure (shortcut: the fields above), or null when the cell's
   * records did not take it (no check of eq. (4) or no hardening asked for).
   */
  readonly measures: Readonly<Record<DistortionMeasure, MeasuredDistortion | null>>;
}

/**
 * Fig. 5: mean L2 distortion against accuracy, one point per (defense point, attack, budget), the
 * no-defense point included. The mean is over the successful attacks (an unsuccessful attack
 * has no finite distortion); `successes / attacked` is reported beside it. Points keep the
 * order in which (defense id, attack) first appear in the records.
 * @see docs/paper.md Fig. 5.
 */
export function distortionVsAccuracy(attacks: readonly AttackInput[], accuracies: readonly AccuracyInput[] = []): DistortionPoint[] {
  const cells = new Map<string, AttackInput[]>();
  for (const a of attacks) {
    const key = JSON.stringify([a.defense.id, a.attack, a.budget ?? null]);
    const cell = cells.get(key) ?? [];
    cell.push(a);
    cells.set(key, cell);
  }
  return [...cells.values()].map((cell) => {
    const defense = cell[0].defense;
    const attacked = cell.filter((a) => a.status === "attacked");
    const l2 = attacked.filter((a) => a.success && a.l2 !== null).map((a) => a.l2 as number);
    const fromSet = accuracies.filter((r) => r.defense === defense.name && r.n === defense.n);
    let accuracy: number | null = null;
    let accuracySource: DistortionPoint["accuracySource"] = "none";
    if (fromSet.length > 0) {
      // Several accuracy records of one (name, n) (e.g. chunks of the accuracy set): pool them.
      const images = fromSet.reduce((s, r) => s + r.images, 0);
      accuracy = fromSet.reduce((s, r) => s + r.accuracy * r.images, 0) / images;
      accuracySource = "accuracy set";
    } else if (cell.length > 0) {
      accuracy = attacked.length / cell.length;
      accuracySource = "attacked images";
    }
    const checked = attacked.filter((a) => a.verification != null);
    const adversarialAtLevel = cell.filter((a) => a.originalCheck?.status === "verified").length;
    const levelAccuracy = accuracy === null ? null : attacked.length + adversarialAtLevel === 0 ? accuracy : accuracy * attacked.length / (attacked.length + adversarialAtLevel);
    const measures = Object.fromEntries(DISTORTION_MEASURES.map((m) => {
      if (!attacked.every((a) => measured(a, m))) return [m, null];
      const values = attacked.map((a) => distortionOf(a, m)).filter((x): x is number => x !== null);
      return [m, { count: values.length, meanL2: mean(values), medianL2: median(values) }];
    })) as Record<DistortionMeasure, MeasuredDistortion | null>;
    return {
      defense,
      attack: cell[0].attack,
      budget: cell[0].budget ?? null,
      accuracy,
      accuracySource,
      attacked: attacked.length,
      adversarialAtLevel,
      levelAccuracy,
      successes: l2.length,
      verified: checked.length ? checked.filter((a) => isVerified(a.verification)).length : null,
      meanL2: mean(l2),
      medianL2: median(l2),
      measures,
    };
  });
}

/** "rs-3% n=10 Pa=0.5" style label of a defense point. */
export function defenseLabel(defense: DefenseInput): string {
  const parts = [defense.name];
  if (defense.sigma !== null) parts.push(`σ=${defense.sigma.toPrecision(3).replace(/\.?0+$/, "")}`);
  if (defense.n !== null) parts.push(`n=${defense.n}`);
  if (defense.pa !== null) parts.push(`Pa=${defense.pa}`);
  return parts.join(" ");
}
