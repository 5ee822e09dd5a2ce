import { accumulateProbes, drawProbes } from "./probes.js";
import { countAnomaly as note } from "./anomalies.js";
import type { DecisionOracle } from "../oracle/oracle.js";
import { iterationsToRun, runIterations } from "./iterative.js";
import { clipToBounds, distance } from "./geometry.js";
import type { AttackContext, AttackOutcome, Norm } from "./types.js";

/** How HSJA picks the step along the estimated gradient (official `stepsize_search`). */
export type HsjaStepSizeSearch = "geometric_progression" | "grid_search";

/** Tunable parameters of HopSkipJumpAttack (per-call data such as the starting point lives in AttackContext). */
export interface HsjaOptions {
  /** Norm minimised: "l2" or "linf" (official `constraint`). */
  readonly constraint: Norm;
  /** Sets the binary-search threshold theta = gamma / d^(3/2) (l2) or gamma / d^2 (linf), and through it delta. */
  readonly gamma: number;
  /** Outer iterations when the oracle has no budget, or always when `spendBudget` is false. */
  readonly numIterations: number;
  /** With a finite budget, iterate until it is spent and ignore `numIterations` (the paper's protocol). */
  readonly spendBudget: boolean;
  /** Gradient-estimation probes at iteration 1; iteration t uses floor(initNumEvals * sqrt(t)). */
  readonly initNumEvals: number;
  /** Cap on the probes of one gradient estimate. */
  readonly maxNumEvals: number;
  /** "geometric_progression" (start at dist / sqrt(t), halve until adversarial) or "grid_search". */
  readonly stepsizeSearch: HsjaStepSizeSearch;
  /** Uniform-noise draws tried by the initialisation before it gives up. */
  readonly initTrials: number;
  /** Stopping width of the initial blend binary search (on the blend factor in [0, 1]). */
  readonly initTolerance: number;
  /** Probes per oracle call in the gradient estimate (memory: batchSize * d floats; the result does not depend on it). */
  readonly batchSize: number;
}

/**
 * Defaults of HopSkipJumpAttack (Chen, Jordan, Wainwright, "HopSkipJumpAttack: A Query-Efficient
 * Decision-Based Attack", IEEE S&P 2020), from the official Jianbo-Lab/HSJA `hsja.py` (signature of
 * `hsja(...)` unless said otherwise), cross-checked with bethgelab/foolbox `attacks/hop_skip_jump.py`:
 * - `constraint: "l2"`: `constraint = 'l2'` (foolbox `constraint="l2"`).
 * - `gamma: 1.0`: `gamma = 1.0` (foolbox `gamma=1.0`).
 * - `numIterations: 40`: `num_iterations = 40` (foolbox uses `steps=64`).
 * - `spendBudget: true`: rsbench addition (issue 4): the paper spends the whole query budget, so with a
 *   finite budget the budget, not `numIterations`, ends the run.
 * - `initNumEvals: 100`: `init_num_evals = 100` (foolbox `initial_gradient_eval_steps=100`).
 * - `maxNumEvals: 10000`: `max_num_evals = 1e4` (foolbox `max_gradient_eval_steps=10000`).
 * - `stepsizeSearch: "geometric_progression"`: `stepsize_search = 'geometric_progression'` (same in foolbox).
 * - `initTrials: 10000`: `initialize()` asserts `num_evals < 1e4` after each failed uniform-noise draw,
 *   so it gives up at the 10000th (foolbox instead runs LinearSearchBlendedUniformNoiseAttack).
 * - `initTolerance: 0.001`: `initialize()` blends while `high - low > 0.001`.
 * - `batchSize: 100`: rsbench addition, memory only (the official code queries all probes at once).
 */
export const HSJA_DEFAULTS: HsjaOptions = Object.freeze({
  constraint: "l2",
  gamma: 1.0,
  numIterations: 40,
  spendBudget: true,
  initNumEvals: 100,
  maxNumEvals: 10000,
  stepsizeSearch: "geometric_progression",
  initTrials: 10000,
  initTolerance: 0.001,
  batchSize: 100,
} satisfies HsjaOptions);

/** delta at iteration 1, as a fraction of the bounds' range: official `select_delta`, 0.1 * (clip_max - clip_min). */
const FIRST_DELTA = 0.1;
/** Grid of step sizes, eps = 10^(-4 .. 0) * dist in 20 points: official `np.logspace(-4, 0, num=20)`. */
const GRID_SIZE = 20;
const GRID_LOG10_MIN = -4;

/** The binary-search threshold theta of the official code: gamma / d^(3/2) for l2, gamma / d^2 for linf. */
export function hsjaTheta(constraint: Norm, gamma: number, d: number): number {
  return constraint === "l2" ? gamma / (d * Math.sqrt(d)) : gamma / (d * d);
}

/**
 * Probe radius delta of the official `select_delta`: 0.1 * range at iteration 1, then
 * sqrt(d) * theta * dist (l2) or d * theta * dist (linf), where dist is the distortion of the
 * point handed to the last boundary binary search (`dist_post_update`).
 */
export function hsjaDelta(constraint: Norm, theta: number, d: number, iteration: number, distPostUpdate: number, range: number): number {
  if (iteration === 1) return FIRST_DELTA * range;
  return constraint === "l2" ? Math.sqrt(d) * theta * distPostUpdate : d * theta * distPostUpdate;
}

/**
 * Smallest probe radius rsbench uses: sqrt(d) * 2 float32 ulps of the largest bound magnitude, so a
 * unit-L2 probe moves a typical pixel by about 2 ulps. Queries are float32; for large d the official
 * delta (dist / d) falls below float32 resolution (3x224x224, linf: about 1e-9 per pixel), every probe
 * equals x_t, all answers agree and the estimate is zero. The official code computes in float64.
 */
export function hsjaMinDelta(d: number, lower: number, upper: number): number {
  return Math.sqrt(d) * 2 * Math.max(Math.abs(lower), Math.abs(upper)) * 2 ** -23;
}

/** Probes of the gradient estimate at iteration t (official: int(min(init * sqrt(t), max))). */
export function hsjaNumEvals(initNumEvals: number, maxNumEvals: number, iteration: number): number {
  return Math.floor(Math.min(initNumEvals * Math.sqrt(iteration), maxNumEvals));
}

export function validate(o: HsjaOptions): void {
  if (o.constraint !== "l2" && o.constraint !== "linf") {
    throw new RangeError(`invalid HSJA constraint: expected "l2" or "linf", got ${JSON.stringify(o.constraint)}`);
  }
  if (o.stepsizeSearch !== "geometric_progression" && o.stepsizeSearch !== "grid_search") {
    throw new RangeError(`invalid HSJA stepsizeSearch: expected "geometric_progression" or "grid_search", got ${JSON.stringify(o.stepsizeSearch)}`);
  }
  if (!(o.gamma > 0 && Number.isFinite(o.gamma))) throw new RangeError(`invalid HSJA gamma: expected a finite number > 0, got ${o.gamma}`);
  if (!(o.numIterations === Infinity || (Number.isInteger(o.numIterations) && o.numIterations >= 0))) {
    throw new RangeError(`invalid HSJA numIterations: expected an integer >= 0 or Infinity, got ${o.numIterations}`);
  }
  for (const key of ["initNumEvals", "maxNumEvals", "initTrials", "batchSize"] as const) {
    if (!(Number.isInteger(o[key]) && o[key] >= 1)) throw new RangeError(`invalid HSJA ${key}: expected an integer >= 1, got ${o[key]}`);
  }
  if (!(o.initTolerance > 0 && o.initTolerance < 1)) {
    throw new RangeError(`invalid HSJA initTolerance: expected a number in (0, 1), got ${o.initTolerance}`);
  }
}

/**
 * HopSkipJumpAttack (Chen, Jordan, Wainwright 2020), untargeted, after the official Jianbo-Lab/HSJA
 * `hsja.py`, against a label-only oracle:
 * 1. start from `context.startingPoint` (asked once, as foolbox does) or from uniform noise in the
 *    bounds that is adversarial, blended towards the original by binary search (official `initialize`);
 * 2. binary search between the original and that point down to the threshold theta (`binary_search_batch`);
 * 3. each iteration t: estimate the boundary normal at the current boundary point from
 *    floor(100 sqrt(t)) probes at radius delta (Monte-Carlo with baseline subtraction), step along it
 *    (its sign for linf) by geometric progression or grid search, and binary search back to the boundary.
 * Every query is clipped to the oracle's bounds. With a finite budget (and `spendBudget`) the run ends
 * when the budget does; the last gradient estimates are trimmed so that a step and a binary search
 * still fit in what remains (the geometric progression spends the budget exactly; a grid step asks its
 * 20 points at once and then binary searches the adversarial ones in lockstep, so a grid run may end
 * up to 19 queries short, which the outcome's `unspent` reports with the call that did not fit).
 * Returns the final boundary point (every point HSJA holds was answered adversarial at least once).
 *
 * A random oracle (smoothed classifier) can contradict itself; the events below are handled without
 * looping or crashing and counted in `context.anomalies`:
 * - `allProbesAgree`: all probes of a gradient estimate got the same answer; as officially, the
 *   estimate is then the mean probe direction, signed (+ when all adversarial, - when all benign).
 * - `stepSizeSearchFailed`: the geometric progression halved the step below theta * dist (below the
 *   binary-search resolution) without an adversarial answer. The official loop halves forever; here the
 *   iteration keeps its current point instead.
 * - `gridSearchFailed`: no grid point was adversarial; the point is kept (official behaviour).
 * - `zeroGradient`: the estimate has zero norm (cannot step); the iteration keeps its point.
 * - `deltaFloored`: the official delta was below float32 resolution and was raised to hsjaMinDelta
 *   (large images, or tiny distortions: on 1x28x28 [0, 1] only when the distortion is below ~0.005).
 * - `startingPointBenign`: the given starting point was answered benign; HSJA initialises itself instead.
 * The binary searches never re-ask their adversarial end (as officially), so the end they return was
 * always answered adversarial, even by a random oracle.
 */
export async function hsja(
  oracle: DecisionOracle,
  image: Float32Array,
  _label: number,
  options: Partial<HsjaOptions>,
  context: AttackContext,
): Promise<AttackOutcome> {
  const o: HsjaOptions = { ...HSJA_DEFAULTS, ...options };
  validate(o);
  const iterations = iterationsToRun("HSJA", oracle, image, o, context);
  return runIterations(new HsjaRun(oracle, image, o, context), iterations);
}

/**
 * What an HSJA oracle call asks, the `reason` of its UnspentBudget when the budget refused it with
 * queries left. Only calls of several points can: "grid search" (the 20 step sizes of a grid step)
 * and "grid binary search" (one midpoint per adversarial grid point, in lockstep); a gradient
 * estimate is trimmed to fit and every other call asks one point.
 */
export type HsjaCall = "single point" | "gradient estimate" | "grid search" | "grid binary search";

/** The state of one HSJA run (never shared between calls). Buffers are allocated once per run. */
class HsjaRun {
  readonly d: number;
  readonly theta: number;
  readonly lower: number;
  readonly upper: number;
  readonly minDelta: number;
  /** Current boundary point x_t (valid once `found`). */
  readonly x: Float32Array;
  found = false;
  iterations = 0;
  /** The last oracle call asked (or refused). */
  asking: HsjaCall = "single point";
  /** Distortion of x_t, and of the point handed to the last boundary binary search (`dist_post_update`). */
  dist = Infinity;
  distPostUpdate = Infinity;

  private readonly rv: Float32Array;
  private readonly probes: Float32Array;
  private readonly sumRv: Float64Array;
  private readonly sumFRv: Float64Array;
  private readonly update: Float64Array;
  /** Points to binary search (one, or the adversarial grid points) and the midpoints asked. */
  private readonly ends: Float32Array;
  private readonly mids: Float32Array;
  private readonly highs: Float64Array;
  private readonly lows: Float64Array;
  private readonly thresholds: Float64Array;

  constructor(
    readonly oracle: DecisionOracle,
    readonly x0: Float32Array,
    readonly o: HsjaOptions,
    readonly context: AttackContext,
  ) {
    const d = x0.length;
    this.d = d;
    this.theta = hsjaTheta(o.constraint, o.gamma, d);
    this.lower = oracle.bounds.lower;
    this.upper = oracle.bounds.upper;
    this.minDelta = hsjaMinDelta(d, this.lower, this.upper);
    this.x = new Float32Array(d);
    this.rv = new Float32Array(d);
    this.probes = new Float32Array(Math.min(o.batchSize, o.maxNumEvals) * d);
    this.sumRv = new Float64Array(d);
    this.sumFRv = new Float64Array(d);
    this.update = new Float64Array(d);
    const width = o.stepsizeSearch === "grid_search" ? GRID_SIZE : 1;
    this.ends = new Float32Array(width * d);
    this.mids = new Float32Array(width * d);
    this.highs = new Float64Array(width);
    this.lows = new Float64Array(width);
    this.thresholds = new Float64Array(width);
  }

  async attack(iterations: number): Promise<AttackOutcome> {
    if (!(await this.initialize())) return { adversarial: null, iterations: 0, stopReason: "failed" };
    // Project the initialisation to the boundary.
    this.ends.set(this.x);
    await this.binarySearch(1);
    const { o, d, theta } = this;
    for (let t = 1; t <= iterations; t++) {
      // The original itself was answered adversarial (only a random oracle can): nothing left to reduce.
      if (this.dist <= 0) return { adversarial: this.x.slice(), iterations: this.iterations, stopReason: "converged" };
      let delta = hsjaDelta(o.constraint, theta, d, t, this.distPostUpdate, this.upper - this.lower);
      if (delta < this.minDelta) {
        note(this.context, "deltaFloored");
        delta = this.minDelta;
      }
      let numEvals = hsjaNumEvals(o.initNumEvals, o.maxNumEvals, t);
      // Near the end of a budget, leave room for the step-size search and one binary search.
      const remaining = this.oracle.remaining;
      if (Number.isFinite(remaining)) numEvals = Math.max(1, Math.min(numEvals, remaining - this.stepReserve()));
      if (await this.approximateGradient(numEvals, delta)) {
        if (o.stepsizeSearch === "geometric_progression") await this.geometricStep(t);
        else await this.gridStep();
      } else {
        note(this.context, "zeroGradient");
      }
      this.iterations = t;
    }
    return { adversarial: this.x.slice(), iterations: this.iterations, stopReason: "iterations" };
  }

  private async ask(batch: Float32Array, count: number, call: HsjaCall = "single point"): Promise<Uint8Array> {
    this.asking = call;
    clipToBounds(batch, this.oracle.bounds, 0, count * this.d);
    return this.oracle.isAdversarial(batch, count);
  }

  /** Official `initialize` (blended uniform noise), or the given starting point when it is adversarial. */
  private async initialize(): Promise<boolean> {
    const { d, x, x0, lower, upper, context } = this;
    const start = context.startingPoint;
    if (start !== undefined) {
      x.set(start);
      if ((await this.ask(x, 1))[0] === 1) return (this.found = true); // (ask clipped it to the bounds)
      note(context, "startingPointBenign");
    }
    // Uniform noise in the bounds until one is adversarial; kept in `rv` while blending.
    const noise = this.rv;
    let success = false;
    for (let trial = 0; trial < this.o.initTrials && !success; trial++) {
      for (let k = 0; k < d; k++) noise[k] = lower + (upper - lower) * context.random.nextFloat();
      success = (await this.ask(noise, 1))[0] === 1;
    }
    if (!success) return false;
    x.set(noise);
    this.found = true;
    // Binary search on the blend (1 - a) x0 + a noise, a in [0, 1], to minimise the L2 distortion.
    const query = this.ends;
    let low = 0, high = 1;
    while (high - low > this.o.initTolerance) {
      const mid = (high + low) / 2;
      blend(x0, noise, mid, query);
      if ((await this.ask(query, 1))[0] === 1) high = mid;
      else low = mid;
    }
    blend(x0, noise, high, x);
    clipToBounds(x, this.oracle.bounds);
    return true;
  }

  /** Queries one step and one binary search need after a gradient estimate (to trim it at the end of a budget). */
  private stepReserve(): number {
    let width = this.o.constraint === "l2" ? 1 : this.dist;
    const threshold = this.o.constraint === "l2" ? this.theta : Math.min(this.dist * this.theta, this.theta);
    let halvings = 0;
    while (width > threshold) { width /= 2; halvings++; }
    return (this.o.stepsizeSearch === "grid_search" ? GRID_SIZE : 1) + halvings;
  }

  /**
   * Official `approximate_gradient` at x_t: numEvals directions u_i (Gaussian for l2, uniform in
   * [-1, 1] for linf, normalised to unit L2 norm), probes clip(x_t + delta u_i), directions re-read
   * from the clipped probes, answers f_i = +-1, and the estimate mean((f_i - mean f) u_i), or
   * +-mean(u_i) when all f_i agree. Writes the unit-norm estimate into `update`; false if it is zero.
   */
  private async approximateGradient(numEvals: number, delta: number): Promise<boolean> {
    const { d, x, rv, probes, sumRv, sumFRv, context } = this;
    const random = context.random;
    const linf = this.o.constraint === "linf";
    const batch = Math.min(this.o.batchSize, this.o.maxNumEvals);
    sumRv.fill(0);
    sumFRv.fill(0);
    let adversarial = 0;
    for (let done = 0; done < numEvals; done += batch) {
      const count = Math.min(batch, numEvals - done);
      drawProbes(random, x, delta, linf, rv, probes, count, 1e-12);
      const answers = await this.ask(probes, count, "gradient estimate");
      adversarial += accumulateProbes(answers, probes, x, delta, count, sumRv, sumFRv);
    }
    const fMean = (2 * adversarial - numEvals) / numEvals;
    const agree = adversarial === 0 || adversarial === numEvals;
    if (agree) note(context, "allProbesAgree");
    const g = this.update;
    let norm = 0;
    for (let k = 0; k < d; k++) {
      // Baseline subtraction: mean((f - fMean) u) = (sum f u - fMean sum u) / n; all agree: fMean * mean(u).
      const v = agree ? fMean * sumRv[k] : sumFRv[k] - fMean * sumRv[k];
      g[k] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    if (!(norm > 0 && Number.isFinite(norm))) return false;
    // l2 steps along the unit gradient, linf along its sign (official `update`).
    for (let k = 0; k < d; k++) g[k] = linf ? Math.sign(g[k]) : g[k] / norm;
    return true;
  }

  /** Writes clip(x_t + eps * update) into `out` at point `i`. */
  private stepPoint(eps: number, out: Float32Array, i: number): void {
    const { d, x, update } = this;
    for (let k = 0, p = i * d; k < d; k++, p++) out[p] = x[k] + eps * update[k];
    clipToBounds(out, this.oracle.bounds, i * d, d);
  }

  /**
   * Official `geometric_progression_for_stepsize`: eps = dist / sqrt(t), halved until x_t + eps * update
   * is adversarial; then binary search back to the boundary. Bounded here: below theta * dist the step
   * is under the binary-search resolution, so the search gives up (`stepSizeSearchFailed`).
   */
  private async geometricStep(t: number): Promise<void> {
    const minEps = this.theta * this.dist;
    for (let eps = this.dist / Math.sqrt(t); eps >= minEps; eps /= 2) {
      this.stepPoint(eps, this.ends, 0);
      if ((await this.ask(this.ends, 1))[0] === 1) {
        await this.binarySearch(1);
        return;
      }
    }
    note(this.context, "stepSizeSearchFailed");
  }

  /**
   * Official grid search: eps in 20 points from 1e-4 dist to dist (log scale), all asked at once; the
   * adversarial ones are binary searched together and the closest result is kept.
   */
  private async gridStep(): Promise<void> {
    const { d, mids, ends } = this;
    for (let j = 0; j < GRID_SIZE; j++) {
      const eps = 10 ** (GRID_LOG10_MIN + (-GRID_LOG10_MIN * j) / (GRID_SIZE - 1)) * this.dist;
      this.stepPoint(eps, mids, j);
    }
    const answers = await this.ask(mids, GRID_SIZE, "grid search");
    // Keep the adversarial grid points (official `perturbeds[idx_perturbed]`) as the ends to search.
    let count = 0;
    for (let j = 0; j < GRID_SIZE; j++) {
      if (answers[j] === 1) ends.set(mids.subarray(j * d, (j + 1) * d), count++ * d);
    }
    if (count === 0) { note(this.context, "gridSearchFailed"); return; }
    await this.binarySearch(count);
  }

  /**
   * Official `binary_search_batch` from the original to each of the `count` adversarial points in
   * `ends`, all in lockstep: on the blend factor in [0, 1] down to theta for l2; on the Linf radius in
   * [0, dist_i] down to min(dist_i * theta, theta) for linf (projection: clip to the Linf ball). The
   * point of smallest distortion becomes x_t; `distPostUpdate` is the distortion of its end.
   */
  private async binarySearch(count: number): Promise<void> {
    const { d, x0, ends, mids, highs, lows, thresholds, theta } = this;
    const l2 = this.o.constraint === "l2";
    for (let i = 0; i < count; i++) {
      const end = distance(ends, x0, this.o.constraint, i * d);
      highs[i] = l2 ? 1 : end;
      lows[i] = 0;
      thresholds[i] = l2 ? theta : Math.min(end * theta, theta);
    }
    for (;;) {
      let open = false;
      for (let i = 0; i < count; i++) if (highs[i] - lows[i] > thresholds[i]) open = true;
      if (!open) break;
      for (let i = 0; i < count; i++) this.project(i, (highs[i] + lows[i]) / 2, mids, i);
      const answers = await this.ask(mids, count, count > 1 ? "grid binary search" : "single point");
      for (let i = 0; i < count; i++) {
        const mid = (highs[i] + lows[i]) / 2;
        if (answers[i] === 1) highs[i] = mid;
        else lows[i] = mid;
      }
    }
    let best = 0, bestDist = Infinity;
    for (let i = 0; i < count; i++) {
      this.project(i, highs[i], mids, i);
      clipToBounds(mids, this.oracle.bounds, i * d, d);
      const dist = distance(mids, x0, this.o.constraint, i * d);
      if (dist < bestDist) { bestDist = dist; best = i; }
    }
    this.x.set(mids.subarray(best * d, (best + 1) * d));
    this.distPostUpdate = distance(ends, x0, this.o.constraint, best * d);
    this.dist = bestDist;
  }

  /** Official `project`: (1 - a) x0 + a end_i for l2, clip(end_i, x0 - a, x0 + a) for linf; into `out` at point j. */
  private project(i: number, alpha: number, out: Float32Array, j: number): void {
    const { d, x0, ends } = this;
    const e = i * d, p = j * d;
    if (this.o.constraint === "l2") {
      for (let k = 0; k < d; k++) out[p + k] = (1 - alpha) * x0[k] + alpha * ends[e + k];
    } else {
      for (let k = 0; k < d; k++) {
        const lo = x0[k] - alpha, hi = x0[k] + alpha, v = ends[e + k];
        out[p + k] = v < lo ? lo : v > hi ? hi : v;
      }
    }
  }
}

/** (1 - a) x0 + a noise into `out` (the official blended-noise initialisation). */
function blend(x0: Float32Array, noise: Float32Array, a: number, out: Float32Array): void {
  for (let k = 0; k < x0.length; k++) out[k] = (1 - a) * x0[k] + a * noise[k];
}
