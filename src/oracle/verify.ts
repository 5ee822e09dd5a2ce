import type { Classifier } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import { check, OPEN_UNIT } from "../stats/validate.js";

/** Options of `verifyAdversarial`. */
export interface VerifyOptions {
  /** Independent calls of the classifier on the point (an integer >= 1). */
  readonly repeats: number;
  /** Level Pa of docs/paper.md eq. (4), in (0, 1). */
  readonly pa: number;
}

/** What `verifyAdversarial` measured. */
export interface Verification {
  readonly repeats: number;
  /** Calls whose label differed from the original label. */
  readonly adversarial: number;
  /** adversarial / repeats: the Monte Carlo estimate of P[g(x_a) != y]. */
  readonly rate: number;
  /** rate >= Pa: the point is adversarial at level Pa in the sense of eq. (4) (point estimate). */
  readonly verified: boolean;
  /** Base-model forward passes the verification cost (outside any attack budget). */
  readonly forwardPasses: number;
}

/**
 * Checks, after an attack, whether its final point x_a is adversarial at level Pa in the sense
 * of the paper's definition (4): P[g_{sigma,n}(x_a) != y] >= Pa, where g_{sigma,n} is the
 * classifier as deployed (for a SmoothedClassifier: the majority vote of n fresh draws, ties to
 * the smallest class index). The probability is estimated by asking `classifier.predict` on
 * `repeats` copies of the point in one batched call (a smoothed classifier draws fresh noise for
 * every copy) and counting the labels that differ from `label`.
 *
 * The attack's oracle uses a shortcut instead (one call counts when at least ceil(n Pa) of its
 * n micro-decisions are wrong), and keeps the best point it ever answered adversarial, so with
 * small n a lucky answer near the original can be kept. This check is the experimenter's, outside
 * the attacker's budget: never pass the attack's oracle classifier; pass one whose noise stream
 * is independent of the attack's (e.g. a new SmoothedClassifier on `random.fork(<unused id>)`).
 * A deterministic classifier gives rate 0 or 1.
 * @see docs/paper.md eq. (4) and the attack-side shortcut.
 */
export async function verifyAdversarial(classifier: Classifier, point: Float32Array, label: number, options: VerifyOptions): Promise<Verification> {
  const { repeats, pa } = options;
  const d = imageSize(classifier.shape);
  if (!Number.isSafeInteger(repeats) || repeats < 1) throw new RangeError(`invalid repeats: expected an integer >= 1, got ${repeats}`);
  check("pa", pa, OPEN_UNIT);
  if (point.length !== d) throw new RangeError(`invalid point: expected ${d} values, got ${point.length}`);
  if (!Number.isInteger(label) || label < 0 || label >= classifier.numClasses) {
    throw new RangeError(`invalid label: expected an integer in [0, ${classifier.numClasses - 1}], got ${label}`);
  }
  const batch = new Float32Array(repeats * d);
  for (let i = 0; i < repeats; i++) batch.set(point, i * d);
  const before = classifier.forwardPasses;
  const labels = await classifier.predict(batch, repeats);
  let adversarial = 0;
  for (let i = 0; i < repeats; i++) if (labels[i] !== label) adversarial++;
  const rate = adversarial / repeats;
  return { repeats, adversarial, rate, verified: rate >= pa, forwardPasses: classifier.forwardPasses - before };
}
