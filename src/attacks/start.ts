import type { Classifier } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import type { Random } from "../rng/random.js";
import { l2Distance } from "./geometry.js";

/**
 * Starting point taken from data: the image of `pool` nearest to `image` in L2 among those the
 * model labels with a class other than `label` (foolbox's `starting_points`: an image of another
 * class, which the attack then moves towards the original). Copies of the original (distance 0,
 * e.g. the original itself when it is in the pool) are never chosen. Returns the index in the pool,
 * or -1 when no pool image qualifies.
 *
 * Why: HSJA and SurFree start from noise (uniform noise, or the image plus Gaussian noise). On
 * MNIST-like data a classifier sends such noise images to one class, so both attacks fail on every
 * image of that class (mnist-standard, test image 0, label 8: HSJA's 2000 queries all answered
 * "not adversarial"). A pool image of another class is adversarial whatever the dataset.
 *
 * `pool` packs `predictions.length` images of `image.length` values; `predictions` are the model's
 * labels of the pool images (computed by the experimenter, outside the attack's budget).
 */
export function nearestOtherClass(image: Float32Array, label: number, pool: Float32Array, predictions: Int32Array): number {
  const d = image.length;
  if (pool.length !== predictions.length * d) {
    throw new RangeError(`starting-point pool: expected ${predictions.length} images of ${d} values (${predictions.length * d} in all), got ${pool.length} values`);
  }
  let best = -1, bestDistance = Infinity;
  for (let i = 0; i < predictions.length; i++) {
    if (predictions[i] === label) continue;
    const distance = l2Distance(pool, image, i * d);
    if (distance > 0 && distance < bestDistance) { bestDistance = distance; best = i; }
  }
  return best;
}

/** Uniform-noise images drawn by `noiseLeavesClass`: rsbench choice, 10 base-model passes per image. */
export const NOISE_PROBES = 10;

/**
 * Whether an attack that starts from noise can start at all: true when at least one of `probes`
 * uniform-noise images (HSJA's initialisation, official `np.random.uniform(clip_min, clip_max)`)
 * gets a label other than `label` from `model`. False means the noise lands in the original's
 * class (measured on mnist-standard: the 3 images of class 8 among the first 40 test images are
 * exactly those where HSJA and SurFree found no start), so the attack should be given one from
 * data (nearestOtherClass). The experimenter asks this of the model, outside the attack's budget.
 */
export async function noiseLeavesClass(model: Classifier, label: number, random: Random, probes = NOISE_PROBES): Promise<boolean> {
  const d = imageSize(model.shape);
  const { lower, upper } = model.bounds;
  const batch = new Float32Array(probes * d);
  for (let k = 0; k < batch.length; k++) batch[k] = lower + (upper - lower) * random.nextFloat();
  const labels = await model.predict(batch, probes);
  return labels.some((l) => l !== label);
}

/**
 * One draw of an attack's own random initialisation, written into `out` (the length of `image`):
 * what `auto` probes for attacks whose start is not HSJA's uniform noise (SurFree: the image plus
 * Gaussian noise, which on colour images stays in the original's class far more often).
 */
export type StartDraw = (image: Float32Array, bounds: { readonly lower: number; readonly upper: number }, random: Random, out: Float32Array) => void;

/**
 * Whether one of `probes` draws of an attack's own initialisation (`draw`) gets a label other
 * than `label` from `model` (see noiseLeavesClass): false means the attack would search for a
 * start in vain and should be given one from data.
 */
export async function drawsLeaveClass(model: Classifier, image: Float32Array, label: number, draw: StartDraw, random: Random, probes = NOISE_PROBES): Promise<boolean> {
  const d = imageSize(model.shape);
  const batch = new Float32Array(probes * d);
  for (let k = 0; k < probes; k++) draw(image, model.bounds, random, batch.subarray(k * d, (k + 1) * d));
  const labels = await model.predict(batch, probes);
  return labels.some((l) => l !== label);
}

/**
 * Where an attack run starts. "own": the attack's own initialisation (official behaviour).
 * "data": the nearest image of another class from a pool of data (nearestOtherClass).
 * "auto": "own", unless uniform noise stays in the original's class (noiseLeavesClass false), or
 * the attack's own initialisation does (drawsLeaveClass false, for an attack that declares its
 * draw), in which case "data".
 */
export type StartKind = "auto" | "data" | "own";
/** The kinds of starting point an attack can be given. */
export const START_KINDS: readonly StartKind[] = ["auto", "data", "own"];

/** Candidate starting points: `predictions.length` packed images and the base model's labels of them. */
export interface StartPool {
  readonly images: Float32Array;
  readonly predictions: Int32Array;
  /** Where each image comes from (its index in the dataset split), recorded as a run's start. */
  readonly indices: Int32Array;
}

/**
 * Images of a starting-point pool: the first 100 of the attacked dataset split (rsbench choice:
 * enough for every class to appear, one base-model call to label them).
 */
export const START_POOL_SIZE = 100;

/**
 * The starting-point pool of `model`, used alike by `rsbench attack` and the experiment runner:
 * the first START_POOL_SIZE images that `load` gives (all of them when the split is smaller;
 * `load` rejects with a RangeError when it holds fewer than asked) labelled by the base model, in
 * one call, outside any attack's budget.
 */
export async function labelStartPool(
  model: Classifier,
  load: (count: number | undefined) => Promise<{ readonly images: Float32Array; readonly indices: Int32Array; readonly count: number }>,
): Promise<StartPool> {
  const set = await load(START_POOL_SIZE).catch((error: unknown) => {
    if (error instanceof RangeError) return load(undefined);
    throw error;
  });
  return { images: set.images, indices: set.indices, predictions: await model.predict(set.images, set.count) };
}

/**
 * The starting point of one run under policy `kind`: the position in `pool` of the image to start
 * from, or -1 for the attack's own initialisation. The one place where the CLI and the experiment
 * runner make this choice, so both attack the same way. `random` drives the noise probes of "auto".
 */
export async function chooseStart(kind: StartKind, base: Classifier, image: Float32Array, label: number, pool: StartPool | null, random: Random, ownDraw?: StartDraw): Promise<number> {
  if (kind === "own" || pool === null) return -1;
  // The attack's own draws on a sub-stream of their own: the uniform probes (and so every record
  // of an attack without its own draw, HSJA) are as before.
  if (kind === "auto" && (await noiseLeavesClass(base, label, random)) && (ownDraw === undefined || (await drawsLeaveClass(base, image, label, ownDraw, random.fork(1))))) return -1;
  return nearestOtherClass(image, label, pool.images, pool.predictions);
}
