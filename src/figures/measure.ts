/**
 * Which distortion of an attack a table, a figure or a conclusion reads (issue 12). Against a
 * smoothed defense an attack's final point need not be adversarial by docs/paper.md eq. (4), so
 * three distortions are told apart:
 *
 * - `shortcut`: the attack's own final distortion, the best point its oracle ever accepted (what
 *   the paper reports; under the paper's shortcut rule mostly not adversarial at level Pa);
 * - `verified`: the same distortion, counted only for final points the check of eq. (4) verified
 *   (attacks[].verify; the other successes count as failures);
 * - `hardened`: the distortion of the hardened point, the nearest point outward from the final one
 *   that the sequential test verifies (attacks[].harden; a failed hardening counts as a failure).
 *
 * Without RS (no defense, AdvTrain) the classifier is deterministic: a final point is adversarial,
 * so the three distortions are the attack's own. A remote endpoint (its defense unknown) is read
 * like a smoothed defense.
 */
import { isVerified, mayBeRandom } from "../attacks/record.js";
import type { AttackInput } from "./inputs.js";

/** Which distortion of an attack record a figure uses: the final point, the verified one or the hardened one. */
export type DistortionMeasure = "shortcut" | "verified" | "hardened";

/** The measures in the order tables show them. */
export const DISTORTION_MEASURES: readonly DistortionMeasure[] = ["shortcut", "verified", "hardened"];

/** How tables and figures name each measure. */
export const MEASURE_LABELS: Readonly<Record<DistortionMeasure, string>> = {
  shortcut: "shortcut (attack's final point)",
  verified: "verified (final points passing eq. 4)",
  hardened: "hardened (nearest verified point)",
};

/** The attack ran against a defense that may be random: a smoothed one (RS or RandTrain) or a remote endpoint. */
function randomized(a: AttackInput): boolean {
  return mayBeRandom(a.defense);
}

/**
 * Whether `measure` was taken on this record: `shortcut` always; `verified` when the final point
 * was checked (or could not be: no adversarial point); `hardened` when the run asked for
 * hardening (the field is present). Deterministic defenses have all three.
 */
export function measured(a: AttackInput, measure: DistortionMeasure): boolean {
  if (measure === "shortcut" || !randomized(a) || a.status !== "attacked") return true;
  if (measure === "verified") return a.verification != null || !a.success;
  return a.hardened !== undefined;
}

/**
 * The distortion of an attacked image under `measure` in `norm` (L2 by default), or null when it
 * has none: the attack failed, its final point was not verified, or its hardening failed.
 */
export function distortionOf(a: AttackInput, measure: DistortionMeasure, norm: "l2" | "linf" = "l2"): number | null {
  if (a.status !== "attacked" || !a.success) return null;
  const final = norm === "l2" ? a.l2 : a.linf ?? null;
  if (measure === "shortcut" || !randomized(a)) return final;
  if (measure === "verified") return isVerified(a.verification) ? final : null;
  if (a.hardened == null || a.hardened.status !== "hardened") return null;
  return norm === "l2" ? a.hardened.l2 : a.hardened.linf;
}
