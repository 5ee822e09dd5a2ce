import type { Classifier } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import type { Random } from "../rng/random.js";
import { directionTowards, l2Distance, randomLine } from "./geometry.js";
import { bisectAlong, firstRay, levelDecider, type Bracket, type Decider } from "./search.js";
import { median } from "./summary.js";
import { MisclassifiedImageError } from "./errors.js";
import { checkImage, checkInteger, checkLevel } from "./validate.js";

/** A practical smoothed classifier g(sigma, n) whose dichotomies Fig. 3 plots. */
export interface DichotomyDeciderInput {
  readonly n: number;
  readonly classifier: Classifier;
}

/** Options of `computeDichotomySpread` (Fig. 3). */
export interface DichotomySpreadOptions {
  /** Level Pa of the deciders' criterion. Defaults to 0.5 (majority vote). */
  readonly pa?: number;
  /** Dichotomies per n. Defaults to 200. */
  readonly repetitions?: number;
  /**
   * Halvings of the segment per dichotomy. Defaults to 15 (relative resolution 2^-15 ~ 3e-5,
   * the order of HSJA's stopping threshold d^-3/2 on 28x28 images).
   */
  readonly steps?: number;
  /** Dichotomies with the reference classifier; their median is the g(sigma) boundary. Defaults to 5. */
  readonly referenceRepetitions?: number;
  /** End of the segment: a point adversarial for g(sigma). Otherwise searched along `direction`. */
  readonly adversarial?: Float32Array;
  /** Direction of the segment from the image (normalised here). Defaults to a random direction. */
  readonly direction?: Float32Array;
  /** How far along the direction to look for the g(sigma) boundary. Defaults to 100. */
  readonly maxDistance?: number;
}

/** Defaults of computeDichotomySpread (see each option); Pa = 0.5 is the paper's majority rule. */
export const DICHOTOMY_SPREAD_DEFAULTS: Required<Omit<DichotomySpreadOptions, "adversarial" | "direction">> = {
  pa: 0.5,
  repetitions: 200,
  steps: 15,
  referenceRepetitions: 5,
  maxDistance: 100,
};

/** The dichotomy outputs for one n. */
export interface DichotomySeries {
  readonly n: number;
  /** ||x_out - x_o|| of each repetition (x_out: the adversarial end of the final bracket). */
  readonly distances: readonly number[];
}

/** The data of Fig. 3 (JSON-serialisable). */
export interface DichotomySpread {
  readonly figure: "fig3";
  readonly pa: number;
  readonly steps: number;
  /** Length of the searched segment [x_o, x_end]. */
  readonly segmentLength: number;
  /** Where the dichotomy with the reference g(sigma, N) ends (median of its repetitions): the boundary of g(sigma). */
  readonly referenceDistance: number;
  /** Where the dichotomy with the base classifier ends, or null without a base classifier. */
  readonly baseDistance: number | null;
  readonly series: readonly DichotomySeries[];
}

/**
 * Fig. 3: the output of the binary search every decision-based attack runs, between the image
 * x_o and a point x_end adversarial for g(sigma), when the decider is the random practical
 * classifier g(sigma, n) at level Pa: repeated `repetitions` times per n, it spreads around the
 * boundary of g(sigma) (located by the same dichotomy with `reference`, a g(sigma, N) with N
 * large), the more so as n is small. Without `adversarial`, x_end is found by a doubling search
 * along `direction` (or a random one) with the reference classifier.
 * @see docs/paper.md Sect. 3.5 and Fig. 3.
 */
export async function computeDichotomySpread(
  deciders: readonly DichotomyDeciderInput[],
  reference: Classifier,
  base: Classifier | null,
  image: Float32Array,
  label: number,
  random: Random,
  options: DichotomySpreadOptions = {},
): Promise<DichotomySpread> {
  const o = { ...DICHOTOMY_SPREAD_DEFAULTS, ...options };
  checkLevel("pa", o.pa);
  checkInteger("repetitions", o.repetitions, 1);
  checkInteger("steps", o.steps, 1);
  checkInteger("referenceRepetitions", o.referenceRepetitions, 1);
  checkImage(image, imageSize(reference.shape));
  if (deciders.length === 0) throw new RangeError("invalid deciders: expected at least one g(sigma, n), got none");

  const referenceDecider = levelDecider(reference, image, label);
  if ((await referenceDecider(image, 1))[0] === 1) {
    throw new MisclassifiedImageError("invalid image: expected an image the reference g(sigma) classifies as the given label, got a misclassified one");
  }
  const { direction, bracket } = await segment(referenceDecider, image, random, o);
  const reference_ = await bisectAlong(referenceDecider, image, direction, bracket, o.steps, o.referenceRepetitions);
  const baseDistance = base ? (await bisectAlong(levelDecider(base, image, label), image, direction, bracket, o.steps))[0] : null;

  const series: DichotomySeries[] = [];
  for (const { n, classifier } of deciders) {
    checkInteger("n", n, 1);
    const distances = await bisectAlong(levelDecider(classifier, image, label, o.pa), image, direction, bracket, o.steps, o.repetitions);
    series.push({ n, distances: Array.from(distances) });
  }
  return {
    figure: "fig3",
    pa: o.pa,
    steps: o.steps,
    segmentLength: bracket.high,
    referenceDistance: median(Array.from(reference_)) as number,
    baseDistance,
    series,
  };
}

async function segment(
  decide: Decider,
  image: Float32Array,
  random: Random,
  o: DichotomySpreadOptions & typeof DICHOTOMY_SPREAD_DEFAULTS,
): Promise<{ direction: Float32Array; bracket: Bracket }> {
  if (o.adversarial) return { direction: directionTowards(image, o.adversarial), bracket: { low: 0, high: l2Distance(image, o.adversarial) } };
  // A random line through x_o: try both ways (half the random directions point away from a flat boundary).
  const candidates = o.direction ? [directionTowards(new Float32Array(image.length), o.direction)] : randomLine(image.length, random);
  const ray = await firstRay(decide, image, candidates, o.maxDistance);
  if (!ray) {
    throw new RangeError(`no g(sigma) boundary along the direction: expected an adversarial point within distance ${o.maxDistance}, got none (pass an adversarial point or a larger maxDistance)`);
  }
  return { direction: ray.direction, bracket: { low: 0, high: ray.bracket.high } };
}
