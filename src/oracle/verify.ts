import type { Classifier } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import { clopperPearson } from "../stats/clopperPearson.js";
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

function checkPoint(classifier: Classifier, point: Float32Array, label: number): void {
  const d = imageSize(classifier.shape);
  if (point.length !== d) throw new RangeError(`invalid point: expected ${d} values, got ${point.length}`);
  if (!Number.isInteger(label) || label < 0 || label >= classifier.numClasses) {
    throw new RangeError(`invalid label: expected an integer in [0, ${classifier.numClasses - 1}], got ${label}`);
  }
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
 * A deterministic classifier gives rate 0 or 1. A point estimate with no error bound: records
 * made before `verifySequential` use it; new runs should use `verifySequential`.
 * @see docs/paper.md eq. (4) and the attack-side shortcut.
 */
export async function verifyAdversarial(classifier: Classifier, point: Float32Array, label: number, options: VerifyOptions): Promise<Verification> {
  const { repeats, pa } = options;
  const d = imageSize(classifier.shape);
  if (!Number.isSafeInteger(repeats) || repeats < 1) throw new RangeError(`invalid repeats: expected an integer >= 1, got ${repeats}`);
  check("pa", pa, OPEN_UNIT);
  checkPoint(classifier, point, label);
  const batch = new Float32Array(repeats * d);
  for (let i = 0; i < repeats; i++) batch.set(point, i * d);
  const before = classifier.forwardPasses;
  const labels = await classifier.predict(batch, repeats);
  let adversarial = 0;
  for (let i = 0; i < repeats; i++) if (labels[i] !== label) adversarial++;
  const rate = adversarial / repeats;
  return { repeats, adversarial, rate, verified: rate >= pa, forwardPasses: classifier.forwardPasses - before };
}

/** Defaults of `verifySequential`. */
export const SEQUENTIAL_VERIFY_DEFAULTS = Object.freeze({
  /** Error of each wrong answer ("verified" for a point below Pa, "refuted" for one at or above it); issue 12. */
  alpha: 0.05,
  /** Calls at the first look: fewer gives bounds too wide to decide at the Bonferroni level anyway; rsbench choice. */
  firstLook: 10,
});

/** Options of `verifySequential`. */
export interface SequentialVerifyOptions {
  /** Most calls of the classifier on the point, R (an integer >= 1): the last look. */
  readonly maxCalls: number;
  /** Level Pa of docs/paper.md eq. (4), in (0, 1). */
  readonly pa: number;
  /** Error of each wrong answer, in (0, 1). Defaults to SEQUENTIAL_VERIFY_DEFAULTS.alpha (0.05). */
  readonly alpha?: number;
  /** Calls at the first look (an integer >= 1). Defaults to SEQUENTIAL_VERIFY_DEFAULTS.firstLook (10). */
  readonly firstLook?: number;
}

/** The answer of the sequential test: whether P[g(x_a) != y] >= Pa was shown, refuted, or neither within R calls. */
export type VerificationStatus = "verified" | "refuted" | "undecided";

/** What `verifySequential` measured, at the look where it stopped. */
export interface SequentialVerification {
  readonly status: VerificationStatus;
  /** Wrong labels / calls: the point estimate of P[g(x_a) != y]. */
  readonly rate: number;
  /** Clopper-Pearson bounds on P[g(x_a) != y] at that look, each one-sided at level alpha / looks. */
  readonly lower: number;
  readonly upper: number;
  /** Calls of the classifier spent (outside any attack budget). */
  readonly calls: number;
  /** Base-model forward passes they cost. */
  readonly forwardPasses: number;
}

/**
 * The looks of the sequential test, in calls: R, then halved (rounded up) while at least
 * `firstLook`, in increasing order. Fixed before any call is made (it depends on R only), as the
 * Bonferroni correction requires. R = 100, firstLook 10: [13, 25, 50, 100].
 */
export function verificationLooks(maxCalls: number, firstLook: number = SEQUENTIAL_VERIFY_DEFAULTS.firstLook): number[] {
  if (!Number.isSafeInteger(maxCalls) || maxCalls < 1) throw new RangeError(`invalid maxCalls: expected an integer >= 1, got ${maxCalls}`);
  if (!Number.isSafeInteger(firstLook) || firstLook < 1) throw new RangeError(`invalid firstLook: expected an integer >= 1, got ${firstLook}`);
  const looks = [maxCalls];
  while (Math.ceil(looks[0] / 2) >= firstLook && Math.ceil(looks[0] / 2) < looks[0]) looks.unshift(Math.ceil(looks[0] / 2));
  return looks;
}

/**
 * A sequential test of H: P[g_{sigma,n}(x_a) != y] >= Pa (docs/paper.md eq. (4)) on fresh calls
 * of the classifier as deployed. At each look of a fixed schedule (`verificationLooks`: L looks,
 * the last at R = `maxCalls` calls) it computes the one-sided Clopper-Pearson bounds (Clopper and
 * Pearson 1934, src/stats/clopperPearson.ts) of the wrong-label rate at level alpha / L each
 * (Bonferroni over the looks, as in group-sequential designs, Jennison and Turnbull 2000, ch. 2),
 * and stops at the first look where lower >= Pa ("verified") or upper < Pa ("refuted");
 * "undecided" after R calls otherwise. Guarantee: for a point with P[g(x_a) != y] < Pa, the
 * probability of answering "verified" is at most alpha; for a point with P >= Pa, that of
 * answering "refuted" is at most alpha (each is the union over L looks of events of probability
 * <= alpha / L). Each look asks the calls it adds in one batched `predict` (a smoothed classifier
 * draws fresh noise for every copy). As for `verifyAdversarial`: the experimenter's check, outside
 * the attack's budget; pass a classifier on a noise stream the attack never saw.
 * @see docs/paper.md eq. (4), "Verification".
 */
export async function verifySequential(classifier: Classifier, point: Float32Array, label: number, options: SequentialVerifyOptions): Promise<SequentialVerification> {
  const { maxCalls, pa } = options;
  const alpha = options.alpha ?? SEQUENTIAL_VERIFY_DEFAULTS.alpha;
  check("pa", pa, OPEN_UNIT);
  check("alpha", alpha, OPEN_UNIT);
  const looks = verificationLooks(maxCalls, options.firstLook ?? SEQUENTIAL_VERIFY_DEFAULTS.firstLook);
  checkPoint(classifier, point, label);
  const d = imageSize(classifier.shape);
  const level = alpha / looks.length;
  const before = classifier.forwardPasses;
  let calls = 0, wrong = 0;
  let status: VerificationStatus = "undecided", lower = 0, upper = 1;
  for (const look of looks) {
    const more = look - calls;
    const batch = new Float32Array(more * d);
    for (let i = 0; i < more; i++) batch.set(point, i * d);
    const labels = await classifier.predict(batch, more);
    for (let i = 0; i < more; i++) if (labels[i] !== label) wrong++;
    calls = look;
    ({ lower, upper } = clopperPearson(wrong, calls, level));
    if (lower >= pa) { status = "verified"; break; }
    if (upper < pa) { status = "refuted"; break; }
  }
  return { status, rate: wrong / calls, lower, upper, calls, forwardPasses: classifier.forwardPasses - before };
}
