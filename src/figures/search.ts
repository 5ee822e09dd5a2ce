import type { Classifier } from "../model/classifier.js";
import { LabelOnlyOracle } from "../oracle/labelOnly.js";
import { pointAlong } from "./geometry.js";

/**
 * The yes/no question the figure computations ask: for each of `count` points packed in
 * `batch`, 1 when it is adversarial for the original label, 0 otherwise.
 */
export type Decider = (batch: Float32Array, count: number) => Promise<Uint8Array>;

/**
 * The decider of a classifier at level Pa, with the attack oracle's rule (a point is adversarial
 * when at least ceil(draws * Pa) of its micro-decisions differ from `label`; one draw for a base
 * classifier): the figures ask exactly the question the attacks ask. No budget.
 * @see docs/paper.md eq. (4) and src/oracle/labelOnly.ts.
 */
export function levelDecider(classifier: Classifier, image: Float32Array, label: number, pa = 0.5): Decider {
  const oracle = new LabelOnlyOracle(classifier, image, label, { pa });
  return (batch, count) => oracle.isAdversarial(batch, count);
}

/** A bracket [low, high] of distances along a ray: low benign, high adversarial. */
export interface Bracket {
  readonly low: number;
  readonly high: number;
}

/**
 * Walks the ray origin + t * direction with t = start, 2 start, 4 start, ... up to maxDistance
 * and returns the first bracket whose far end is adversarial, or null when none is. Points are
 * not clipped to the input bounds: the figures probe the classifier's geometry along a line.
 */
export async function findAdversarialAlong(
  decide: Decider,
  origin: Float32Array,
  direction: Float32Array,
  start: number,
  maxDistance: number,
): Promise<Bracket | null> {
  if (!(start > 0) || !(maxDistance >= start)) {
    throw new RangeError(`invalid search range: expected 0 < start <= maxDistance, got start ${start} and maxDistance ${maxDistance}`);
  }
  const x = new Float32Array(origin.length);
  let low = 0;
  for (let t = start; ; t = Math.min(2 * t, maxDistance)) {
    pointAlong(origin, direction, t, x);
    if ((await decide(x, 1))[0] === 1) return { low, high: t };
    if (t >= maxDistance) return null;
    low = t;
  }
}

/**
 * The dichotomy of every decision-based attack: `steps` halvings of [low, high] along
 * origin + t * direction, keeping low benign and high adversarial, run `repetitions` times in
 * lockstep (one batched decision per step). Returns the final adversarial end `high` of each
 * repetition: what an attack's binary search hands back. With a random decider the repetitions
 * differ (docs/paper.md Sect. 3.5, Fig. 3).
 */
export async function bisectAlong(
  decide: Decider,
  origin: Float32Array,
  direction: Float32Array,
  bracket: Bracket,
  steps: number,
  repetitions = 1,
): Promise<Float64Array> {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`invalid steps: expected a non-negative integer, got ${steps}`);
  if (!Number.isInteger(repetitions) || repetitions < 1) {
    throw new RangeError(`invalid repetitions: expected a positive integer, got ${repetitions}`);
  }
  const d = origin.length;
  const low = new Float64Array(repetitions).fill(bracket.low);
  const high = new Float64Array(repetitions).fill(bracket.high);
  const batch = new Float32Array(repetitions * d);
  for (let s = 0; s < steps; s++) {
    for (let r = 0; r < repetitions; r++) {
      pointAlong(origin, direction, (low[r] + high[r]) / 2, batch.subarray(r * d, (r + 1) * d));
    }
    const adversarial = await decide(batch, repetitions);
    for (let r = 0; r < repetitions; r++) {
      const mid = (low[r] + high[r]) / 2;
      if (adversarial[r]) high[r] = mid;
      else low[r] = mid;
    }
  }
  return high;
}

/**
 * The first of the candidate directions along which `findAdversarialAlong` finds an adversarial
 * point (starting at maxDistance / 1024), with its bracket; null when none does.
 */
export async function firstRay(
  decide: Decider,
  origin: Float32Array,
  candidates: readonly Float32Array[],
  maxDistance: number,
): Promise<{ direction: Float32Array; bracket: Bracket } | null> {
  for (const direction of candidates) {
    const bracket = await findAdversarialAlong(decide, origin, direction, maxDistance / 1024, maxDistance);
    if (bracket) return { direction, bracket };
  }
  return null;
}
