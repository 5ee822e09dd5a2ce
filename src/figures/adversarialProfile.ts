import type { Classifier } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import type { Random } from "../rng/random.js";
import { binomialTailAtLeast } from "../stats/binomial.js";
import { normalQuantile } from "../stats/normal.js";
import { directionTowards, l2Distance, pointAlong, randomLine } from "./geometry.js";
import { MisclassifiedImageError } from "./errors.js";
import { checkImage, checkInteger, checkLevel, checkPositive } from "./validate.js";
import { bisectAlong, findAdversarialAlong, firstRay, levelDecider, type Bracket, type Decider } from "./search.js";

/** Options of `computeAdversarialProfile` (Fig. 1). */
export interface AdversarialProfileOptions {
  /** Noise level of the smoothed estimator (it sets the t axis in sigma units). Required. */
  readonly sigma: number;
  /** Numbers of draws n of g(sigma, n) to plot. Defaults to [5, 10, 50] (the Fig. 1). */
  readonly ns?: readonly number[];
  /** Level Pa of the attacker's criterion. Defaults to 0.5. */
  readonly pa?: number;
  /**
   * First and last t, in units of sigma, past the base boundary point. By default the range is
   * [-1, 3] widened to hold the boundary of g(sigma) along the line (located first by a
   * dichotomy with `smoothed`): up to 2 sigma past it, from 1/2 sigma before it. On real models
   * RS often pushes the boundary several sigma away (docs/paper.md eq. (3), concave boundaries).
   * An automatic side is widened further where the measured p(t) is still within 1/6 of 1/2 at
   * its edge or shows a transition at least 4 sigma wide (an oblique crossing; see
   * widenUnsettled), until p settles at 0.05 / 0.95.
   */
  readonly tMin?: number;
  readonly tMax?: number;
  /** Number of t values. Defaults to 41. */
  readonly points?: number;
  /** Adversarial point of the base classifier that fixes the direction (x_adv - x_o). */
  readonly adversarial?: Float32Array;
  /** Unit-free direction from x_o (normalised here); used when `adversarial` is not given. Otherwise a random direction. */
  readonly direction?: Float32Array;
  /** How far along the direction to look for the base boundary (L2, pixel space). Defaults to 100. */
  readonly maxDistance?: number;
  /** Bisection steps to the base boundary point x_a. Defaults to 40. */
  readonly searchSteps?: number;
  /** Points per call of the estimator. Defaults to 16. */
  readonly batchSize?: number;
}

/** Defaults of computeAdversarialProfile: ns = [5, 10, 50] and Pa = 0.5 as issue 5 asks for Fig. 1; the rest are resolution choices. */
export const ADVERSARIAL_PROFILE_DEFAULTS: Required<Omit<AdversarialProfileOptions, "sigma" | "adversarial" | "direction" | "tMin" | "tMax">> = {
  ns: [5, 10, 50],
  pa: 0.5,
  points: 41,
  maxDistance: 100,
  searchSteps: 40,
  batchSize: 16,
};

/** One t of Fig. 1. */
export interface AdversarialProfilePoint {
  /** Signed L2 distance past the base boundary point x_a along (x_a - x_o) / ||x_a - x_o||. */
  readonly t: number;
  /** Monte Carlo estimate of p(t) = P[f(x + sigma N) != y_o] (one micro-decision wrong). */
  readonly p: number;
  /** P[Binomial(n, p) >= ceil(n Pa)] for each n of `ns`, in the same order. */
  readonly adversarial: readonly number[];
}

/** The data of Fig. 1 (JSON-serialisable). */
export interface AdversarialProfile {
  readonly figure: "fig1";
  readonly sigma: number;
  readonly pa: number;
  readonly ns: readonly number[];
  /** Noise draws per point behind each estimate of p (the estimator's n). */
  readonly draws: number;
  /** ||x_a - x_o||: distance from the original image to the base boundary along the direction. */
  readonly baseDistance: number;
  /** t where the estimated p crosses 1/2 (the boundary of g(sigma)), linearly interpolated; null if it does not. */
  readonly rsBoundary: number | null;
  readonly points: readonly AdversarialProfilePoint[];
}

/**
 * Fig. 1: the probability that g(sigma, n) calls a point adversarial (level Pa) along the
 * direction u = (x_a - x_o) / ||x_a - x_o|| beyond the boundary point x_a of the base classifier
 * f. x_a is found by a doubling search from x_o along u and a bisection on f (the adversarial
 * end, at most 2^-searchSteps of the bracket past the boundary). At x_a + t u, p(t) =
 * P[f(x + sigma N) != y_o] is estimated by `smoothed.votes` (g(sigma, N) with many draws N), and
 * P_adv(t) = P[Binomial(n, p(t)) >= ceil(n Pa)] is exact given p (the paper's attack-side
 * criterion). For a flat boundary hit at right angle, p(t) = Phi(t / sigma): RS does not move
 * the boundary (docs/paper.md eq. (3) with kappa = 0), and the n curves cross 1/2 at t = 0.
 * @see docs/paper.md eqs. (3)-(5), Fig. 1.
 */
export async function computeAdversarialProfile(
  base: Classifier,
  smoothed: Classifier,
  image: Float32Array,
  label: number,
  random: Random,
  options: AdversarialProfileOptions,
): Promise<AdversarialProfile> {
  const o = { ...ADVERSARIAL_PROFILE_DEFAULTS, ...options };
  checkPositive("sigma", o.sigma);
  checkLevel("pa", o.pa);
  if (o.tMin !== undefined && o.tMax !== undefined && !(o.tMax > o.tMin)) {
    throw new RangeError(`invalid t range: expected tMin < tMax, got ${o.tMin} and ${o.tMax}`);
  }
  checkInteger("points", o.points, 2);
  checkInteger("searchSteps", o.searchSteps, 0);
  checkInteger("batchSize", o.batchSize, 1);
  for (const n of o.ns) checkInteger("n in ns", n, 1);
  const d = imageSize(base.shape);
  checkImage(image, d);

  // Fig. 1 is about an image that g(sigma) classifies correctly (one micro-decision wrong with p < 1/2).
  if ((await levelDecider(smoothed, image, label, 0.5)(image, 1))[0] === 1) {
    throw new MisclassifiedImageError("invalid image: expected an image the smoothed classifier g(sigma) classifies as the given label (fewer than half of its draws wrong), got one it misclassifies");
  }
  const baseDecider = levelDecider(base, image, label);
  const { direction, bracket } = await baseRay(baseDecider, image, random, o);
  const [baseDistance] = await bisectAlong(baseDecider, image, direction, bracket, o.searchSteps);
  const boundaryPoint = pointAlong(image, direction, baseDistance);

  let tMin = o.tMin ?? -1, tMax = o.tMax ?? 3, center = 0;
  if (o.tMin === undefined || o.tMax === undefined) {
    const rs = await smoothedCrossing(smoothed, image, label, boundaryPoint, direction, baseDistance, o.sigma, o.maxDistance);
    if (rs !== null) {
      if (o.tMin === undefined) tMin = Math.min(tMin, rs / o.sigma - 0.5);
      if (o.tMax === undefined) tMax = Math.max(tMax, rs / o.sigma + 2);
    }
    if (!(tMax > tMin)) throw new RangeError(`invalid t range: expected tMin < tMax, got ${tMin} and ${tMax}`);
    center = rs === null ? 0 : rs / o.sigma;
  }
  const window = (from: number, to: number) => Array.from({ length: o.points }, (_, k) => o.sigma * (from + (k * (to - from)) / (o.points - 1)));
  let ts = window(tMin, tMax);
  let estimate = await estimates(smoothed, label, boundaryPoint, direction, ts, o.batchSize);
  // Only where the default range is demonstrably too narrow (see widenUnsettled) are the points measured again.
  const [wideMin, wideMax] = await widenUnsettled(smoothed, label, boundaryPoint, direction, o, center, tMin, tMax, estimate.p[0], estimate.p[ts.length - 1]);
  if (wideMin !== tMin || wideMax !== tMax) {
    ts = window(wideMin, wideMax);
    estimate = await estimates(smoothed, label, boundaryPoint, direction, ts, o.batchSize);
  }
  const { p, draws } = estimate;
  const points = ts.map((t, i) => ({
    t,
    p: p[i],
    adversarial: o.ns.map((n) => binomialTailAtLeast(levelCount(n, o.pa), n, p[i])),
  }));
  return {
    figure: "fig1",
    sigma: o.sigma,
    pa: o.pa,
    ns: [...o.ns],
    draws,
    baseDistance,
    rsBoundary: crossing(ts, p, 0.5),
    points,
  };
}

/**
 * Where the majority of `smoothed` flips along the line, as t past the boundary point (negative
 * when g(sigma) flips before it, between x_o and x_a): a doubling search and 12 halvings, used
 * only to size the t range. null when it does not flip within maxDistance (or before x_o).
 */
async function smoothedCrossing(
  smoothed: Classifier,
  image: Float32Array,
  label: number,
  boundaryPoint: Float32Array,
  direction: Float32Array,
  baseDistance: number,
  sigma: number,
  maxDistance: number,
): Promise<number | null> {
  const decide = levelDecider(smoothed, image, label, 0.5);
  if ((await decide(boundaryPoint, 1))[0] === 0) {
    const bracket = await findAdversarialAlong(decide, boundaryPoint, direction, Math.min(sigma / 4, maxDistance), maxDistance);
    return bracket ? (await bisectAlong(decide, boundaryPoint, direction, bracket, 12))[0] : null;
  }
  if (!(baseDistance > 0)) return null;
  const benign: Decider = async (batch, count) => (await decide(batch, count)).map((a) => 1 - a);
  const back = direction.map((x) => -x);
  const bracket = await findAdversarialAlong(benign, boundaryPoint, back, Math.min(sigma / 4, baseDistance), baseDistance);
  return bracket ? -(await bisectAlong(benign, boundaryPoint, back, bracket, 12))[0] : null;
}

/** Estimated p(t) at each t (L2), `batchSize` points per call of the estimator, and the fewest draws behind one. */
async function estimates(smoothed: Classifier, label: number, boundaryPoint: Float32Array, direction: Float32Array, ts: readonly number[], batchSize: number): Promise<{ p: Float64Array; draws: number }> {
  const d = boundaryPoint.length;
  const p = new Float64Array(ts.length);
  let draws = Infinity;
  const k = smoothed.numClasses;
  for (let start = 0; start < ts.length; start += batchSize) {
    const count = Math.min(batchSize, ts.length - start);
    const batch = new Float32Array(count * d);
    for (let i = 0; i < count; i++) pointAlong(boundaryPoint, direction, ts[start + i], batch.subarray(i * d, (i + 1) * d));
    const votes = await smoothed.votes(batch, count);
    for (let i = 0; i < count; i++) {
      p[start + i] = (votes.draws[i] - votes.counts[i * k + label]) / votes.draws[i];
      draws = Math.min(draws, votes.draws[i]);
    }
  }
  return { p, draws };
}

/** Estimated p(t) = P[f(x_a + t u + sigma N) != label] at each t (L2), one call of the estimator. */
async function wrongFraction(smoothed: Classifier, label: number, boundaryPoint: Float32Array, direction: Float32Array, ts: readonly number[]): Promise<number[]> {
  const d = boundaryPoint.length;
  const batch = new Float32Array(ts.length * d);
  ts.forEach((t, i) => pointAlong(boundaryPoint, direction, t, batch.subarray(i * d, (i + 1) * d)));
  const votes = await smoothed.votes(batch, ts.length);
  const k = smoothed.numClasses;
  return ts.map((_, i) => (votes.draws[i] - votes.counts[i * k + label]) / votes.draws[i]);
}

/**
 * The automatic t range, widened where it is demonstrably too narrow (issue 26, item 17). The
 * default range (sigma units: [-1, 3], widened to [c - 0.5, c + 2] around the boundary c of
 * g(sigma)) suits a transition of width sigma, p(t) = Phi((t - c) / sigma), as for a flat
 * boundary hit at right angle. It is wider when the line crosses the boundary obliquely (p(t) =
 * Phi(t cos(theta) / sigma) for a flat boundary at angle theta), as an attack's direction does
 * in high dimension; and the left edge, only 0.5 sigma before c, leaves p near 1/2 there even
 * for a transition 2-3 sigma wide: on colour images at sigma 0.25 the curves were still at 0.43
 * at the edge (the example model of docs/own-model.md: p 0.37-0.42 at the left edge).
 * Rule: an automatic edge t_e, where p was measured, is too narrow when p there is within 1/6 of
 * 1/2 (p >= 1/3 on the left, p <= 2/3 on the right), or when it implies a transition at least
 * WIDE_TRANSITION sigma wide, w = |t_e - c| / |Phi^-1(p(t_e))| (infinite when p is on the wrong
 * side of 1/2 there). That side is then moved away from c, doubling its distance to c, until p
 * there settles (<= 0.05 on the left, >= 0.95 on the right), for at most WIDEN_ROUNDS doublings
 * and never past maxDistance. The committed fig1 records have edge p 0.02 and 0.28 (left), 0.76
 * and 0.91 (right), and imply w = 2.0-2.7 sigma, so they are unchanged, byte for byte.
 */
async function widenUnsettled(
  smoothed: Classifier,
  label: number,
  boundaryPoint: Float32Array,
  direction: Float32Array,
  o: AdversarialProfileOptions & typeof ADVERSARIAL_PROFILE_DEFAULTS,
  center: number,
  tMin: number,
  tMax: number,
  pMin: number,
  pMax: number,
): Promise<[number, number]> {
  const sigma = o.sigma;
  const limit = o.maxDistance / sigma;
  // The width implied at an edge, in sigma units: distance to c over the normal quantile of p there.
  const width = (t: number, p: number, side: -1 | 1) => {
    const z = normalQuantile(Math.min(Math.max(p, 1e-12), 1 - 1e-12));
    return side * z <= 0 ? Infinity : Math.abs(t - center) / Math.abs(z);
  };
  if (o.tMin === undefined && (pMin >= UNSETTLED.low || width(tMin, pMin, -1) >= WIDE_TRANSITION)) {
    let p = pMin;
    for (let round = 0; round < WIDEN_ROUNDS && p > SETTLED.low && tMin > -limit; round++) {
      tMin = Math.max(center - 2 * Math.max(center - tMin, 0.5), -limit);
      [p] = await wrongFraction(smoothed, label, boundaryPoint, direction, [sigma * tMin]);
    }
  }
  if (o.tMax === undefined && (pMax <= UNSETTLED.high || width(tMax, pMax, 1) >= WIDE_TRANSITION)) {
    let p = pMax;
    for (let round = 0; round < WIDEN_ROUNDS && p < SETTLED.high && tMax < limit; round++) {
      tMax = Math.min(center + 2 * Math.max(tMax - center, 0.5), limit);
      [p] = await wrongFraction(smoothed, label, boundaryPoint, direction, [sigma * tMax]);
    }
  }
  return [tMin, tMax];
}

/** An automatic edge is too narrow while its p is within 1/6 of 1/2 (see widenUnsettled). */
const UNSETTLED = { low: 1 / 3, high: 2 / 3 } as const;
/** A transition at least this many sigma wide (implied at an edge of the default range) widens the range (see widenUnsettled). */
const WIDE_TRANSITION = 4;
/** Where widenUnsettled stops moving an edge: p <= 0.05 on the left, p >= 0.95 on the right. */
const SETTLED = { low: 0.05, high: 0.95 } as const;
/** At most this many doublings of each side's distance to the RS boundary (a factor 2^8 = 256). */
const WIDEN_ROUNDS = 8;

/** ceil(n Pa), at least 1: the wrong micro-decisions a level-Pa adversarial query needs (as LabelOnlyOracle.threshold). */
export function levelCount(n: number, pa: number): number {
  return Math.max(1, Math.ceil(n * pa - 1e-9));
}

/** First x where the piecewise-linear curve (xs, ys) rises through `level` from below, or null (never below, or never reaching it). */
export function crossing(xs: readonly number[], ys: ArrayLike<number>, level: number): number | null {
  if (ys[0] >= level) return null;
  for (let i = 1; i < xs.length; i++) {
    if (ys[i] >= level) return xs[i - 1] + ((level - ys[i - 1]) / (ys[i] - ys[i - 1])) * (xs[i] - xs[i - 1]);
  }
  return null;
}

async function baseRay(
  decide: ReturnType<typeof levelDecider>,
  image: Float32Array,
  random: Random,
  o: AdversarialProfileOptions & typeof ADVERSARIAL_PROFILE_DEFAULTS,
): Promise<{ direction: Float32Array; bracket: Bracket }> {
  if ((await decide(image, 1))[0] === 1) {
    throw new MisclassifiedImageError("invalid image: expected an image the base classifier classifies as the given label, got a misclassified one");
  }
  if (o.adversarial) {
    const direction = directionTowards(image, o.adversarial);
    if ((await decide(o.adversarial, 1))[0] !== 1) {
      throw new RangeError("invalid adversarial point: expected a point the base classifier misclassifies, got one it classifies as the original label");
    }
    return { direction, bracket: { low: 0, high: l2Distance(image, o.adversarial) } };
  }
  // A random line through x_o: try both ways (half the random directions point away from a flat boundary).
  const candidates = o.direction ? [directionTowards(new Float32Array(image.length), o.direction)] : randomLine(image.length, random);
  const ray = await firstRay(decide, image, candidates, o.maxDistance);
  if (!ray) {
    throw new RangeError(`no base boundary along the direction: expected a misclassified point within distance ${o.maxDistance}, got none (pass an adversarial point or a larger maxDistance)`);
  }
  return ray;
}

