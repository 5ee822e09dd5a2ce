import type { LabeledImages } from "../data/types.js";
import { imageAt } from "../data/types.js";
import type { Classifier } from "../model/classifier.js";
import { createRandom } from "../rng/xoshiro.js";
import { maxCertifiableRadius } from "../theory/index.js";
import { certifiedAccuracy, radiusGrid, type AccuracyAtRadius } from "./accuracy.js";
import { certify, CERTIFY_DEFAULTS, smoothedPredict, type OnDraws } from "./certify.js";

/** Options of certifyImages / predictImages: CERTIFY's or PREDICT's, plus the seed of the noise. */
export interface EvaluationOptions<Row> {
  /** Noise std in pixel units (> 0). */
  readonly sigma: number;
  /** Selection draws of CERTIFY (ignored by PREDICT). Defaults to 100. */
  readonly n0?: number;
  /** Estimation draws (CERTIFY) or draws (PREDICT). Defaults to 100000. */
  readonly n?: number;
  /** Failure probability. Defaults to 0.001. */
  readonly alpha?: number;
  /** Largest base-model call, in images. Defaults to 1000. */
  readonly batchSize?: number;
  /** Image i's noise is the stream createRandom(seed, index of image i in its source). Defaults to 0. */
  readonly seed?: number;
  /** Called after each image, in order, so a caller can stream rows and show progress. */
  readonly onImage?: (row: Row, done: number, total: number) => void;
  /** Progress inside the image being evaluated: its draws so far and their total (n0 + n for CERTIFY, n for PREDICT), after each base call. */
  readonly onDraws?: OnDraws;
}

/** One certified image: Cohen et al.'s row (index, label, predict, radius, correct, time) plus pABar. */
export interface CertifyRow {
  readonly index: number;
  readonly label: number;
  /** The certified class, or null when CERTIFY abstains. */
  readonly prediction: number | null;
  /** Certified L2 radius (0 when abstaining). */
  readonly radius: number;
  readonly correct: boolean;
  readonly pABar: number;
  readonly forwardPasses: number;
  readonly seconds: number;
}

/** One image under PREDICT. */
export interface PredictRow {
  readonly index: number;
  readonly label: number;
  /** The predicted class, or null when PREDICT abstains. */
  readonly prediction: number | null;
  readonly correct: boolean;
  readonly pValue: number;
  readonly forwardPasses: number;
  readonly seconds: number;
}

/** Summary of CERTIFY over a set of images: certified accuracy, abstentions, radii. */
export interface CertifySummary {
  readonly images: number;
  /** Accuracy of the base classifier on the clean images (no noise, one forward pass each). */
  readonly cleanAccuracy: number;
  /** Certified accuracy at radii 0, 0.25, ... up to the largest radius CERTIFY can return with (n, alpha, sigma). */
  readonly certifiedAccuracy: readonly AccuracyAtRadius[];
  readonly abstain: number;
  readonly sigma: number;
  readonly n0: number;
  readonly n: number;
  readonly alpha: number;
  readonly seed: number;
  readonly forwardPasses: number;
  readonly seconds: number;
}

/** Summary of PREDICT over a set of images: accuracy and abstentions. */
export interface PredictSummary {
  readonly images: number;
  /** Share of images whose PREDICT answer is the true label (abstentions count as wrong). */
  readonly accuracy: number;
  readonly abstain: number;
  readonly sigma: number;
  readonly n: number;
  readonly alpha: number;
  readonly seed: number;
  readonly forwardPasses: number;
  readonly seconds: number;
}

/** Step of the radius grid of the summary (Cohen et al.'s tables use 0.25 steps). */
export const RADIUS_STEP = 0.25;

/**
 * CERTIFY on every image of a set (locuslab/smoothing code/certify.py), image i with its own noise
 * stream createRandom(seed, indices[i]), so a row never depends on which other images run.
 */
export async function certifyImages(base: Classifier, set: LabeledImages, options: EvaluationOptions<CertifyRow>): Promise<{ summary: CertifySummary; images: CertifyRow[] }> {
  const n0 = options.n0 ?? CERTIFY_DEFAULTS.n0;
  const n = options.n ?? CERTIFY_DEFAULTS.n;
  const alpha = options.alpha ?? CERTIFY_DEFAULTS.alpha;
  const seed = options.seed ?? 0;
  const start = performance.now();
  const rows: CertifyRow[] = [];
  let passes = 0;
  for (let i = 0; i < set.count; i++) {
    const t = performance.now();
    const index = set.indices[i], label = set.labels[i];
    const result = await certify(base, imageAt(set, i), createRandom(seed, index), { sigma: options.sigma, n0, n, alpha, batchSize: options.batchSize, onDraws: options.onDraws });
    const certified = result.kind === "certified";
    const row: CertifyRow = {
      index,
      label,
      prediction: certified ? result.label : null,
      radius: certified ? result.radius : 0,
      correct: certified && result.label === label,
      pABar: result.pABar,
      forwardPasses: result.forwardPasses,
      seconds: (performance.now() - t) / 1000,
    };
    passes += result.forwardPasses;
    rows.push(row);
    options.onImage?.(row, i + 1, set.count);
  }
  const clean = set.count ? await base.predict(set.images, set.count) : new Int32Array(0);
  const radii = radiusGrid(maxCertifiableRadius(n, alpha, options.sigma), RADIUS_STEP);
  const summary: CertifySummary = {
    images: set.count,
    cleanAccuracy: set.count ? clean.filter((c, i) => c === set.labels[i]).length / set.count : NaN,
    certifiedAccuracy: certifiedAccuracy(rows, radii),
    abstain: rows.filter((r) => r.prediction === null).length,
    sigma: options.sigma,
    n0,
    n,
    alpha,
    seed,
    forwardPasses: passes + set.count,
    seconds: (performance.now() - start) / 1000,
  };
  return { summary, images: rows };
}

/** PREDICT on every image of a set, image i with the noise stream createRandom(seed, indices[i]). */
export async function predictImages(base: Classifier, set: LabeledImages, options: EvaluationOptions<PredictRow>): Promise<{ summary: PredictSummary; images: PredictRow[] }> {
  const n = options.n ?? CERTIFY_DEFAULTS.n;
  const alpha = options.alpha ?? CERTIFY_DEFAULTS.alpha;
  const seed = options.seed ?? 0;
  const start = performance.now();
  const rows: PredictRow[] = [];
  let passes = 0;
  for (let i = 0; i < set.count; i++) {
    const t = performance.now();
    const index = set.indices[i], label = set.labels[i];
    const result = await smoothedPredict(base, imageAt(set, i), createRandom(seed, index), { sigma: options.sigma, n, alpha, batchSize: options.batchSize, onDraws: options.onDraws });
    const prediction = result.kind === "predicted" ? result.label : null;
    const row: PredictRow = {
      index,
      label,
      prediction,
      correct: prediction === label,
      pValue: result.pValue,
      forwardPasses: result.forwardPasses,
      seconds: (performance.now() - t) / 1000,
    };
    passes += result.forwardPasses;
    rows.push(row);
    options.onImage?.(row, i + 1, set.count);
  }
  const summary: PredictSummary = {
    images: set.count,
    accuracy: set.count ? rows.filter((r) => r.correct).length / set.count : NaN,
    abstain: rows.filter((r) => r.prediction === null).length,
    sigma: options.sigma,
    n,
    alpha,
    seed,
    forwardPasses: passes,
    seconds: (performance.now() - start) / 1000,
  };
  return { summary, images: rows };
}
