import { imageSize } from "../model/classifier.js";
import { countAnomaly as note } from "./anomalies.js";
import type { DecisionOracle } from "../oracle/oracle.js";
import { clipToBounds, linfDistance } from "./geometry.js";
import type { Attack, AttackContext, AttackOutcome } from "./types.js";

/** Tunable parameters of RayS (per-call data such as the starting point lives in AttackContext). */
export interface RaySOptions {
  /** Linf threshold of the early stop (only used when `earlyStopping` is true). */
  readonly epsilon: number;
  /** Stop as soon as the best point is within `epsilon` in Linf (the robust-accuracy mode of the paper). */
  readonly earlyStopping: boolean;
  /** Steps of the line search that looks for a first adversarial point along a ray. */
  readonly lineSearchRadius: number;
  /** Binary-search tolerance on the ray parameter, in units of the bounds' range (upper - lower). */
  readonly tolerance: number;
  /** Sign vectors tried at most (one per iteration). With a finite query budget, the budget ends the run. */
  readonly maxIterations: number;
}

/**
 * Defaults of RayS (Chen & Gu, "RayS: A Ray Searching Method for Hard-label Adversarial Attack",
 * KDD 2020), from the official uclaml/RayS `RayS_Single.py`:
 * - `epsilon: 0.3`: `RayS.__init__(..., epsilon=0.3, ...)` (RayS_Single.py; RayS.py uses 0.031 for CIFAR).
 * - `earlyStopping: false`: deliberate deviation. The official default is `early_stopping=True`, which
 *   stops at Linf <= epsilon (robust accuracy); rsbench measures the minimal distortion reached
 *   within the whole query budget (issue 4, docs/paper.md Sect. 4), so the early stop is off unless asked.
 * - `lineSearchRadius: 10`: `self.lin_search_rad = 10`.
 * - `tolerance: 1e-3`: `binary_search(..., tol=1e-3)`. The official code assumes pixels in [0, 1]; here the
 *   tolerance (and the line-search steps) scale with the oracle's range, so [0, 1] matches it exactly.
 * - `maxIterations: Infinity`: the official loop is `for i in range(query_limit)` and stops when the
 *   queries reach `query_limit`; here the oracle's budget ends the run. An oracle without a budget needs
 *   a finite `maxIterations` (or the attack refuses to start: it would never end).
 */
export const RAYS_DEFAULTS: RaySOptions = Object.freeze({
  epsilon: 0.3,
  earlyStopping: false,
  lineSearchRadius: 10,
  tolerance: 1e-3,
  maxIterations: Infinity,
});

/**
 * The official block schedule of the sign flips over `dim` coordinates, as [start, end) pairs without
 * end: at level l the vector is cut into blocks of ceil(dim / 2^l) coordinates, visited in order; the
 * level goes up after block 2^l - 1 or the block that reaches the end (RayS_Single.py,
 * `attack_hard_label`). Past single coordinates the blocks stay single coordinates.
 */
export function* raysBlocks(dim: number): Generator<[start: number, end: number]> {
  let level = 0, index = 0;
  for (;;) {
    const size = Math.ceil(dim / 2 ** level); // block_size = ceil(dim / block_num), block_num = 2^level
    const start = index * size, end = Math.min(dim, (index + 1) * size);
    yield [start, end];
    index++;
    if (index === 2 ** level || end === dim) { level++; index = 0; }
  }
}

export function validate(options: RaySOptions): void {
  const { epsilon, lineSearchRadius, tolerance, maxIterations } = options;
  if (!(epsilon >= 0)) throw new RangeError(`invalid RayS epsilon: expected a number >= 0, got ${epsilon}`);
  if (!(Number.isInteger(lineSearchRadius) && lineSearchRadius >= 1)) {
    throw new RangeError(`invalid RayS lineSearchRadius: expected an integer >= 1, got ${lineSearchRadius}`);
  }
  if (!(tolerance > 0 && Number.isFinite(tolerance))) {
    throw new RangeError(`invalid RayS tolerance: expected a finite number > 0, got ${tolerance}`);
  }
  if (!(maxIterations === Infinity || (Number.isInteger(maxIterations) && maxIterations >= 1))) {
    throw new RangeError(`invalid RayS maxIterations: expected an integer >= 1 or Infinity, got ${maxIterations}`);
  }
}

/**
 * RayS, the hard-label ray search attack (Chen & Gu, KDD 2020), after the official RayS_Single.py.
 *
 * The perturbation is restricted to rays x + r * s / ||s||_2 with a sign vector s in {-1, +1}^d, all of
 * norm sqrt(d), so the ray parameter r is sqrt(d) times the Linf size of the (unclipped) perturbation.
 * RayS keeps the best sign vector and its boundary distance r_t. Each iteration flips one block of
 * signs (hierarchy: the whole vector, then halves, quarters, ..., down to single coordinates, then
 * single coordinates again), asks one query at r_t along the new ray, and only when that point is
 * adversarial runs a binary search on [0, r_t] to the tolerance; a smaller boundary distance replaces
 * the best. Before any ray has succeeded, a line search probes steps 1..lineSearchRadius times the
 * pixel range instead.
 *
 * What it optimises: the Linf distortion (r_t / sqrt(d), before clipping). Every query is clipped to
 * the oracle's bounds. The oracle keeps the best L2 and the best Linf point it ever answered adversarial,
 * so the L2 reported for RayS is the L2 of its points, not something RayS minimises.
 *
 * Randomness: RayS is deterministic (the official `seed` argument seeds nothing the attack uses);
 * `context.random` is not used. With `context.startingPoint`, the first ray is the sign vector of
 * (startingPoint - image) (zeros count as +1), searched from the starting point's Linf size.
 *
 * A random oracle (smoothed classifier) cannot derail the search: the interval only shrinks, and every
 * loop is bounded. Anomalies counted: `lineSearchDisagreed` (the line search's steps all clip to the same
 * corner of the box, so a "yes" after a "no" contradicts an earlier answer), `boundaryAtOriginal` (a
 * binary search never moved its lower end: the oracle called points within tolerance of the original
 * image adversarial).
 */
export const rays: Attack<Partial<RaySOptions>> = async (oracle, image, _label, options, context) => {
  const o: RaySOptions = { ...RAYS_DEFAULTS, ...options };
  validate(o);
  return raysRun(oracle, image, o, context);
};

async function raysRun(
  oracle: DecisionOracle,
  x: Float32Array,
  o: RaySOptions,
  context: AttackContext,
): Promise<AttackOutcome> {
  const dim = imageSize(oracle.shape);
  if (x.length !== dim) throw new RangeError(`RayS: image has ${x.length} values, expected ${dim} for the oracle's shape`);
  if (!Number.isFinite(oracle.remaining) && !Number.isFinite(o.maxIterations)) {
    throw new RangeError("RayS: expected a finite query budget on the oracle or a finite maxIterations, got neither (the attack would never end)");
  }
  const range = oracle.bounds.upper - oracle.bounds.lower;
  const sqrtDim = Math.sqrt(dim);
  const tol = o.tolerance * range;

  const best = new Int8Array(dim).fill(1); // sgn_t: all +1, as torch.sign(torch.ones(shape))
  const attempt = new Int8Array(dim);
  const point = new Float32Array(dim);
  let dBest = Infinity; // d_t

  /** Fills `point` with x + (r / sqrt(d)) * s clipped to the bounds (get_xadv). */
  const ray = (s: Int8Array, r: number): Float32Array => {
    const step = r / sqrtDim;
    for (let j = 0; j < dim; j++) point[j] = x[j] + step * s[j];
    clipToBounds(point, oracle.bounds);
    return point;
  };
  const ask = async (s: Int8Array, r: number): Promise<boolean> => {
    ray(s, r);
    const answer = await oracle.isAdversarial(point, 1);
    return answer[0] === 1;
  };

  /** lin_search: the first step 1..R (times the range) whose point is adversarial, as a ray parameter. */
  const lineSearch = async (s: Int8Array): Promise<number> => {
    for (let k = 1; k <= o.lineSearchRadius; k++) {
      if (await ask(s, k * range * sqrtDim)) {
        if (k > 1) note(context, "lineSearchDisagreed");
        return k * range * sqrtDim;
      }
    }
    return Infinity;
  };

  /** binary_search along ray s, starting from [0, end] when `end` is known adversarial. Updates the best. */
  const refine = async (s: Int8Array, end: number): Promise<boolean> => {
    let start = 0;
    let moved = false;
    while (end - start > tol) {
      const mid = (start + end) / 2;
      if (await ask(s, mid)) end = mid;
      else { start = mid; moved = true; }
    }
    if (!moved) note(context, "boundaryAtOriginal");
    if (end < dBest) {
      dBest = end;
      best.set(s);
      return true;
    }
    return false;
  };

  /** One ray: a probe at the best distance (or a line search before any success), then the refinement. */
  const search = async (s: Int8Array): Promise<boolean> => {
    if (Number.isFinite(dBest)) {
      if (!(await ask(s, dBest))) return false;
      return refine(s, dBest);
    }
    const end = await lineSearch(s);
    return Number.isFinite(end) ? refine(s, end) : false;
  };

  const bestLinf = (): number => (Number.isFinite(dBest) ? linfDistance(ray(best, dBest), x) : Infinity);
  const finalPoint = (): Float32Array | null => {
    return Number.isFinite(dBest) ? ray(best, dBest).slice() : null;
  };

  if (context.startingPoint) {
    const start = context.startingPoint;
    if (start.length !== dim) {
      throw new RangeError(`RayS: starting point has ${start.length} values, expected ${dim}`);
    }
    let linf = 0;
    for (let j = 0; j < dim; j++) {
      const diff = start[j] - x[j];
      best[j] = diff < 0 ? -1 : 1;
      if (Math.abs(diff) > linf) linf = Math.abs(diff);
    }
    const r0 = linf * sqrtDim;
    if (r0 > 0 && (await ask(best, r0))) await refine(best.slice(), r0);
    else await search(best.slice());
  }

  const blocks = raysBlocks(dim);
  let iterations = 0;
  if (o.earlyStopping && bestLinf() <= o.epsilon) {
    return { adversarial: finalPoint(), iterations, stopReason: "epsilon" };
  }
  while (iterations < o.maxIterations) {
    const [start, end] = blocks.next().value as [number, number];
    attempt.set(best);
    for (let j = start; j < end; j++) attempt[j] = -attempt[j];
    const improved = await search(attempt);
    iterations++;
    if (context.progress) context.progress.iterations = iterations;
    // Early stop at Linf <= epsilon, measured on the clipped point as the official `dist`.
    if (o.earlyStopping && improved && bestLinf() <= o.epsilon) {
      return { adversarial: finalPoint(), iterations, stopReason: "epsilon" };
    }
  }
  return { adversarial: finalPoint(), iterations, stopReason: "iterations" };
}
