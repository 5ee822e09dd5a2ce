import { accumulateProbes, drawProbes } from "./probes.js";
import { countAnomaly as note } from "./anomalies.js";
import type { DecisionOracle } from "../oracle/oracle.js";
import { iterationsToRun, runIterations } from "./iterative.js";
import { clipToBounds, distance } from "./geometry.js";
import { getCosFromN, InfomaxLineSearch, type InfomaxEstimate, type InfomaxResult } from "./infomax.js";
import type { AttackContext, AttackOutcome, Norm } from "./types.js";

/** Tunable parameters of PopSkipJump (per-call data such as the starting point lives in AttackContext). */
export interface PsjOptions {
  /** Norm minimised: "l2" or "linf" (official `distance`). */
  readonly constraint: Norm;
  /** HSJA's theta = gamma / d^(3/2) (l2) or gamma / d^2 (linf), which sets the target cosine schedule. */
  readonly gamma: number;
  /** Outer iterations when the oracle has no budget, or always when `spendBudget` is false. */
  readonly numIterations: number;
  /** With a finite budget, iterate until it is spent and ignore `numIterations`. */
  readonly spendBudget: boolean;
  /** HSJA's probes at iteration 1 (B_0), which sets the target cosine of every gradient estimate. */
  readonly initNumEvals: number;
  /** Cap on the probes of one gradient estimate (and on HSJA's schedule). */
  readonly maxNumEvals: number;
  /** Width of the line search's prior around the previous estimate (only 1, the official default, is implemented). */
  readonly priorFrac: number;
  /** Line-search grid: 0 picks the official value by image size (100 below 3x32x32 values, 300 from it). */
  readonly gridSize: number;
  /** Uniform-noise draws tried by the initialisation (without a starting point) before it gives up. */
  readonly initTrials: number;
  /** Probes per oracle call in the gradient estimate (memory: batchSize * d floats; the result does not depend on it). */
  readonly batchSize: number;
}

/**
 * Defaults of PopSkipJump (Simon-Gabriel, Sheikh, Krause, "PopSkipJump: Decision-Based Attack for
 * Probabilistic Classifiers", ICML 2021), from the official cjsg/PopSkipJump `defaultparams.py`
 * (class `DefaultParams`) unless said otherwise:
 * - `constraint: "l2"`: deliberate deviation: `self.distance = "linf"`; rsbench's study measures L2
 *   (as HSJA's default), and `--norm linf` / optionsFor("linf") runs the official Linf variant.
 * - `gamma: 1.0`: `self.gamma = 1.0`.
 * - `numIterations: 32`: `self.num_iterations = 32`.
 * - `spendBudget: true`: rsbench addition (as HSJA's): with a finite budget the budget ends the run.
 * - `initNumEvals: 100`: `self.initial_num_evals = 100`.
 * - `maxNumEvals: 50000`: `self.max_num_evals = 50000`.
 * - `priorFrac: 1`: `self.prior_frac = 1`.
 * - `gridSize: 0` (by image size): `self.grid_size = {'mnist': 100, 'cifar10': 300}`; rsbench uses 100
 *   for images of fewer than 3x32x32 = 3072 values (28x28) and 300 from 3x32x32 up (see psjGridSize).
 * - `initTrials: 10000`: `initialize_starting_point` gives up after `num_evals > 1e4` draws.
 * - `batchSize: 100`: rsbench addition, memory only. The official `batch_size = 256` sets the chunks of
 *   the gradient estimate's baseline subtraction; rsbench keeps chunks of 256 (BASELINE_CHUNK) whatever `batchSize`.
 * Constants of the official code, not options: one query per line-search step (`queries = 1`), one call
 * per gradient probe (`grad_queries = 1`), at most 5000 line-search queries (`kmax`), stop window 10.
 */
export const PSJ_DEFAULTS: PsjOptions = Object.freeze({
  constraint: "l2",
  gamma: 1.0,
  numIterations: 32,
  spendBudget: true,
  initNumEvals: 100,
  maxNumEvals: 50000,
  priorFrac: 1,
  gridSize: 0,
  initTrials: 10000,
  batchSize: 100,
} satisfies PsjOptions);

/** Official `batch_size = 256`: the gradient estimate subtracts the mean answer of each chunk of 256 probes. */
export const BASELINE_CHUNK = 256;
/** Official `info_max_batch`: retries of a line search whose MAP t is 1 (the original's end). */
const T_ONE_RETRIES = 5;
/** Images with at least this many values use the CIFAR-10 grid (3x32x32). */
const LARGE_IMAGE = 3 * 32 * 32;

/** The line-search grid: `gridSize`, or 100 below 3x32x32 values and 300 from there (official mnist / cifar10). */
export function psjGridSize(d: number, gridSize: number): number {
  if (gridSize > 0) return gridSize;
  return d >= LARGE_IMAGE ? 300 : 100;
}

/** HSJA's threshold theta_det of the official `Attack.__init__`: gamma / (sqrt(d) d) for l2, gamma / d^2 for linf. */
export function psjThetaDet(constraint: Norm, gamma: number, d: number): number {
  return constraint === "l2" ? gamma / (Math.sqrt(d) * d) : gamma / (d * d);
}

/**
 * Target cosine of the line search before iteration `step` (official `info_max_batch`): HSJA's
 * E[cos] with n = initNumEvals at the first search (step 0), int(min(initNumEvals sqrt(step + 1), maxNumEvals))
 * after, for a deterministic step (s = Infinity) at theta_det, delta_det_unit = theta_det sqrt(d) (l2) or theta_det d (linf).
 */
export function psjTargetCos(o: Pick<PsjOptions, "constraint" | "gamma" | "initNumEvals" | "maxNumEvals">, d: number, step: number): number {
  const theta = psjThetaDet(o.constraint, o.gamma, d);
  const delta = o.constraint === "l2" ? theta * Math.sqrt(d) : theta * d;
  const n = step === 0 ? o.initNumEvals : Math.floor(Math.min(o.initNumEvals * Math.sqrt(step + 1), o.maxNumEvals));
  return getCosFromN(n, { theta, delta, d });
}

export function validate(o: PsjOptions): void {
  if (o.constraint !== "l2" && o.constraint !== "linf") {
    throw new RangeError(`invalid PSJ constraint: expected "l2" or "linf", got ${JSON.stringify(o.constraint)}`);
  }
  if (!(o.gamma > 0 && Number.isFinite(o.gamma))) throw new RangeError(`invalid PSJ gamma: expected a finite number > 0, got ${o.gamma}`);
  if (!(o.numIterations === Infinity || (Number.isInteger(o.numIterations) && o.numIterations >= 0))) {
    throw new RangeError(`invalid PSJ numIterations: expected an integer >= 0 or Infinity, got ${o.numIterations}`);
  }
  for (const key of ["initNumEvals", "maxNumEvals", "initTrials", "batchSize"] as const) {
    if (!(Number.isInteger(o[key]) && o[key] >= 1)) throw new RangeError(`invalid PSJ ${key}: expected an integer >= 1, got ${o[key]}`);
  }
  if (o.priorFrac !== 1) throw new RangeError(`invalid PSJ priorFrac: expected 1 (the official default, the only value implemented), got ${o.priorFrac}`);
  if (!(Number.isInteger(o.gridSize) && o.gridSize >= 0 && o.gridSize <= 10000)) {
    throw new RangeError(`invalid PSJ gridSize: expected an integer in [0, 10000] (0: by image size), got ${o.gridSize}`);
  }
}

/**
 * What a PSJ oracle call asks, the `reason` of its UnspentBudget when the budget refused it with
 * queries left. The last call of a gradient estimate asks only the probes the budget has left, so under
 * `label` and `shortcut` a run spends its budget exactly; under repeat:K a run ends with fewer than K
 * calls left, refused on a line-search point ("single point") or a gradient probe ("gradient estimate").
 */
export type PsjCall = "single point" | "gradient estimate";

/**
 * PopSkipJump (Simon-Gabriel, Sheikh, Krause 2021), untargeted, after the official cjsg/PopSkipJump
 * (`popskip.py` class PopSkipJump, `abstract_attack.py` Attack.attack_one, `infomax.py` bin_search):
 * 1. start from `context.startingPoint` (rsbench's start policy: the runner's "auto"/"data"/"own"; the
 *    official `initialize_starting_point` never stores the point it finds and its experiments start from an
 *    image of another class) when it is answered adversarial, or else from uniform noise answered
 *    adversarial (official `initialize_starting_point`, one query per draw);
 * 2. Bayesian line search (infomax.ts) between the original and that point: the border point is at the
 *    MAP centre t of the sigmoid, (1 - t) x~ + t x* (l2) or the Linf projection at radius (1 - t) ||x~ - x*||;
 * 3. each iteration t >= 1: estimate the gradient at the border point from n probes (n from the line
 *    search: HSJA's target cosine for int(min(100 sqrt(t), max)) probes, reached under the estimated
 *    sigmoid, getNFromCos) at radius dist_post_update * sqrt(d) / grid (l2; d / grid for linf), step by
 *    dist / sqrt(t) along it (its sign for linf), then the opposite movement x + 0.5 (x - x*) (l2; the official
 *    Linf variant x + 0.5 eps ((x - x*) / eps)^alpha, alpha = 1, 3, 5 from iterations 15 and 30), and line search again.
 * Every query is clipped to the oracle's bounds (the Linf opposite movement is clipped too, where the
 * official one is not). The run ends when the budget refuses a call; the outcome is the last border
 * point (the iterate), which under a random oracle has P[adversarial] near 1/2 by construction.
 *
 * Events counted in `context.anomalies`:
 * - `lineSearchAtOriginal`: a line search put t at 1 (the original); as officially it is retried up to
 *   5 times, then t = 1 - 0.5 / grid;
 * - `lineSearchNotConverged`: a line search reached 5000 queries without its stop rule;
 * - `zeroGradient`: the gradient estimate has zero norm; the iteration keeps its point;
 * - `startingPointBenign`: the given starting point was answered benign (it is asked once, as HSJA's
 *   is here; the official code never checks it); PSJ initialises itself from noise instead.
 */
export async function psj(
  oracle: DecisionOracle,
  image: Float32Array,
  _label: number,
  options: Partial<PsjOptions>,
  context: AttackContext,
): Promise<AttackOutcome> {
  const o: PsjOptions = { ...PSJ_DEFAULTS, ...options };
  validate(o);
  const iterations = iterationsToRun("PSJ", oracle, image, o, context);
  return runIterations(new PsjRun(oracle, image, o, context), iterations);
}

/** The state of one PSJ run (never shared between calls). Buffers are allocated once per run. */
class PsjRun {
  readonly d: number;
  readonly grid: number;
  readonly l2: boolean;
  /** Current border point x_t (valid once `found`), and the far end of its line (x~). */
  readonly x: Float32Array;
  private readonly end: Float32Array;
  found = false;
  iterations = 0;
  asking: PsjCall = "single point";
  /** ||x_t - x*|| and ||x~ - x*|| (official `dist` and `dist_post_update`) in the attack's norm. */
  dist = Infinity;
  distPostUpdate = Infinity;
  private estimate: InfomaxEstimate | null = null;
  private n = 0;
  private readonly search: InfomaxLineSearch;
  private readonly query: Float32Array;
  private readonly rv: Float32Array;
  private readonly probes: Float32Array;
  private readonly chunkFU: Float64Array;
  private readonly chunkU: Float64Array;
  private readonly grad: Float64Array;

  constructor(
    readonly oracle: DecisionOracle,
    readonly x0: Float32Array,
    readonly o: PsjOptions,
    readonly context: AttackContext,
  ) {
    const d = x0.length;
    this.d = d;
    this.grid = psjGridSize(d, o.gridSize);
    this.l2 = o.constraint === "l2";
    this.x = new Float32Array(d);
    this.end = new Float32Array(d);
    this.search = new InfomaxLineSearch(this.grid);
    this.query = new Float32Array(d);
    this.rv = new Float32Array(d);
    this.probes = new Float32Array(Math.min(o.batchSize, BASELINE_CHUNK) * d);
    this.chunkFU = new Float64Array(d);
    this.chunkU = new Float64Array(d);
    this.grad = new Float64Array(d);
  }

  async attack(iterations: number): Promise<AttackOutcome> {
    const { d, x, end, x0, o } = this;
    if (!(await this.initialize())) return { adversarial: null, iterations: 0, stopReason: "failed" };
    // Until the first line search ends, the attack holds its starting point.
    x.set(end);
    this.found = true;
    await this.lineSearch(0);
    for (let step = 1; step <= iterations; step++) {
      if (this.dist <= 0) return { adversarial: x.slice(), iterations: this.iterations, stopReason: "converged" };
      const numEvals = Math.max(1, Math.floor(Math.min(this.n, o.maxNumEvals)));
      // Official delta_prob = dist_post_update * theta_prob * sqrt(d) (l2) or * d (linf), theta_prob = 1 / grid.
      const delta = this.distPostUpdate * (this.l2 ? Math.sqrt(d) : d) / this.grid;
      if (await this.approximateGradient(numEvals, delta)) {
        // Step dist / sqrt(t) along the estimate (its sign for linf), clipped (official make_gradient_step).
        const eps = this.dist / Math.sqrt(step);
        for (let k = 0; k < d; k++) end[k] = x[k] + eps * (this.l2 ? this.grad[k] : Math.sign(this.grad[k]));
        clipToBounds(end, this.oracle.bounds);
        this.oppositeMovement(step);
        await this.lineSearch(step);
      } else {
        note(this.context, "zeroGradient");
      }
      this.iterations = step;
    }
    return { adversarial: x.slice(), iterations: this.iterations, stopReason: "iterations" };
  }

  private async ask(batch: Float32Array, count: number, call: PsjCall): Promise<Uint8Array> {
    this.asking = call;
    clipToBounds(batch, this.oracle.bounds, 0, count * this.d);
    return this.oracle.isAdversarial(batch, count);
  }

  /** The starting point, or official `initialize_starting_point`: uniform noise until one is answered adversarial. */
  private async initialize(): Promise<boolean> {
    const { d, end, context } = this;
    const { lower, upper } = this.oracle.bounds;
    if (context.startingPoint !== undefined) {
      end.set(context.startingPoint);
      // Asked once, as HSJA does here: a data start that g sends back to the original's class would
      // leave every line search without an adversarial end (the official code does not check).
      if ((await this.ask(end, 1, "single point"))[0] === 1) return true;
      note(context, "startingPointBenign");
    }
    for (let trial = 0; trial < this.o.initTrials; trial++) {
      for (let k = 0; k < d; k++) end[k] = lower + (upper - lower) * context.random.nextFloat();
      if ((await this.ask(end, 1, "single point"))[0] === 1) return true;
    }
    return false;
  }

  /** The point at position u of the line from x~ (u = 0) to x* (u = 1) into `out` (official get_bernoulli_probs / project). */
  private linePoint(u: number, out: Float32Array): void {
    const { d, x0, end } = this;
    if (this.l2) {
      for (let k = 0; k < d; k++) out[k] = (1 - u) * end[k] + u * x0[k];
    } else {
      const r = (1 - u) * this.distPostUpdate;
      for (let k = 0; k < d; k++) {
        const lo = x0[k] - r, hi = x0[k] + r, v = end[k];
        out[k] = v < lo ? lo : v > hi ? hi : v;
      }
    }
  }

  /**
   * Official `info_max_batch` on the line from x* to x~ (`end`): the Bayesian line search (y = 1 when the
   * point keeps the original label), retried while its MAP t is 1; the border point becomes x_t.
   */
  private async lineSearch(step: number): Promise<void> {
    const { x0, end, query } = this;
    this.distPostUpdate = distance(end, x0, this.o.constraint);
    const targetCos = psjTargetCos(this.o, this.d, step);
    const delta = (this.l2 ? Math.sqrt(this.d) : this.d) / this.grid;
    const answer = async (u: number): Promise<boolean> => {
      this.linePoint(u, query);
      return (await this.ask(query, 1, "single point"))[0] === 0;
    };
    const args = { previous: this.estimate, targetCos, d: this.d, delta, random: this.context.random };
    let result: InfomaxResult = await this.search.search(answer, args);
    for (let retry = 0; retry < T_ONE_RETRIES && result.tIndex === this.search.tCount - 1; retry++) {
      note(this.context, "lineSearchAtOriginal");
      result = await this.search.search(answer, args);
    }
    if (!result.converged) note(this.context, "lineSearchNotConverged");
    const t = result.tIndex === this.search.tCount - 1 ? 1 - 0.5 / this.grid : result.t;
    this.estimate = { t, s: result.s, e: result.e };
    this.n = result.n;
    this.linePoint(t, this.x);
    clipToBounds(this.x, this.oracle.bounds);
    this.dist = distance(this.x, x0, this.o.constraint);
    this.context.onIterate?.(this.x, step, this.oracle.remaining);
  }

  /**
   * Official `_gradient_estimator` at x_t: numEvals unit directions (Gaussian for l2, uniform in [-1, 1]
   * for linf, normalised in L2), probes clip(x_t + delta u), directions re-read from the clipped probes,
   * answers f = +-1; per chunk of 256 probes, the sum of (f - mean f) u, or of f u when the chunk's answers
   * all agree; the unit-norm sum into `grad`. False when it is zero.
   */
  private async approximateGradient(numEvals: number, delta: number): Promise<boolean> {
    const { d, x, rv, probes, chunkFU, chunkU, grad, context } = this;
    const random = context.random;
    const linf = !this.l2;
    const perCall = Math.min(this.o.batchSize, BASELINE_CHUNK);
    grad.fill(0);
    let count = 0;
    for (let chunk = 0; chunk < numEvals; chunk += BASELINE_CHUNK) {
      const size = Math.min(BASELINE_CHUNK, numEvals - chunk);
      chunkFU.fill(0);
      chunkU.fill(0);
      let adversarial = 0;
      for (let done = 0; done < size; done += count) {
        // The last call of a budget asks what is left, so the probes answered (and the record) do not depend on batchSize.
        count = Math.min(perCall, size - done, Math.max(1, this.oracle.remaining));
        drawProbes(random, x, delta, linf, rv, probes, count);
        const answers = await this.ask(probes, count, "gradient estimate");
        adversarial += accumulateProbes(answers, probes, x, delta, count, chunkU, chunkFU);
      }
      const fMean = (2 * adversarial - size) / size;
      const agree = adversarial === 0 || adversarial === size;
      for (let k = 0; k < d; k++) grad[k] += agree ? chunkFU[k] : chunkFU[k] - fMean * chunkU[k];
    }
    let norm = 0;
    for (let k = 0; k < d; k++) norm += grad[k] * grad[k];
    norm = Math.sqrt(norm);
    if (!(norm > 0 && Number.isFinite(norm))) return false;
    for (let k = 0; k < d; k++) grad[k] /= norm;
    return true;
  }

  /** Official `opposite_movement_step` on x~ (`end`), away from x*; clipped to the bounds. */
  private oppositeMovement(step: number): void {
    const { d, x0, end } = this;
    if (this.l2) {
      for (let k = 0; k < d; k++) end[k] = end[k] + 0.5 * (end[k] - x0[k]);
    } else {
      const eps = distance(end, x0, "linf");
      if (eps > 0) {
        const alpha = step < 15 ? 1 : step < 30 ? 3 : 5;
        for (let k = 0; k < d; k++) end[k] = end[k] + 0.5 * eps * ((end[k] - x0[k]) / eps) ** alpha;
      }
    }
    clipToBounds(end, this.oracle.bounds);
  }
}
