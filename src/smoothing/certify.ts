import type { Classifier } from "../model/classifier.js";
import { defaultBatchSize, imageSize } from "../model/classifier.js";
import type { Random } from "../rng/random.js";
import { CERTIFY_STREAMS } from "../rng/streams.js";
import { binomialTestTwoSided, clopperPearsonLower } from "../stats/index.js";
import { certifiedRadius } from "../theory/index.js";
import type { NoiseLayout } from "./noise.js";
import { NoisySampler } from "./sampler.js";
import { argmaxVotes } from "./stopping.js";

/** Options of `certify` (Cohen et al.'s CERTIFY): sigma, n0, n, alpha. */
export interface CertifyOptions {
  /** Noise std in pixel units (> 0). */
  sigma: number;
  /** Selection draws used to guess the top class. Defaults to 100. */
  n0?: number;
  /** Estimation draws used to bound its probability. Defaults to 100000. */
  n?: number;
  /** Failure probability of the certificate, in (0, 1). Defaults to 0.001. */
  alpha?: number;
  /** Largest base-model call, in images (does not change results). Defaults to 1000, at most MAX_BATCH_VALUES values (27 images at 3x224x224). */
  batchSize?: number;
  /** Noise layout (see SmoothingOptions.noise). Defaults to "per-point". */
  noise?: NoiseLayout;
  /** Noise threads, 0 for the calling thread (does not change results). Defaults to the base model's hint, else 0. */
  noiseThreads?: number;
  /** Progress: called after each base call with the draws made so far and their total, n0 + n (see OnDraws). */
  onDraws?: OnDraws;
}

/**
 * Progress inside one CERTIFY or PREDICT: `drawn` of `total` noisy copies classified so far,
 * called after each base-model call (every `batchSize` draws), increasing, the last call with
 * drawn = total. For a caller to show progress within a long image (issue 26: one image at
 * n = 100000 took 67 s); it never changes a result.
 */
export type OnDraws = (drawn: number, total: number) => void;

/** Options of `smoothedPredict` (Cohen et al.'s PREDICT): sigma, n, alpha. */
export interface PredictOptions {
  /** Noise std in pixel units (> 0). */
  sigma: number;
  /** Monte Carlo draws. */
  n: number;
  /** Level of the binomial test, in (0, 1). Defaults to 0.001. */
  alpha?: number;
  /** Largest base-model call, in images. Defaults as CertifyOptions.batchSize. */
  batchSize?: number;
  /** Noise layout and threads, as in CertifyOptions. */
  noise?: NoiseLayout;
  noiseThreads?: number;
  /** Progress: called after each base call with the draws made so far and n (see OnDraws). */
  onDraws?: OnDraws;
}

/**
 * Cohen et al.'s defaults (locuslab/smoothing code/certify.py: N0 = 100, N = 100000, alpha = 0.001,
 * batch 1000). The batch is capped at MAX_BATCH_VALUES values per call (src/model/classifier.ts
 * defaultBatchSize): 1000 images at 28x28, 27 at 3x224x224, where 1000 would be 600 MB of input.
 */
export const CERTIFY_DEFAULTS = {
  n0: 100,
  n: 100000,
  alpha: 0.001,
  batchSize: 1000,
} as const;

interface CertificationBase {
  /** One-sided (1 - alpha) Clopper-Pearson lower bound on the probability of the guessed class. */
  readonly pABar: number;
  /** Class guessed from the selection draws (cAHat). */
  readonly guess: number;
  /** Per-class counts of the n0 selection draws. */
  readonly selectionCounts: Int32Array;
  /** Per-class counts of the n estimation draws. */
  readonly counts: Int32Array;
  /** Base forward passes spent (n0 + n). */
  readonly forwardPasses: number;
}

/** CERTIFY's answer: a class robust within an L2 radius, or an abstention (pABar < 1/2). */
export type Certification =
  | (CertificationBase & { readonly kind: "certified"; readonly label: number; readonly radius: number })
  | (CertificationBase & { readonly kind: "abstain" });

/** PREDICT's answer: the top class when the binomial test rejects a tie with the runner-up, else an abstention. */
export type Prediction =
  | { readonly kind: "predicted"; readonly label: number; readonly pValue: number; readonly counts: Int32Array; readonly forwardPasses: number }
  | { readonly kind: "abstain"; readonly pValue: number; readonly counts: Int32Array; readonly forwardPasses: number };

function checkCommon(base: Classifier, x: Float32Array, sigma: number, alpha: number, batchSize: number): void {
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new RangeError(`invalid sigma: expected a number > 0, got ${sigma}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`invalid alpha: expected a number in (0, 1), got ${alpha}`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`invalid batchSize: expected an integer >= 1, got ${batchSize}`);
  if (x.length !== imageSize(base.shape)) throw new RangeError(`image size mismatch: expected ${imageSize(base.shape)} values, got ${x.length}`);
}

function checkDraws(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`invalid ${name}: expected an integer >= 1, got ${value}`);
}

/** counts of `num` draws of f(x + N(0, sigma^2 I)) from one stream (core.py `_sample_noise`); `onDraws` sees the draws so far. */
async function sampleCounts(sampler: NoisySampler, x: Float32Array, num: number, stream: Random, onDraws?: (drawn: number) => void) {
  return sampler.sample(x, 1, [stream], num, (_c, _o, drawn) => num - drawn, onDraws);
}

/**
 * CERTIFY (Cohen, Rosenfeld, Kolter 2019, Algorithm 1; locuslab/smoothing code/core.py
 * `Smooth.certify`). With probability at least 1 - alpha over the noise, a certified label equals
 * g(x) and g is constant within the L2 ball of the returned radius around x.
 * Selection and estimation draw separate noise: CERTIFY_STREAMS (src/rng/streams.ts).
 */
export async function certify(base: Classifier, x: Float32Array, random: Random, options: CertifyOptions): Promise<Certification> {
  const { sigma } = options;
  const n0 = options.n0 ?? CERTIFY_DEFAULTS.n0;
  const n = options.n ?? CERTIFY_DEFAULTS.n;
  const alpha = options.alpha ?? CERTIFY_DEFAULTS.alpha;
  const batchSize = options.batchSize ?? defaultBatchSize(x.length, CERTIFY_DEFAULTS.batchSize);
  checkCommon(base, x, sigma, alpha, batchSize);
  checkDraws("n0", n0);
  checkDraws("n", n);
  const sampler = new NoisySampler(base, sigma, batchSize, options.noise, options.noiseThreads ?? base.noiseThreads);
  const k = base.numClasses;
  const onDraws = options.onDraws;
  // draw n0 samples of f(x + noise) and guess the top class from them
  const selection = await sampleCounts(sampler, x, n0, random.fork(CERTIFY_STREAMS.selection), onDraws && ((drawn) => onDraws(drawn, n0 + n)));
  const guess = argmaxVotes(selection.counts, 0, k);
  // draw n fresh samples and bound the guessed class's probability from below
  const estimation = await sampleCounts(sampler, x, n, random.fork(CERTIFY_STREAMS.estimation), onDraws && ((drawn) => onDraws(n0 + drawn, n0 + n)));
  const nA = estimation.counts[guess];
  const pABar = clopperPearsonLower(nA, n, alpha);
  const common = {
    pABar,
    guess,
    selectionCounts: selection.counts,
    counts: estimation.counts,
    forwardPasses: selection.forwardPasses + estimation.forwardPasses,
  };
  // abstain unless the guessed class has probability > 1/2 with confidence 1 - alpha
  if (pABar < 0.5) return { kind: "abstain", ...common };
  return { kind: "certified", label: guess, radius: certifiedRadius(pABar, sigma), ...common };
}

/**
 * PREDICT (Cohen et al. 2019, Algorithm 1; core.py `Smooth.predict`): n draws, then the two-sided
 * binomial test of the top two counts against p = 1/2 (Hung & Fithian 2016). With probability at
 * least 1 - alpha, a returned label equals g(x); abstains when the p-value exceeds alpha.
 * The top class is the argmax with ties to the smallest index (a tie always abstains: p = 1).
 * The n draws come from `random` itself (one stream, draw after draw).
 */
export async function smoothedPredict(base: Classifier, x: Float32Array, random: Random, options: PredictOptions): Promise<Prediction> {
  const { sigma, n } = options;
  const alpha = options.alpha ?? CERTIFY_DEFAULTS.alpha;
  const batchSize = options.batchSize ?? defaultBatchSize(x.length, CERTIFY_DEFAULTS.batchSize);
  checkCommon(base, x, sigma, alpha, batchSize);
  checkDraws("n", n);
  const sampler = new NoisySampler(base, sigma, batchSize, options.noise, options.noiseThreads ?? base.noiseThreads);
  const k = base.numClasses;
  const onDraws = options.onDraws;
  const { counts, forwardPasses } = await sampleCounts(sampler, x, n, random, onDraws && ((drawn) => onDraws(drawn, n)));
  const top = argmaxVotes(counts, 0, k);
  let second = -1;
  for (let c = 0; c < k; c++) if (c !== top && (second < 0 || counts[c] > counts[second])) second = c;
  const count1 = counts[top], count2 = counts[second];
  const pValue = binomialTestTwoSided(count1, count1 + count2, 0.5);
  if (pValue > alpha) return { kind: "abstain", pValue, counts, forwardPasses };
  return { kind: "predicted", label: top, pValue, counts, forwardPasses };
}
