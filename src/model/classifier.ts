/** Shape of one image, channels first (CHW), as the model takes it. */
export interface ImageShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/**
 * Input values (float32) of the largest default batch: 16 MiB. 1000 images of 28x28 (the default
 * batch is unchanged there), 27 of 3x224x224: onnxruntime's CPU throughput on ResNet-18 is flat
 * from batch ~32 on (BENCHMARKS.md), while 1000 images at 224 take 600 MB per buffer and
 * gigabytes of activations.
 */
export const MAX_BATCH_VALUES = 2 ** 22;

/** The default largest batch for images of d values: `cap` images, at most MAX_BATCH_VALUES / d (at least 1). */
export function defaultBatchSize(d: number, cap = 1000): number {
  return Math.max(1, Math.min(cap, Math.floor(MAX_BATCH_VALUES / d)));
}

/** Closed interval of valid pixel values. Bounds are data: algorithms read them, never assume [0, 1]. */
export interface Bounds {
  readonly lower: number;
  readonly upper: number;
}

/**
 * Votes of a classifier on a batch: `counts[i * numClasses + c]` is how many of the `draws[i]`
 * micro-decisions on image i said class c. A deterministic base classifier casts one vote per
 * image; a smoothed classifier g(sigma, n) casts up to n (fewer when it stops early).
 */
export interface Votes {
  readonly counts: Int32Array;
  readonly draws: Int32Array;
  /** Base-model forward passes this call cost (sum of draws). */
  readonly forwardPasses: number;
}

/** What a decider answered: per point 1 when it counts as adversarial, 0 otherwise, and what it cost. */
export interface Decisions {
  readonly decisions: Uint8Array;
  /** Base-model forward passes spent answering. */
  readonly forwardPasses: number;
}

/**
 * The yes/no question behind a label-only oracle, for one level Pa: does each point count as
 * adversarial for `label` (at least ceil(draws Pa) of its micro-decisions differ from it,
 * docs/paper.md eq. (4) and the attack-side shortcut).
 */
export interface Decider {
  decide(batch: Float32Array, count: number, label: number): Promise<Decisions>;
}

/**
 * An image classifier: bounds plus a batched call (foolbox's model). Images are packed in one
 * Float32Array, `count * channels * height * width` values, CHW per image, in pixel space.
 */
export interface Classifier {
  readonly shape: ImageShape;
  readonly numClasses: number;
  readonly bounds: Bounds;
  /** Predicted label of each of the `count` images. */
  predict(batch: Float32Array, count: number): Promise<Int32Array>;
  /** Per-class vote counts of each of the `count` images (see Votes). */
  votes(batch: Float32Array, count: number): Promise<Votes>;
  /** Base-model forward passes (images through the network) since creation. */
  readonly forwardPasses: number;
  /**
   * How many threads should draw the noise of a smoothed classifier over this model, unless it
   * is told (a hint that never changes a result; see SmoothingOptions.noiseThreads). Absent: 0.
   */
  readonly noiseThreads?: number;
  /**
   * Optional: a cheaper way to answer the level-`pa` question than counting every vote (the
   * smoothed classifier stops each point's draws once the answer is decided). It must give the
   * answers of the vote count for the same randomness. Without it the oracle counts votes.
   */
  decider?(pa: number): Decider;
  /** Optional: releases what the classifier holds outside the JS heap (an ONNX session). */
  dispose?(): Promise<void>;
}

/** Number of values in one image of the given shape. */
export function imageSize(shape: ImageShape): number {
  return shape.channels * shape.height * shape.width;
}

/** "1x28x28" */
export function formatShape(shape: ImageShape): string {
  return `${shape.channels}x${shape.height}x${shape.width}`;
}
