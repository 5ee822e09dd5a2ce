import type { NoiseLayout } from "../smoothing/noise.js";
import type { LabeledImages } from "../data/types.js";
import type { Classifier } from "../model/classifier.js";
import { accuracyOf, EVALUATE_DEFAULTS, smoothedAccuracy } from "./evaluate.js";

/** Options of calibrateSigma. */
export interface CalibrateOptions {
  /** Accuracy the smoothed classifier may lose, clean minus smoothed, in (0, 1) (the paper: 0.03 and 0.12). */
  readonly drop: number;
  /** Noisy copies per image. Defaults to 100. */
  readonly n?: number;
  /** Seed of the noise, the same for every sigma tried (common random numbers). Defaults to 0. */
  readonly seed?: number;
  /** First sigma tried; doubled until the drop is exceeded. Defaults to 0.05. */
  readonly start?: number;
  /** Largest sigma tried. Defaults to 4. */
  readonly maxSigma?: number;
  /** Bisection steps once the target is bracketed. Defaults to 6 (bracket / 64). */
  readonly steps?: number;
  readonly batchSize?: number;
  /** Noise layout of g(sigma, n) (SmoothingOptions.noise). Defaults to "per-point". */
  readonly noise?: NoiseLayout;
  /** Called after each sigma tried. */
  readonly onStep?: (step: { sigma: number; accuracy: number }) => void;
}

/** Defaults of calibrateSigma (documented on CalibrateOptions). */
export const CALIBRATE_DEFAULTS = { n: EVALUATE_DEFAULTS.n, seed: 0, start: 0.05, maxSigma: 4, steps: 6 } as const;

/** The calibrated sigma and how it was found. */
export interface Calibration {
  /** Largest sigma tried whose smoothed accuracy is at least cleanAccuracy - drop. */
  readonly sigma: number;
  readonly cleanAccuracy: number;
  /** Accuracy of g(sigma, n) at `sigma`. */
  readonly smoothedAccuracy: number;
  readonly drop: number;
  readonly images: number;
  readonly n: number;
  readonly seed: number;
  /** The smallest sigma tried that loses more than `drop`: the answer lies in [sigma, upper]. */
  readonly upper: number;
  /** Every sigma tried, in order. */
  readonly steps: readonly { readonly sigma: number; readonly accuracy: number }[];
}

/**
 * The noise level at which the smoothed classifier g(sigma, n) loses `drop` accuracy on `data`
 * (docs/paper.md picks sigma for a 3% and a 12% drop): doubles sigma from `start` until the loss
 * exceeds `drop`, then bisects the bracket `steps` times. All sigmas use the same noise draws
 * (scaled), so accuracy(sigma) is a smooth function of sigma and the search is reproducible.
 */
export async function calibrateSigma(classifier: Classifier, data: LabeledImages, options: CalibrateOptions): Promise<Calibration> {
  const { drop } = options;
  if (!(drop > 0 && drop < 1)) throw new RangeError(`invalid drop: expected a number in (0, 1), got ${drop}`);
  const n = options.n ?? CALIBRATE_DEFAULTS.n;
  const seed = options.seed ?? CALIBRATE_DEFAULTS.seed;
  const start = options.start ?? CALIBRATE_DEFAULTS.start;
  const maxSigma = options.maxSigma ?? CALIBRATE_DEFAULTS.maxSigma;
  const stepsWanted = options.steps ?? CALIBRATE_DEFAULTS.steps;
  if (!(start > 0 && start <= maxSigma)) throw new RangeError(`invalid start: expected 0 < start <= maxSigma (${maxSigma}), got ${start}`);
  if (!Number.isInteger(stepsWanted) || stepsWanted < 0) throw new RangeError(`invalid steps: expected an integer >= 0, got ${stepsWanted}`);

  const clean = await accuracyOf(classifier, data);
  const target = clean - drop;
  const steps: { sigma: number; accuracy: number }[] = [];
  const measure = async (sigma: number): Promise<number> => {
    const { accuracy } = await smoothedAccuracy(classifier, data, sigma, { n, seed, batchSize: options.batchSize, ...(options.noise === undefined ? {} : { noise: options.noise }) });
    steps.push({ sigma, accuracy });
    options.onStep?.({ sigma, accuracy });
    return accuracy;
  };

  // Bracket: lo keeps the loss within `drop` (sigma -> 0 does), hi exceeds it.
  let lo = 0, loAccuracy = clean;
  let hi = start;
  let hiAccuracy = await measure(hi);
  while (hiAccuracy >= target) {
    if (hi >= maxSigma) {
      throw new Error(`calibration failed: expected the smoothed accuracy to fall below ${target.toFixed(4)} (clean ${clean.toFixed(4)} - drop ${drop}) for some sigma <= ${maxSigma}, got ${hiAccuracy.toFixed(4)} at sigma ${hi}`);
    }
    lo = hi;
    loAccuracy = hiAccuracy;
    hi = Math.min(2 * hi, maxSigma);
    hiAccuracy = await measure(hi);
  }
  for (let s = 0; s < stepsWanted; s++) {
    const mid = (lo + hi) / 2;
    const accuracy = await measure(mid);
    if (accuracy >= target) {
      lo = mid;
      loAccuracy = accuracy;
    } else {
      hi = mid;
    }
  }
  if (lo === 0) {
    throw new Error(`calibration failed: the smoothed accuracy loses more than ${drop} already at sigma ${hi} (${steps.at(-1)!.accuracy.toFixed(4)} vs clean ${clean.toFixed(4)}); use a smaller start or more steps`);
  }
  return { sigma: lo, cleanAccuracy: clean, smoothedAccuracy: loAccuracy, drop, images: data.count, n, seed, upper: hi, steps };
}
