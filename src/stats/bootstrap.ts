/**
 * The paired bootstrap over images (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993,
 * ch. 6 and 13: the nonparametric bootstrap and its percentile interval).
 *
 * The unit that is resampled is the image: a resample draws `size` images with replacement from
 * the images of the comparison, which is the same as giving each image a multiplicity (a weight,
 * Multinomial(size, 1/size)). Every statistic of one resample is computed from the same weights,
 * so the numbers of one comparison (several paired ratios, their median) move together as they
 * would on another draw of test images.
 *
 * The interval is the bias-corrected and accelerated (BCa) percentile interval (Efron, JASA 82,
 * 1987; Efron & Tibshirani ch. 14, eq. 14.9-14.15): the plain percentile interval of a ratio of
 * means covers a little less than its level on 100 images (about 94% at 95%, measured in
 * test/stats/bootstrap.test.ts), BCa corrects the bias and skew of the statistic from the
 * resamples themselves and a jackknife over the images.
 */
import type { Random } from "../rng/random.js";
import { normalCdf, normalQuantile } from "./normal.js";

/** Options of `pairedBootstrap`. */
export interface BootstrapOptions {
  /** Resamples drawn. Defaults to 2000 (Efron & Tibshirani ch. 13: about 1000 or more for a percentile interval). */
  readonly resamples?: number;
  /** Coverage of the percentile interval. Defaults to 0.95. */
  readonly level?: number;
}

/** Defaults of `pairedBootstrap`. */
export const BOOTSTRAP_DEFAULTS = { resamples: 2000, level: 0.95 } as const;

/** A statistic's value on the data and its bootstrap percentile interval. */
export interface BootstrapInterval {
  /** The statistic on the data (every weight 1). */
  readonly estimate: number;
  /** Lower and upper bounds: BCa percentiles of the finite resampled values (NaN when there are none). */
  readonly low: number;
  readonly high: number;
  /** Resamples on which the statistic was finite (a resample may draw none of a ratio's images). */
  readonly finite: number;
}

/**
 * The bootstrap slot of each unit (an image id): 0, 1, ... in ascending order of the ids, so the
 * resamples, and with them the intervals, depend on which images there are and not on the order
 * their records were stored in (a run's store, a merged run and the report's view of it agree).
 */
export function unitIndex(units: Iterable<number>): Map<number, number> {
  return new Map([...new Set(units)].sort((a, b) => a - b).map((unit, slot) => [unit, slot]));
}

/**
 * Fills `weights` (length = number of images) with the multiplicities of one resample of as many
 * images, drawn uniformly with replacement.
 */
export function resampleWeights(random: Random, weights: Float64Array): void {
  const size = weights.length;
  weights.fill(0);
  for (let i = 0; i < size; i++) weights[Math.floor(random.nextFloat() * size)] += 1;
}

/** The q-quantile (0 <= q <= 1) of ascending `sorted` values, linear between order statistics (Hyndman & Fan type 7, numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const count = sorted.length;
  if (count === 0) return NaN;
  const h = (count - 1) * q, lo = Math.floor(h), hi = Math.min(count - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Percentile intervals of several statistics of `size` images under one paired bootstrap:
 * `statistic(weights, out)` writes each statistic (out.length = `outputs`) for image
 * multiplicities `weights`; it is called once with every weight 1 for the estimates, then once
 * per resample. A non-finite value (NaN: the resample drew none of the images a statistic reads)
 * is left out of that statistic's interval, and counted in `finite`.
 *
 * Deterministic: the same `random` state, size and statistic give the same intervals.
 */
export function pairedBootstrap(
  size: number, outputs: number, statistic: (weights: Float64Array, out: Float64Array) => void, random: Random, options: BootstrapOptions = {},
): BootstrapInterval[] {
  const resamples = options.resamples ?? BOOTSTRAP_DEFAULTS.resamples;
  const level = options.level ?? BOOTSTRAP_DEFAULTS.level;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`expected a number of images >= 1, got ${size}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`expected resamples to be an integer >= 1, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`expected a level in (0, 1), got ${level}`);
  const weights = new Float64Array(size).fill(1);
  const out = new Float64Array(outputs);
  statistic(weights, out);
  const estimates = Array.from(out);
  const draws = Array.from({ length: outputs }, () => new Float64Array(resamples));
  const counts = new Array<number>(outputs).fill(0);
  for (let b = 0; b < resamples; b++) {
    resampleWeights(random, weights);
    out.fill(NaN);
    statistic(weights, out);
    for (let k = 0; k < outputs; k++) if (Number.isFinite(out[k])) draws[k][counts[k]++] = out[k];
  }
  // Jackknife over the images (weight 0 on one image, 1 on the others) for the acceleration.
  const jackknife = Array.from({ length: outputs }, () => [] as number[]);
  weights.fill(1);
  for (let i = 0; i < size; i++) {
    weights[i] = 0;
    out.fill(NaN);
    statistic(weights, out);
    for (let k = 0; k < outputs; k++) if (Number.isFinite(out[k])) jackknife[k].push(out[k]);
    weights[i] = 1;
  }
  return estimates.map((estimate, k) => {
    const sorted = draws[k].subarray(0, counts[k]).sort();
    const [pLow, pHigh] = bcaLevels(sorted, estimate, jackknife[k], level);
    return { estimate, low: quantileSorted(sorted, pLow), high: quantileSorted(sorted, pHigh), finite: counts[k] };
  });
}

/**
 * The BCa percentile levels (Efron & Tibshirani eq. 14.10): bias correction z0 from the share of
 * resamples below the estimate (ties count half), acceleration from the jackknife values' skew
 * (eq. 14.15). Falls back to the plain percentiles (1 - level) / 2 and (1 + level) / 2 when the
 * resamples do not vary or the estimate is not finite.
 */
function bcaLevels(sorted: Float64Array, estimate: number, jackknife: readonly number[], level: number): [number, number] {
  const tail = (1 - level) / 2;
  const count = sorted.length;
  if (count === 0 || !Number.isFinite(estimate) || sorted[0] === sorted[count - 1]) return [tail, 1 - tail];
  let below = 0;
  for (let b = 0; b < count; b++) below += sorted[b] < estimate ? 1 : sorted[b] === estimate ? 0.5 : 0;
  const share = Math.min(1 - 0.5 / count, Math.max(0.5 / count, below / count));
  const z0 = normalQuantile(share);
  let a = 0;
  if (jackknife.length > 2) {
    const m = jackknife.reduce((s, x) => s + x, 0) / jackknife.length;
    let s2 = 0, s3 = 0;
    for (const x of jackknife) {
      const d = m - x;
      s2 += d * d;
      s3 += d * d * d;
    }
    if (s2 > 0) a = s3 / (6 * s2 ** 1.5);
  }
  const adjusted = (z: number) => normalCdf(z0 + (z0 + z) / (1 - a * (z0 + z)));
  return [adjusted(normalQuantile(tail)), adjusted(normalQuantile(1 - tail))];
}

/**
 * Weighted ratio of means sum_i w[image_i] a_i / sum_i w[image_i] b_i over paired values (a_i, b_i)
 * of the images `images` (indices into `weights`); NaN when the weighted denominator is 0.
 */
export function weightedRatio(images: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, weights: ArrayLike<number>): number {
  let sa = 0, sb = 0;
  for (let i = 0; i < images.length; i++) {
    const w = weights[images[i]];
    sa += w * a[i];
    sb += w * b[i];
  }
  return sb > 0 ? sa / sb : NaN;
}

/**
 * Weighted median of `values`, ascending, with weights `weights[images[i]]`: the mean of the two
 * middle values when the cumulative weight reaches exactly half (so every weight 1 gives the usual
 * median); NaN when the total weight is 0.
 */
export function weightedMedianSorted(values: ArrayLike<number>, images: ArrayLike<number>, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += weights[images[i]];
  if (!(total > 0)) return NaN;
  const half = total / 2;
  let cumulative = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weights[images[i]];
    if (w === 0) continue;
    cumulative += w;
    if (cumulative > half) return values[i];
    if (cumulative === half) {
      for (let j = i + 1; j < values.length; j++) if (weights[images[j]] > 0) return (values[i] + values[j]) / 2;
      return values[i];
    }
  }
  return values[values.length - 1];
}

/**
 * Roughly how many images would make a percentile interval clear `threshold`, from its spread on
 * `images` images: the half-width on the threshold's side shrinks as 1/sqrt(images), so it reaches
 * |estimate - threshold| at images * (halfWidth / |estimate - threshold|)^2, rounded up. Null when
 * the estimate sits on the threshold (no number of images decides it), or when the interval already
 * clears it (nothing to add).
 */
export function imagesToClear(interval: BootstrapInterval, threshold: number, images: number): number | null {
  const { estimate, low, high } = interval;
  const gap = Math.abs(estimate - threshold);
  if (!(gap > 0) || !Number.isFinite(low) || !Number.isFinite(high)) return null;
  if (low > threshold || high < threshold) return null;
  const halfWidth = estimate > threshold ? estimate - low : high - estimate;
  if (!(halfWidth > 0)) return null;
  return Math.ceil(images * (halfWidth / gap) ** 2);
}
