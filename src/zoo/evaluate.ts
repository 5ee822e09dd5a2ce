import type { NoiseLayout } from "../smoothing/noise.js";
import type { LabeledImages } from "../data/types.js";
import type { Classifier } from "../model/classifier.js";
import { defaultBatchSize, imageSize } from "../model/classifier.js";
import { createRandom } from "../rng/index.js";
import { SmoothedClassifier } from "../smoothing/index.js";
import type { SmoothedAccuracy } from "./card.js";

/** Options of evaluateModel / smoothedAccuracy. */
export interface EvaluateOptions {
  /** Noise levels of g(sigma, n), in pixel units. Defaults to none (clean accuracy only). */
  readonly sigmas?: readonly number[];
  /** Noisy copies per image of g(sigma, n). Defaults to 100 (the paper's largest RS vote, docs/paper.md). */
  readonly n?: number;
  /** Seed of the noise: point p of the set uses createRandom(seed).fork(p) for every sigma (common random numbers). Defaults to 0. */
  readonly seed?: number;
  /** Images per classifier call (does not change results). Defaults to 100. */
  readonly chunk?: number;
  /** Largest base-model call of g(sigma, n), in images. Defaults to 1000. */
  readonly batchSize?: number;
  /** Noise layout of g(sigma, n) (SmoothingOptions.noise). Defaults to "per-point". */
  readonly noise?: NoiseLayout;
  /** Called after each chunk: `stage` is "clean" or the sigma, `done` of `total` images. */
  readonly onProgress?: (stage: "clean" | number, done: number, total: number) => void;
}

/** Defaults of evaluateModel (documented on EvaluateOptions). */
export const EVALUATE_DEFAULTS = { n: 100, seed: 0, chunk: 100, batchSize: 1000 } as const;

/** Clean and smoothed accuracy of a classifier on a set of images. */
export interface Evaluation {
  readonly clean: { readonly accuracy: number; readonly images: number };
  readonly smoothed: readonly SmoothedAccuracy[];
  readonly seed: number;
  readonly forwardPasses: number;
}

/** How many images of `data` `classifier` labels correctly, classified `chunk` images at a time (the one place accuracy is counted). */
export async function countCorrect(
  classifier: Classifier,
  data: LabeledImages,
  chunk: number = EVALUATE_DEFAULTS.chunk,
  onChunk?: (done: number, total: number) => void,
): Promise<number> {
  const d = imageSize(data.shape);
  let correct = 0;
  for (let start = 0; start < data.count; start += chunk) {
    const size = Math.min(chunk, data.count - start);
    const labels = await classifier.predict(data.images.subarray(start * d, (start + size) * d), size);
    for (let i = 0; i < size; i++) if (labels[i] === data.labels[start + i]) correct++;
    onChunk?.(start + size, data.count);
  }
  return correct;
}

/** Share of `data` that `classifier` labels correctly, classified `chunk` images at a time. */
export async function accuracyOf(
  classifier: Classifier,
  data: LabeledImages,
  chunk: number = EVALUATE_DEFAULTS.chunk,
  onChunk?: (done: number, total: number) => void,
): Promise<number> {
  if (data.count === 0) throw new RangeError("invalid data: expected at least one image, got 0");
  return (await countCorrect(classifier, data, chunk, onChunk)) / data.count;
}

/**
 * Accuracy of the smoothed classifier g(sigma, n) (Cohen et al.'s majority vote over n copies
 * x + N(0, sigma^2 I), unclipped, ties to the smallest class; no abstention).
 */
export async function smoothedAccuracy(classifier: Classifier, data: LabeledImages, sigma: number, options: EvaluateOptions = {}): Promise<SmoothedAccuracy> {
  const n = options.n ?? EVALUATE_DEFAULTS.n;
  const smoothed = new SmoothedClassifier(classifier, {
    sigma,
    n,
    random: createRandom(options.seed ?? EVALUATE_DEFAULTS.seed),
    // At most MAX_BATCH_VALUES values per call by default (27 images at 3x224x224), as g(sigma, n) itself.
    batchSize: options.batchSize ?? defaultBatchSize(imageSize(classifier.shape), EVALUATE_DEFAULTS.batchSize),
    ...(options.noise === undefined ? {} : { noise: options.noise }),
  });
  const accuracy = await accuracyOf(smoothed, data, options.chunk ?? EVALUATE_DEFAULTS.chunk, (done, total) => options.onProgress?.(sigma, done, total));
  return { sigma, n, accuracy };
}

/** Clean accuracy of the base classifier and accuracy of g(sigma, n) for each sigma. */
export async function evaluateModel(classifier: Classifier, data: LabeledImages, options: EvaluateOptions = {}): Promise<Evaluation> {
  const before = classifier.forwardPasses;
  const chunk = options.chunk ?? EVALUATE_DEFAULTS.chunk;
  const clean = await accuracyOf(classifier, data, chunk, (done, total) => options.onProgress?.("clean", done, total));
  const smoothed: SmoothedAccuracy[] = [];
  for (const sigma of options.sigmas ?? []) smoothed.push(await smoothedAccuracy(classifier, data, sigma, options));
  return {
    clean: { accuracy: clean, images: data.count },
    smoothed,
    seed: options.seed ?? EVALUATE_DEFAULTS.seed,
    forwardPasses: classifier.forwardPasses - before,
  };
}
