import type { Classifier, Decider, Votes } from "../model/classifier.js";
import { wrongVotesNeeded } from "../theory/level.js";
import { defaultBatchSize, imageSize } from "../model/classifier.js";
import type { Random } from "../rng/random.js";
import { DEFAULT_NOISE_LAYOUT, parseNoiseLayout, type NoiseLayout } from "./noise.js";
import { NoisySampler } from "./sampler.js";
import { argmaxVotes, drawsToSettleThreshold, drawsToSettleWinner } from "./stopping.js";

/** Options of `SmoothedClassifier`: sigma, n, the seeded noise source and batching. */
export interface SmoothingOptions {
  /** Standard deviation of the Gaussian noise, in pixel units (> 0). */
  sigma: number;
  /** Noisy copies per point (the paper's n, an integer >= 1). */
  n: number;
  /**
   * Largest base-model call, in images. Does not change results. Defaults to 1000, or fewer for
   * large images (defaultBatchSize: at most 2^22 values, 27 images at 3x224x224).
   */
  batchSize?: number;
  /**
   * Stop drawing for a point as soon as its majority can no longer change. `predict` is then
   * exactly the full vote's for the same noise; `votes` returns the counts drawn so far.
   * Defaults to false.
   */
  earlyStop?: boolean;
  /** Source of the noise. Point number p (counted over all calls) uses the stream `random.fork(p)`. */
  random: Random;
  /**
   * How noisy copies map to streams (noise.ts): "per-point" draws copy after copy from the
   * point's stream; "per-draw" gives copy j its own stream `random.fork(p).fork(j)`. Changes the
   * numbers, hence recorded with results. Defaults to "per-point".
   */
  noise?: NoiseLayout;
  /**
   * Worker threads drawing the noise (0: the calling thread). Never changes a result. Defaults
   * to the base model's hint (`base.noiseThreads`: 0 on the CPU, cores - 1 for a model on a GPU), else 0.
   */
  noiseThreads?: number;
}

/** Defaults of SmoothedClassifier. 1000 images per base call: locuslab/smoothing's certify batch is 1000 (code/certify.py). */
export const SMOOTHING_DEFAULTS = {
  batchSize: 1000,
  earlyStop: false,
  noise: DEFAULT_NOISE_LAYOUT,
  noiseThreads: 0,
} as const;

/** Votes plus, per point, whether at least k of its n micro-decisions differ from the label. */
export interface ThresholdVotes extends Votes {
  readonly decisions: Uint8Array;
}

/**
 * The smoothed classifier g(sigma, n) of Cohen et al. (docs/paper.md, g_sigma) as a Monte Carlo vote:
 * each point is classified by the base model on n copies x + N(0, sigma^2 I) and g(x) is the
 * class with the most votes, ties going to the smallest class index. The noise is added in pixel
 * space and NOT clipped to the bounds, as in the paper and locuslab/smoothing. It is itself a
 * Classifier, so attacks and the oracle see it like any other model.
 *
 * Noise is drawn point by point, draw by draw, each point from its own stream, so the same
 * `random` gives the same answers whatever the batch size or early stopping.
 */
export class SmoothedClassifier implements Classifier {
  readonly sigma: number;
  readonly n: number;
  readonly batchSize: number;
  readonly earlyStop: boolean;
  readonly noise: NoiseLayout;
  readonly noiseThreads: number;
  private readonly random: Random;
  private readonly sampler: NoisySampler;
  private points = 0;
  private passes = 0;
  private readonly d: number;

  constructor(readonly base: Classifier, options: SmoothingOptions) {
    const { sigma, n, random } = options;
    const batchSize = options.batchSize ?? defaultBatchSize(imageSize(base.shape), SMOOTHING_DEFAULTS.batchSize);
    if (!(Number.isFinite(sigma) && sigma > 0)) throw new RangeError(`invalid sigma: expected a number > 0, got ${sigma}`);
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`invalid n: expected an integer >= 1, got ${n}`);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`invalid batchSize: expected an integer >= 1, got ${batchSize}`);
    this.sigma = sigma;
    this.n = n;
    this.batchSize = batchSize;
    this.earlyStop = options.earlyStop ?? SMOOTHING_DEFAULTS.earlyStop;
    this.random = random;
    this.noise = parseNoiseLayout(options.noise ?? SMOOTHING_DEFAULTS.noise);
    this.noiseThreads = options.noiseThreads ?? base.noiseThreads ?? SMOOTHING_DEFAULTS.noiseThreads;
    if (!Number.isSafeInteger(this.noiseThreads) || this.noiseThreads < 0) throw new RangeError(`invalid noiseThreads: expected an integer >= 0, got ${this.noiseThreads}`);
    this.sampler = new NoisySampler(base, sigma, batchSize, this.noise, this.noiseThreads);
    this.d = imageSize(base.shape);
  }

  get shape() { return this.base.shape; }
  get numClasses() { return this.base.numClasses; }
  get bounds() { return this.base.bounds; }
  /** Base-model forward passes spent by this smoothed classifier. */
  get forwardPasses(): number { return this.passes; }

  /**
   * Per-class counts of the n micro-decisions of each point (fewer draws when `earlyStop` is on:
   * then only the winner is guaranteed to be the full vote's).
   */
  async votes(batch: Float32Array, count: number): Promise<Votes> {
    const n = this.n, k = this.numClasses;
    const rule = this.earlyStop
      ? (counts: Int32Array, offset: number, drawn: number) => drawsToSettleWinner(counts, offset, k, n - drawn)
      : (_c: Int32Array, _o: number, drawn: number) => n - drawn;
    return this.sample(batch, count, rule);
  }

  /** g(x) for each point: the majority class of its n micro-decisions, ties to the smallest index. */
  async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    const votes = await this.votes(batch, count);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) labels[i] = argmaxVotes(votes.counts, i * this.numClasses, this.numClasses);
    return labels;
  }

  /**
   * Whether at least k of the n micro-decisions of each point differ from `label` (the oracle's
   * level-Pa rule, docs/paper.md eq. (4), with k = ceil(n Pa)). Always stops a point as soon as the
   * answer is decided, so it is exactly the full count's answer for the same noise, usually for
   * far fewer forward passes. Consumes points of the noise stream like `votes`.
   */
  async decideDiffering(batch: Float32Array, count: number, label: number, k: number): Promise<ThresholdVotes> {
    const n = this.n, c = this.numClasses;
    if (!Number.isInteger(label) || label < 0 || label >= c) throw new RangeError(`invalid label: expected an integer in [0, ${c - 1}], got ${label}`);
    if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`invalid k: expected an integer in [1, ${n}], got ${k}`);
    const rule = (counts: Int32Array, offset: number, drawn: number) =>
      drawsToSettleThreshold(drawn - counts[offset + label], drawn, n, k);
    const votes = await this.sample(batch, count, rule);
    const decisions = new Uint8Array(count);
    for (let i = 0; i < count; i++) decisions[i] = votes.draws[i] - votes.counts[i * c + label] >= k ? 1 : 0;
    return { ...votes, decisions };
  }

  /**
   * The oracle's level-Pa rule as a Decider: at least ceil(n Pa) wrong micro-decisions
   * (decideDiffering with k = wrongVotesNeeded(n, pa)), each point stopped once decided.
   */
  decider(pa: number): Decider {
    const k = wrongVotesNeeded(this.n, pa);
    return { decide: (batch, count, label) => this.decideDiffering(batch, count, label, k) };
  }

  private async sample(batch: Float32Array, count: number, rule: (counts: Int32Array, offset: number, drawn: number) => number): Promise<Votes> {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`invalid count: expected a non-negative integer, got ${count}`);
    if (batch.length !== count * this.d) {
      throw new RangeError(`image size mismatch: expected ${count} image(s) of ${this.d} values (${count * this.d} in all), got ${batch.length} values`);
    }
    const streams: Random[] = [];
    for (let i = 0; i < count; i++) streams.push(this.random.fork(this.points + i));
    this.points += count;
    const votes = await this.sampler.sample(batch, count, streams, this.n, rule);
    this.passes += votes.forwardPasses;
    return votes;
  }
}
