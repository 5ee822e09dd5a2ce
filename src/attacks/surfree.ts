import type { Bounds, ImageShape } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import { countAnomaly as bump } from "./anomalies.js";
import type { DecisionOracle } from "../oracle/oracle.js";
import type { Random } from "../rng/random.js";
import { dct2d, idct2d, zigZagMask } from "./dct.js";
import { clipToBounds, float32Toward } from "./geometry.js";
import type { AttackContext, AttackOutcome } from "./types.js";
import type { StartDraw } from "./start.js";

/**
 * SurFree (Maho, Furon & Le Merrer, "SurFree: a fast surrogate-free black-box attack", CVPR 2021,
 * arXiv:2011.12807), an L2 decision-based attack. From the current adversarial point it draws a
 * new low-frequency DCT direction orthogonal to the previous ones, and searches the circle whose
 * diameter joins the original image to the adversarial point (Thales' circle: on a flat boundary
 * its second intersection with the boundary is the closest point of the plane) for an
 * adversarial angle, refines the angle by binary search, and moves there.
 *
 * Follows the official PyTorch implementation, t-maho/SurFree `surfree.py` (class SurFree and
 * class Basis, master) with its `utils/attack.py` and `utils/dct.py`. That `surfree.py` was read
 * from verbatim copies in other repositories: the snapshot of t-maho/SurFree at hand holds the
 * earlier foolbox version (rho = 0.98, T = 3, BS_max_iteration = 10, boost 0.1/0.9, no
 * quantification, no final line search), which is not what is followed here.
 * Where that code would fail on a random oracle or a shape it never met, the deviation is
 * documented at the line that makes it and counted in `context.anomalies`.
 */

export interface SurFreeOptions {
  /**
   * Outer iterations (one accepted direction each). Defaults to 100 (official `steps`). Ends the
   * run only when the oracle has no finite budget, or when `spendBudget` is false.
   */
  readonly steps: number;
  /**
   * When the oracle has a finite budget, run until it is spent (keeping `bsMaxIteration + 1`
   * queries for the final line search) instead of stopping after `steps`. Defaults to true
   * (rsbench: the paper's protocol spends the whole budget; the official stops after `steps`,
   * about 600-750 queries on 28x28 images, and its `max_queries` cap is replaced by the budget).
   */
  readonly spendBudget: boolean;
  /** Binary-search stopping precision (on 1 - cos(theta) for the angle search). Defaults to 0.01 (official `BS_gamma`). */
  readonly bsGamma: number;
  /** Maximum iterations of each binary search. Defaults to 7 (official `BS_max_iteration`). */
  readonly bsMaxIteration: number;
  /** Initial largest angle tried on a new direction, in degrees. Defaults to 30 (official `theta_max`). */
  readonly thetaMax: number;
  /** Directions kept for Gram-Schmidt besides the first one. Defaults to 100 (official `n_ortho`). */
  readonly nOrtho: number;
  /** theta_max is multiplied by rho after a failed direction and divided by it after a success. Defaults to 0.95 (official `rho`). */
  readonly rho: number;
  /** Angles tried per direction: +-(1 - i/T) theta_max, i < T. Defaults to 1 (official `T`). */
  readonly T: number;
  /** Refine the angle by binary search. Defaults to true (official `with_alpha_line_search`). */
  readonly withAlphaLineSearch: boolean;
  /** Binary search towards the original after each step. Defaults to false (official `with_distance_line_search`). */
  readonly withDistanceLineSearch: boolean;
  /** Binary search towards the original at the end of the run. Defaults to true (official `final_line_search`). */
  readonly finalLineSearch: boolean;
  /**
   * Round every query to the 8-bit grid lower + k (upper - lower) / 255. Defaults to true
   * (official `quantification`, `(x * 255).round() / 255` on [0, 1] images).
   */
  readonly quantification: boolean;
  /** "dct": low-frequency DCT directions; "random": i.i.d. normal pixels. Defaults to "dct" (official `Basis(basis_type="dct")`). */
  readonly basis: "dct" | "random";
  /**
   * Share [lo, hi] of the DCT coefficients, in zig-zag order, that directions may use.
   * Defaults to [0, 0.5] (official `Basis._load_params(frequence_range=(0, 0.5))`).
   */
  readonly frequencyRange: readonly [number, number];
  /**
   * Weight of each kept coefficient from the image's own DCT: tanh(tanhGamma * c), c, or 1.
   * Defaults to "tanh" (official `function="tanh"`).
   */
  readonly dctFunction: "tanh" | "identity" | "constant";
  /** Slope of the tanh weighting. Defaults to 1 (official `tanh_gamma`). */
  readonly tanhGamma: number;
  /** Std of the pixel noise added to each DCT direction. Defaults to 0 (official `beta`). */
  readonly beta: number;
  /**
   * Std of the Gaussian noise of the random start, in units of (upper - lower). Defaults to 0.5
   * (official `utils/attack.py get_init_with_noise`: `X + 0.5 * randn`, clipped).
   */
  readonly initNoise: number;
  /** Random starts tried before giving up. Defaults to 1000 (rsbench: the official loops until one is adversarial). */
  readonly initAttempts: number;
}

/**
 * Defaults of the official implementation (t-maho/SurFree master `surfree.py`:
 * `SurFree.__init__(steps=100, BS_gamma=0.01, BS_max_iteration=7, theta_max=30, n_ortho=100,
 * rho=0.95, T=1, with_alpha_line_search=True, with_distance_line_search=False,
 * final_line_search=True, quantification=True)`, `Basis(basis_type="dct")` and
 * `Basis._load_params(beta=0, frequence_range=(0, 0.5), dct_type="full", function="tanh",
 * tanh_gamma=1)`, `utils/attack.py` noise 0.5), plus two rsbench options: `spendBudget` (true)
 * and `initAttempts` (1000). Not carried over: `max_queries` (the oracle's budget), `clip`
 * (rsbench always clips queries to the oracle's bounds), `dct_type="8x8"` (non-default, and the
 * official fails on sides that are not multiples of 8) and `with_interpolation` (non-default; the
 * master version reads `theta_star.raw` on a torch tensor and takes the cosine of degrees).
 */
export const SURFREE_DEFAULTS: SurFreeOptions = Object.freeze({
  steps: 100,
  spendBudget: true,
  bsGamma: 0.01,
  bsMaxIteration: 7,
  thetaMax: 30,
  nOrtho: 100,
  rho: 0.95,
  T: 1,
  withAlphaLineSearch: true,
  withDistanceLineSearch: false,
  finalLineSearch: true,
  quantification: true,
  basis: "dct",
  frequencyRange: Object.freeze([0, 0.5]) as unknown as readonly [number, number],
  dctFunction: "tanh",
  tanhGamma: 1,
  beta: 0,
  initNoise: 0.5,
  initAttempts: 1000,
});

/**
 * Below this theta_max (degrees) a probe moves the point by less than float32 resolution, so on a
 * consistent oracle it reproduces the current adversarial point and succeeds; reaching it means
 * the oracle keeps rejecting the point it accepted (a random oracle): see `run` for what follows.
 */
const THETA_FLOOR = 1e-7;
/** Residual norm (relative) under which a new direction is taken to lie in the span of the history. */
const DEGENERATE_DIRECTION = 1e-3;
/** Official `_binary_search(boost=True)` (master): first probe at 0.2 x_o + 0.8 x_adv. */
const BOOST = 0.8;

/** Thrown inside a run when the next query would eat the queries kept for the final line search. */
class ReserveReached extends Error {
  /** `requested`: points the withheld call asked together. */
  constructor(readonly requested: number) {
    super("reserve reached");
  }
}

/**
 * The `reason` of SurFree's UnspentBudget: with a budget and the final line search, a call that
 * would leave fewer than bsMaxIteration + 1 queries is withheld and the final line search (at most
 * bsMaxIteration + 1 queries) ends the run. A withheld pair (an angle and its opposite, asked
 * together by the angle binary search) at bsMaxIteration + 2 left leaves 1 query unspent.
 */
export const SURFREE_RESERVE_REASON = "reserve for the final line search";

/**
 * SurFree (Maho, Furon, Le Merrer, CVPR 2021): a decision-based attack that searches random
 * directions of a low-frequency (DCT) subspace around the best point, through the label-only
 * oracle only; its options default to SURFREE_DEFAULTS.
 */
export async function surfree(
  oracle: DecisionOracle,
  image: Float32Array,
  label: number,
  options: Partial<SurFreeOptions>,
  context: AttackContext,
): Promise<AttackOutcome> {
  void label; // the oracle already knows what "adversarial" means
  const o: SurFreeOptions = { ...SURFREE_DEFAULTS, ...options };
  validate(o);
  const d = imageSize(oracle.shape);
  if (image.length !== d) {
    throw new RangeError(`SurFree: image has ${image.length} values, expected ${d} for shape ${oracle.shape.channels}x${oracle.shape.height}x${oracle.shape.width}`);
  }
  return new SurFreeRun(oracle, image, o, context).run();
}

export function validate(o: SurFreeOptions): void {
  const positiveInt = (name: string, v: number, min: number) => {
    if (!(Number.isInteger(v) && v >= min)) throw new RangeError(`invalid SurFree option ${name}: expected an integer >= ${min}, got ${v}`);
  };
  positiveInt("steps", o.steps, 0);
  positiveInt("bsMaxIteration", o.bsMaxIteration, 0);
  positiveInt("nOrtho", o.nOrtho, 0);
  positiveInt("T", o.T, 1);
  positiveInt("initAttempts", o.initAttempts, 1);
  if (!(o.rho > 0 && o.rho <= 1)) throw new RangeError(`invalid SurFree option rho: expected a value in (0, 1], got ${o.rho}`);
  if (!(o.thetaMax > 0 && o.thetaMax <= 90)) throw new RangeError(`invalid SurFree option thetaMax: expected degrees in (0, 90], got ${o.thetaMax}`);
  if (!(o.bsGamma >= 0)) throw new RangeError(`invalid SurFree option bsGamma: expected a value >= 0, got ${o.bsGamma}`);
  if (!(o.beta >= 0)) throw new RangeError(`invalid SurFree option beta: expected a value >= 0, got ${o.beta}`);
  if (!(o.initNoise > 0)) throw new RangeError(`invalid SurFree option initNoise: expected a value > 0, got ${o.initNoise}`);
  if (o.basis !== "dct" && o.basis !== "random") throw new RangeError(`invalid SurFree option basis: expected "dct" or "random", got ${String(o.basis)}`);
  if (!["tanh", "identity", "constant"].includes(o.dctFunction)) {
    throw new RangeError(`invalid SurFree option dctFunction: expected "tanh", "identity" or "constant", got ${String(o.dctFunction)}`);
  }
}

/** The state of one run (created per call: the attack itself holds none). */
class SurFreeRun {
  private readonly d: number;
  private readonly shape: ImageShape;
  private readonly bounds: Bounds;
  private readonly random: Random;
  /** Current best adversarial point (unquantised, in bounds). */
  private readonly best: Float32Array;
  /** Unit vector from the original to `best`, and its length. */
  private readonly d1: Float64Array;
  private r = 0;
  /** The new direction (unit, orthogonal to the history). */
  private readonly d2: Float64Array;
  /**
   * First direction (kept forever, as the official) and a ring of the last nOrtho directions.
   * Stored as float32 values (Math.fround, as the official's float32 tensors) in Float64Arrays:
   * Gram-Schmidt reads each stored direction once per new direction, and float64 storage saves
   * the float32-to-float64 conversion of every read (same values, so the same results).
   */
  private readonly first: Float64Array;
  private readonly ring: Float64Array[] = [];
  private ringNext = 0;
  /** Per-coefficient weights of the DCT basis (0 outside the low-frequency mask). */
  private readonly weights: Float64Array | null;
  private readonly masked: Int32Array | null;
  private readonly coeffs: Float64Array;
  /** Two query slots, filled already clipped (and quantised). */
  private readonly queries: Float32Array;
  /** Ends of a line search. */
  private readonly lineLow: Float32Array;
  private readonly lineHigh: Float32Array;
  /** Float32 clipping bounds (as clipToBounds) and the 8-bit grid step, fixed per run. */
  private readonly clipLower: number;
  private readonly clipUpper: number;
  private readonly gridStep: number;
  private readonly grid: Grid;
  private thetaMax: number;
  /** Reserve kept for the final line search while it is > 0. */
  private reserve = 0;
  /** Best adversarial angle found in the step under way (0: none yet). */
  private pending = 0;
  /** ||v||^2 of the last vector given to orthogonalise, before it. */
  private rawSquared = 0;

  constructor(
    private readonly oracle: DecisionOracle,
    private readonly x: Float32Array,
    private readonly o: SurFreeOptions,
    private readonly context: AttackContext,
  ) {
    this.d = x.length;
    this.shape = oracle.shape;
    this.bounds = oracle.bounds;
    this.random = context.random;
    this.best = new Float32Array(this.d);
    this.d1 = new Float64Array(this.d);
    this.d2 = new Float64Array(this.d);
    this.first = new Float64Array(this.d);
    this.coeffs = new Float64Array(this.d);
    this.queries = new Float32Array(2 * this.d);
    this.lineLow = new Float32Array(this.d);
    this.lineHigh = new Float32Array(this.d);
    this.clipLower = float32Toward(this.bounds.lower, "up");
    this.clipUpper = float32Toward(this.bounds.upper, "down");
    this.gridStep = (this.bounds.upper - this.bounds.lower) / 255;
    this.grid = quantizationGrid(this.bounds.lower, this.gridStep, this.clipLower, this.clipUpper);
    this.thetaMax = o.thetaMax;
    if (o.basis === "dct") {
      const { weights, masked } = dctWeights(x, this.shape, o);
      this.weights = weights;
      this.masked = masked;
    } else {
      this.weights = null;
      this.masked = null;
    }
  }

  async run(): Promise<AttackOutcome> {
    const o = this.o;
    if (!(await this.initialise(true))) return { adversarial: null, iterations: 0, stopReason: "failed" };
    this.resetHistory();
    const budgeted = o.spendBudget && Number.isFinite(this.oracle.remaining);
    this.reserve = budgeted && o.finalLineSearch ? o.bsMaxIteration + 1 : 0;
    let iterations = 0;
    let stopReason: AttackOutcome["stopReason"] = "iterations";
    let withheld = 0;
    try {
      while (budgeted || iterations < o.steps) {
        if (await this.step()) {
          iterations++;
          if (this.context.progress) this.context.progress.iterations = iterations;
          continue;
        }
        // theta_max vanished: the oracle keeps refusing the neighbourhood of a point it once
        // accepted (a random oracle's lucky answer). Without a budget the run ends; with one, it
        // restarts from a new random start (the oracle keeps the best point ever answered), where
        // the official would spend the rest of the budget on ever smaller angles around it.
        if (!budgeted) { stopReason = "converged"; break; }
        bump(this.context, "restart");
        // No random restart was adversarial (issue 28): not converged, the search has nowhere to go.
        if (!(await this.initialise(false))) { stopReason = "no restart"; break; }
        this.thetaMax = o.thetaMax;
        this.resetHistory();
      }
    } catch (error) {
      if (!(error instanceof ReserveReached)) throw error;
      this.acceptPending();
      stopReason = "budget";
      withheld = error.requested;
    }
    this.reserve = 0;
    if (o.finalLineSearch) await this.lineSearch(this.best, true);
    const left = this.oracle.remaining;
    const outcome: AttackOutcome = { adversarial: this.best.slice(), iterations, stopReason };
    return withheld > 0 && left > 0 ? { ...outcome, unspent: { queries: left, requested: withheld, reason: SURFREE_RESERVE_REASON } } : outcome;
  }

  /** History = the first direction only (official: the direction to the start after its binary search). */
  private resetHistory(): void {
    this.updateD1();
    for (let k = 0; k < this.d; k++) this.first[k] = Math.fround(this.d1[k]);
    this.ring.length = 0;
    this.ringNext = 0;
  }

  // ---- queries -------------------------------------------------------------------------------

  /** Asks the oracle about the first `count` query slots. */
  private async ask(count: number): Promise<Uint8Array> {
    if (this.reserve > 0 && this.oracle.remaining - count < this.reserve) throw new ReserveReached(count);
    return this.oracle.isAdversarial(this.queries, count);
  }

  /** Finishes query slot `slot` (already written): clip to bounds, then the 8-bit grid. */
  private seal(slot: number): void {
    const off = slot * this.d;
    const q = this.queries;
    for (let k = off, end = off + this.d; k < end; k++) q[k] = this.sealValue(q[k]);
  }

  /**
   * One value of a query: `v` rounded to float32 (as stored), clipped, then on the 8-bit grid.
   * The hot writers (circle points, line-search points) call it while they compute each value,
   * so a query is written in one pass instead of three (value, clip, grid): the same operations
   * in the same order, so the same bits.
   */
  private sealValue(v: number): number {
    const f = Math.fround(v);
    const c = f < this.clipLower ? this.clipLower : f > this.clipUpper ? this.clipUpper : f;
    if (!this.o.quantification) return c;
    // The official's rounding, lower + round((c - lower) / step) step, read from the grid: an
    // estimate of the level (a multiplication) corrected by the level's exact thresholds (a call
    // of Math.round costs more than the rest of the pass).
    if (!(c >= this.clipLower)) return this.bounds.lower + Math.round((c - this.bounds.lower) / this.gridStep) * this.gridStep; // NaN
    return onGrid(this.grid, c);
  }

  // ---- start -----------------------------------------------------------------------------------

  /** Starting point (given, or random noise as the official), then a boosted binary search. */
  private async initialise(useStartingPoint: boolean): Promise<boolean> {
    const { d, x, bounds, context } = this;
    let found = false;
    const start = useStartingPoint ? context.startingPoint : undefined;
    if (start) {
      if (start.length !== d) throw new RangeError(`SurFree: starting point has ${start.length} values, expected ${d}`);
      // The foolbox version asserts that the start is adversarial; a random oracle may say no.
      this.queries.set(start);
      this.seal(0);
      if ((await this.ask(1))[0]) {
        this.best.set(start);
        clipToBounds(this.best, bounds);
        found = true;
      } else {
        bump(context, "startingPointBenign");
      }
    }
    const scale = this.o.initNoise * (bounds.upper - bounds.lower);
    for (let attempt = 0; !found && attempt < this.o.initAttempts; attempt++) {
      this.random.fillNormal(this.lineHigh, 0, scale);
      for (let k = 0; k < d; k++) this.lineHigh[k] += x[k];
      clipToBounds(this.lineHigh, bounds);
      this.queries.set(this.lineHigh);
      this.seal(0);
      if ((await this.ask(1))[0]) {
        this.best.set(this.lineHigh);
        found = true;
      }
    }
    if (!found) return false;
    await this.lineSearch(this.best, true);
    return true;
  }

  /**
   * Official `_binary_search(perturbed, boost)`: the segment from the original to `point`
   * (optionally shortened by one probe at 0.2 x_o + 0.8 point), bisected `bsMaxIteration` times
   * (the official threshold gamma / d^1.5 never binds first); `point` becomes the adversarial end.
   */
  private async lineSearch(point: Float32Array, boost: boolean): Promise<void> {
    const { d, x, lineLow, lineHigh, queries } = this;
    lineLow.set(x);
    lineHigh.set(point);
    if (boost) {
      for (let k = 0; k < d; k++) queries[k] = (1 - BOOST) * x[k] + BOOST * point[k];
      const boosted = queries.slice(0, d); // unquantised copy (off the hot loop: once per search)
      this.seal(0);
      if ((await this.ask(1))[0]) lineHigh.set(boosted);
      else lineLow.set(boosted);
    }
    let lows = 0, highs = 1;
    const threshold = this.o.bsGamma / (d * Math.sqrt(d));
    for (let it = 0; it < this.o.bsMaxIteration && highs - lows > threshold; it++) {
      const mid = (lows + highs) / 2;
      for (let k = 0; k < d; k++) queries[k] = this.sealValue((1 - mid) * lineLow[k] + mid * lineHigh[k]);
      if ((await this.ask(1))[0]) highs = mid;
      else lows = mid;
    }
    for (let k = 0; k < d; k++) point[k] = (1 - highs) * lineLow[k] + highs * lineHigh[k];
  }

  // ---- one step --------------------------------------------------------------------------------

  private updateD1(): void {
    const { d, x, best, d1 } = this;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const v = best[k] - x[k];
      d1[k] = v;
      s += v * v;
    }
    this.r = Math.sqrt(s);
    const inv = this.r > 0 ? 1 / this.r : 0;
    for (let k = 0; k < d; k++) d1[k] *= inv;
  }

  /** The point of the circle at `theta` (degrees) is x + a d1 + b d2: returns [a, b]. */
  private circleCoefficients(theta: number): [number, number] {
    const t = (theta * Math.PI) / 180;
    const c = Math.cos(t), s = Math.sin(t);
    return [this.r * c * c, this.r * c * s];
  }

  /** Writes the point of the circle at angle `theta` (degrees) into `out` from `offset`, clipped. */
  private evolution(theta: number, out: Float32Array, offset: number): void {
    const { d, x, d1, d2 } = this;
    const [a, b] = this.circleCoefficients(theta);
    for (let k = 0; k < d; k++) out[offset + k] = x[k] + a * d1[k] + b * d2[k];
    clipToBounds(out, this.bounds, offset, d);
  }

  /** Queries the circle at `theta` (and at `-theta` when `opposite`), one call. */
  private async askTheta(theta: number, opposite: boolean): Promise<Uint8Array> {
    this.circleQuery(theta, 0);
    if (opposite) this.circleQuery(-theta, this.d);
    return this.ask(opposite ? 2 : 1);
  }

  /** `evolution(theta)` written straight into the query slot at `offset`, sealed in the same pass. */
  private circleQuery(theta: number, offset: number): void {
    const { d, x, d1, d2, queries } = this;
    const [a, b] = this.circleCoefficients(theta);
    for (let k = 0; k < d; k++) queries[offset + k] = this.sealValue(x[k] + a * d1[k] + b * d2[k]);
  }

  /**
   * Official `_get_candidates` for one image: new directions until one has an adversarial angle
   * (theta_max adapted by rho), the angle refined, the point moved. False when theta_max vanished.
   */
  private async step(): Promise<boolean> {
    const o = this.o;
    this.updateD1();
    this.pending = 0;
    let theta = 0;
    while (theta === 0) {
      if (this.thetaMax < THETA_FLOOR) {
        bump(this.context, "thetaMaxVanished");
        return false;
      }
      this.newDirection();
      theta = await this.bestTheta();
      // Official: theta_max * rho after a failed direction, / rho after a found one.
      this.thetaMax = theta === 0 ? this.thetaMax * o.rho : this.thetaMax / o.rho;
    }
    this.pending = theta;
    if (o.withAlphaLineSearch) theta = await this.alphaBinarySearch(theta);
    this.pending = 0;
    this.moveTo(theta);
    if (o.withDistanceLineSearch) await this.lineSearch(this.best, true);
    return true;
  }

  /** Official `_get_best_theta`: +-(1 - i/T) theta_max in turn, the first adversarial wins. */
  private async bestTheta(): Promise<number> {
    const T = this.o.T;
    for (let i = 0; i < T; i++) {
      for (let sign = 1; sign >= -1; sign -= 2) {
        const theta = sign * (1 - i / T) * this.thetaMax;
        if ((await this.askTheta(theta, false))[0]) return theta;
      }
    }
    return 0;
  }

  /**
   * Official `_alpha_binary_search`: `lower` adversarial, `upper` = lower + sign theta_max / T
   * taken as benign unless |lower| = theta_max, in which case it is searched outwards first (the
   * official updates theta_max before this call, so with rho < 1 that search does not run, as
   * there). Bisection on the angle until (1 - cos upper) - (1 - cos lower) <= bsGamma, also
   * probing -mid while the opposite side answers adversarial, and jumping to it when only it does.
   */
  private async alphaBinarySearch(start: number): Promise<number> {
    const o = this.o;
    let lower = start;
    let checkOpposite = lower > 0;
    let upper: number;
    const stride = this.thetaMax / o.T;
    if (Math.abs(lower) !== this.thetaMax) {
      upper = lower + Math.sign(lower) * stride;
    } else {
      upper = 0;
      for (;;) {
        let next = lower + Math.sign(lower) * stride;
        if (Math.abs(next) >= 90) {
          // 90 degrees is the original image, benign by definition; the official clamps at 180
          // (the adversarial point again) and can loop there on such an answer.
          bump(this.context, "rangeSearchReachedOriginal");
          next = Math.sign(lower) * 90;
          upper = next;
          break;
        }
        if ((await this.askTheta(next, false))[0]) {
          lower = next;
          this.pending = lower;
        } else {
          upper = next;
          break;
        }
      }
    }
    const alpha = (t: number) => 1 - Math.cos((t * Math.PI) / 180);
    for (let step = 0; step < o.bsMaxIteration && Math.abs(alpha(upper) - alpha(lower)) > o.bsGamma; step++) {
      const mid = (upper + lower) / 2;
      if (mid === 0) break; // the current point itself: nothing to learn
      const answers = await this.askTheta(mid, checkOpposite);
      const isAdv = answers[0] === 1;
      const isAdvOpposite = checkOpposite && answers[1] === 1;
      if (isAdv) {
        lower = mid;
      } else if (isAdvOpposite) {
        lower = -mid;
        upper = -upper;
      } else {
        upper = mid;
      }
      checkOpposite = checkOpposite && isAdvOpposite && lower > 0;
      this.pending = lower;
    }
    return lower;
  }

  /** Moves `best` to the circle at `theta` when that is closer (always, for theta != 0). */
  private moveTo(theta: number): void {
    this.evolution(theta, this.lineHigh, 0);
    let s = 0;
    for (let k = 0; k < this.d; k++) {
      const v = this.lineHigh[k] - this.x[k];
      s += v * v;
    }
    if (Math.sqrt(s) < this.r) this.best.set(this.lineHigh);
  }

  /** On an interrupted step, keeps the adversarial angle it had found. */
  private acceptPending(): void {
    if (this.pending !== 0) this.moveTo(this.pending);
    this.pending = 0;
  }

  // ---- directions ------------------------------------------------------------------------------

  /**
   * Official `Basis.get_vector`: a random vector of the basis, Gram-Schmidt against the first
   * direction and the last nOrtho ones, normalised; then pushed to the history. (The official
   * slices `history[1 + len - n_ortho:]`, which while len < n_ortho is the whole history and so
   * duplicates the first direction at every step, leaving new directions not orthogonal to it;
   * here each direction is kept once, as its comment "the first directions and the last
   * directions generated" intends.) The vector is also made orthogonal to the current direction
   * d1: the official relies on d1 lying in the span of the history, which fails once the window
   * of nOrtho directions rolls over, after a reset or after clipping, and then circle points can
   * be farther than the current point (the Thales circle needs d2 orthogonal to d1; where d1 is in
   * the span this projection is zero and the official direction is unchanged). When the history
   * already spans the basis (small images), the ring is emptied and the count goes to anomalies
   * as "orthogonalisationReset".
   */
  private newDirection(): void {
    const { d, d2 } = this;
    this.drawRaw(d2);
    let norm = this.orthogonalise(d2);
    if (norm <= DEGENERATE_DIRECTION * Math.sqrt(this.rawSquared)) {
      bump(this.context, "orthogonalisationReset");
      this.ring.length = 0;
      this.ringNext = 0;
      this.drawRaw(d2);
      norm = this.orthogonalise(d2);
    }
    const inv = norm > 0 ? 1 / norm : 0;
    if (this.o.nOrtho === 0) {
      for (let k = 0; k < d; k++) d2[k] *= inv;
      return;
    }
    let slot = this.ring[this.ringNext];
    if (!slot) {
      slot = new Float64Array(d);
      this.ring[this.ringNext] = slot;
    }
    for (let k = 0; k < d; k++) slot[k] = Math.fround(d2[k] *= inv);
    this.ringNext = (this.ringNext + 1) % this.o.nOrtho;
  }

  /**
   * Removes from v its components on the history (orthonormal), then on d1; returns the residual
   * norm. Modified Gram-Schmidt with each subtraction fused with the next dot product: one pass
   * over the image per history vector (the cost of a direction at 3x224x224).
   */
  private orthogonalise(v: Float64Array): number {
    const { d, d1, ring, first } = this;
    // The first pass also takes ||v||^2 before any subtraction (rawSquared, for newDirection).
    let c = 0, raw = 0;
    for (let k = 0; k < d; k++) {
      const vk = v[k];
      c += first[k] * vk;
      raw += vk * vk;
    }
    this.rawSquared = raw;
    // Pass i removes the component on u (first, then the ring in order) and takes the dot product
    // with the next vector; the current direction d1 comes last (the Thales circle needs d2
    // orthogonal to d1: see newDirection).
    let u = first;
    for (let i = 0; i <= ring.length; i++) {
      const next = i < ring.length ? ring[i] : d1;
      let acc = 0;
      let k = 0;
      // Unrolled by 4 with the sum kept in index order (the same additions as the plain loop).
      for (; k + 3 < d; k += 4) {
        const v0 = v[k] - c * u[k], v1 = v[k + 1] - c * u[k + 1];
        const v2 = v[k + 2] - c * u[k + 2], v3 = v[k + 3] - c * u[k + 3];
        v[k] = v0; v[k + 1] = v1; v[k + 2] = v2; v[k + 3] = v3;
        acc += next[k] * v0;
        acc += next[k + 1] * v1;
        acc += next[k + 2] * v2;
        acc += next[k + 3] * v3;
      }
      for (; k < d; k++) {
        const vk = v[k] - c * u[k];
        v[k] = vk;
        acc += next[k] * vk;
      }
      c = acc;
      u = next;
    }
    let s = 0;
    for (let k = 0; k < d; k++) {
      const vk = v[k] - c * d1[k];
      v[k] = vk;
      s += vk * vk;
    }
    return Math.sqrt(s);
  }

  /**
   * Official `_get_vector_dct`: the image's weighted low-frequency DCT coefficients times i.i.d.
   * signs in {-1, 0, 1}, back to pixels, plus N(0, beta^2) noise; or `_get_vector_random`.
   */
  private drawRaw(out: Float64Array): void {
    const { weights, masked, coeffs, random } = this;
    if (!weights || !masked) {
      random.fillNormal(out);
      return;
    }
    coeffs.fill(0);
    for (let i = 0; i < masked.length; i++) {
      const k = masked[i];
      const sign = Math.floor((random.nextUint32() * 3) / 4294967296) - 1; // official: uniform_(0, 3).long() - 1
      coeffs[k] = sign * weights[k];
    }
    idct2d(coeffs, this.shape, out);
    if (this.o.beta > 0) {
      const noise = this.lineLow; // scratch
      random.fillNormal(noise, 0, this.o.beta);
      for (let k = 0; k < this.d; k++) out[k] += noise[k];
    }
  }
}

/** Highest level of the 8-bit grid. */
const GRID_LEVELS = 255;

/**
 * The 8-bit grid of `seal` as tables: values[r] = lower + r step, and thresholds[r] the smallest
 * float32 c in [clipLower, clipUpper] with Math.round((c - lower) / step) >= r (found by bisection
 * on that very formula, which is non-decreasing in c), so that level r holds exactly the c the
 * formula sends to r. thresholds[0] = -Infinity; +Infinity past the last level reached.
 */
export interface Grid {
  readonly lower: number;
  readonly thresholds: Float64Array;
  readonly values: Float64Array;
  readonly inverseStep: number;
}

/**
 * The grid value of a float32 c in [clipLower, clipUpper]: lower + Math.round((c - lower) / step)
 * step, read from the tables (an estimate of the level, corrected by its exact thresholds).
 */
export function onGrid(g: Grid, c: number): number {
  const { thresholds, values } = g;
  let level = ((c - g.lower) * g.inverseStep + 0.5) | 0;
  if (level > GRID_LEVELS) level = GRID_LEVELS;
  if (c >= thresholds[level + 1]) level++;
  else if (c < thresholds[level]) level--;
  return values[level];
}

export function quantizationGrid(lower: number, step: number, clipLower: number, clipUpper: number): Grid {
  const levelOf = (c: number) => Math.round((c - lower) / step);
  const values = new Float64Array(GRID_LEVELS + 2);
  for (let r = 0; r <= GRID_LEVELS + 1; r++) values[r] = lower + r * step;
  const thresholds = new Float64Array(GRID_LEVELS + 3).fill(Infinity);
  thresholds[0] = -Infinity;
  // Float32 values in order as integers: k >= 0 are the bits of +k, k < 0 those of -(-k - 1).
  const f32 = new Float32Array(1), bits = new Int32Array(f32.buffer);
  const key = (f: number) => { f32[0] = f; const b = bits[0]; return b >= 0 ? b : -(b & 0x7fffffff) - 1; };
  const value = (k: number) => { bits[0] = k >= 0 ? k : (-k - 1) | 0x80000000; return f32[0]; };
  const first = key(clipLower), last = key(clipUpper);
  for (let r = 1; r <= GRID_LEVELS + 1; r++) {
    if (levelOf(value(last)) < r) break;
    let lo = first, hi = last; // levelOf(value(hi)) >= r
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (levelOf(value(mid)) >= r) hi = mid;
      else lo = mid + 1;
    }
    thresholds[r] = value(lo);
  }
  return { lower, thresholds, values, inverseStep: 1 / step };
}

/**
 * The basis of official `Basis._load_params` for dct_type "full": f(DCT(x_o)) on the zig-zag
 * low-frequency mask, 0 elsewhere. The official transform is torch-dct's unnormalised DCT-II
 * (2 sum x cos, per axis) and its exact inverse; with the orthonormal transform here that is
 * coefficient s_k = 2 sqrt(N) (k = 0) or sqrt(2N) (k > 0) per axis, so the weight applied before
 * the orthonormal inverse is f(s c) / s. Returns the weights and the indices of the mask.
 */
function dctWeights(x: Float32Array, shape: ImageShape, o: SurFreeOptions) {
  const { channels, height: h, width: w } = shape;
  const mask = zigZagMask(h, w, o.frequencyRange);
  const c = dct2d(x, shape);
  const s = (k: number, n: number) => (k === 0 ? 2 * Math.sqrt(n) : Math.sqrt(2 * n));
  const weights = new Float64Array(x.length);
  const masked: number[] = [];
  for (let ch = 0; ch < channels; ch++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        if (!mask[i * w + j]) continue;
        const k = ch * h * w + i * w + j;
        const scale = s(i, h) * s(j, w);
        const v = scale * c[k];
        const f = o.dctFunction === "tanh" ? Math.tanh(o.tanhGamma * v) : o.dctFunction === "identity" ? v : v !== 0 ? 1 : 0;
        weights[k] = f / scale;
        if (f !== 0) masked.push(k);
      }
    }
  }
  return { weights, masked: Int32Array.from(masked) };
}

/**
 * One draw of SurFree's random start under `options` (the loop in `initialise`: official
 * `get_init_with_noise`, X + initNoise * (upper - lower) * randn, clipped), for start "auto".
 */
export function surfreeStartDraw(options: Partial<SurFreeOptions>): StartDraw {
  const noise = options.initNoise ?? SURFREE_DEFAULTS.initNoise;
  return (image, bounds, random, out) => {
    random.fillNormal(out, 0, noise * (bounds.upper - bounds.lower));
    for (let k = 0; k < out.length; k++) out[k] = Math.min(bounds.upper, Math.max(bounds.lower, out[k] + image[k]));
  };
}
