/**
 * PopSkipJump's Bayesian line search ("info-max" binary search) and the query-count formulas it
 * shares with HSJA's schedule. After the official cjsg/PopSkipJump `infomax.py` (functions
 * `get_py_txse`, `get_alpha_`, `get_alpha`, `get_cos_from_n`, `get_n_from_cos`, `bin_search` with
 * acq_func 'I(y,t,s,e)' and stop_criteria 'estimate_fluctuation'), Simon-Gabriel, Sheikh, Krause,
 * "PopSkipJump: Decision-Based Attack for Probabilistic Classifiers", ICML 2021, Sec. 3.
 *
 * Along a line x in [0, 1] (0: the adversarial end, 1: the original image), the probability that the
 * classifier keeps the original label is modelled as
 *   P(y = 1 | x; t, s, eps) = eps + (1 - 2 eps) sigma(s (x - t)),  sigma(z) = tanh(2 z) / 2 + 1 / 2,
 * with a uniform prior on a grid of (t, s, eps). Each query goes to the candidate x (grid_size + 1
 * points in [0, 1]) where the mutual information between its answer and (t, s, eps) is largest; the
 * posterior is updated with the answer, and the search stops when the maximum a posteriori (MAP)
 * estimate has not moved by more than one grid cell over its last 11 values.
 */
import { normalCdf } from "../stats/normal.js";
import type { Random } from "../rng/random.js";

/** sigma(z) = tanh(2 z) / 2 + 1 / 2, the logistic CDF of 4 z (official `get_py_txse`). */
export function psjSigmoid(z: number): number {
  return 0.5 * Math.tanh(2 * z) + 0.5;
}

/** P(y = 1 | x; t, s, eps) = eps + (1 - 2 eps) sigma(s (x - t)) (official `get_py_txse` with y = 1). */
export function psjLikelihood(x: number, t: number, s: number, eps: number): number {
  return eps + (1 - 2 * eps) * psjSigmoid(x === t ? 0 : s * (x - t));
}

/** Parameters of the expected-cosine formulas (official keyword arguments and defaults). */
export interface CosineModel {
  /** Inverse scale of the sigmoid along the gradient; Infinity for a deterministic step (default). */
  readonly s?: number;
  /** Distance of the probes' centre to the sigmoid's centre, along the gradient (default 0). */
  readonly theta?: number;
  /** L2 radius of the probes (default 1). */
  readonly delta?: number;
  /** Input dimension (default 10). */
  readonly d?: number;
  /** Flip rate at +-infinity (default 0). */
  readonly eps?: number;
}

/**
 * alpha = (1 - 2 eps) E[Y(X - theta) X] for X ~ N(0, 1) after rescaling by delta / sqrt(d)
 * (official `get_alpha` and `get_alpha_`): s' = s delta / sqrt(d), theta' = theta sqrt(d) / delta,
 * alpha_ = s' (erf((theta' + 1/(2s'))/sqrt 2) - erf((theta' - 1/(2s'))/sqrt 2)), and sqrt(2/pi) exp(-theta'^2/2) for s = Infinity.
 */
export function psjAlpha(s: number, theta: number, delta: number, d: number, eps: number): number {
  const s1 = (s * delta) / Math.sqrt(d);
  const theta1 = (theta * Math.sqrt(d)) / delta;
  let a: number;
  if (s1 === Infinity) a = Math.sqrt(2 / Math.PI) * Math.exp(-(theta1 * theta1) / 2);
  // erf(u / sqrt 2) = 2 Phi(u) - 1, so the difference of erfs is 2 (Phi(up) - Phi(down)).
  else a = s1 * 2 * (normalCdf(theta1 + 1 / (2 * s1)) - normalCdf(theta1 - 1 / (2 * s1)));
  return (1 - 2 * eps) * a;
}

/**
 * E[cos(estimated gradient, true gradient)] = 1 / sqrt(1 + (d - 1) / (n alpha^2)) from n probes
 * (official `get_cos_from_n`; 0 when alpha = 0).
 */
export function getCosFromN(n: number, model: CosineModel = {}): number {
  const { s = Infinity, theta = 0, delta = 1, d = 10, eps = 0 } = model;
  const alpha = psjAlpha(s, theta, delta, d, eps);
  if (alpha * alpha === 0) return 0;
  return 1 / Math.sqrt(1 + (d - 1) / (n * alpha * alpha));
}

/** Probes needed for E[cos] = targetCos: (d - 1) cos^2 / (alpha^2 (1 - cos^2)) (official `get_n_from_cos`; Infinity when alpha = 0). */
export function getNFromCos(targetCos: number, model: CosineModel = {}): number {
  const { s = Infinity, theta = 0, delta = 1, d = 10, eps = 0 } = model;
  const alpha = psjAlpha(s, theta, delta, d, eps);
  if (alpha * alpha === 0) return Infinity;
  return ((d - 1) * targetCos * targetCos) / (alpha * alpha * (1 - targetCos * targetCos));
}

/** The MAP estimate of one line search (official `ttse_max[-1]`) and the probes it asks for. */
export interface InfomaxEstimate {
  /** Sigmoid centre on the line (0: adversarial end, 1: original). */
  readonly t: number;
  /** Sigmoid inverse scale. */
  readonly s: number;
  /** Flip rate. */
  readonly e: number;
}

export interface InfomaxResult extends InfomaxEstimate {
  /** Probes of the next gradient estimate: getNFromCos(targetCos, theta = 1/grid, s, eps, delta, d) (official `En`). */
  readonly n: number;
  /** Queries this search asked. */
  readonly queries: number;
  /** Index of t on its grid, and the grid's size (t = tLow + index (tHigh - tLow) / (size - 1)). */
  readonly tIndex: number;
  /** False when it ended at `maxQueries` without meeting the stop rule (official `terminated`). */
  readonly converged: boolean;
}

/** One search's inputs besides the answers. */
export interface InfomaxSearchArgs {
  /** The previous search's MAP estimate (null for the first search of an attack). */
  readonly previous: InfomaxEstimate | null;
  /** Target cosine of the next gradient estimate (from HSJA's schedule). */
  readonly targetCos: number;
  /** Input dimension and the probe radius in units of the line's length (official `d`, `delta`). */
  readonly d: number;
  readonly delta: number;
  /** Tie-breaks between equally informative candidates (official `torch.randint` over `jj_top`). */
  readonly random: Random;
}

/** Official `bin_search` default `kmax = 5000`: queries of one line search at most. */
export const INFOMAX_MAX_QUERIES = 5000;
/** Official `bin_search` default `window_size = 10`: the stop rule reads the last 11 MAP estimates. */
export const INFOMAX_WINDOW = 10;
/** Posterior clamp of the official loop (`CLIP_MIN = 1e-7`, `CLIP_MAX = 1 - 1e-7`). */
const CLIP_MIN = 1e-7;
const CLIP_MAX = 1 - 1e-7;
/** Official grids: s on logspace(-1, 2, 31); eps on linspace(0, 0.3, 7), then frozen. */
const S_LOG_LOW = -1;
const S_LOG_HIGH = 2;
const NS = 31;
const E_HIGH = 0.3;
const NE = 7;

/**
 * The line search of one attack run: buffers sized for `gridSize` are allocated once here and
 * reused by every search and every query (nothing is allocated per query).
 *
 * Grids (official `bin_search`, with prior_frac = 1, the default and the only value implemented):
 * - first search: t on gridSize + 1 points of [0, 1], s on logspace(-1, 2, 31), eps on linspace(0, 0.3, 7);
 * - later searches: t on 2 gridSize + 1 points of [max(t' - 1, 0), min(t' + 1, 1)] = [0, 1], log10 s on
 *   31 points of [max(log10 s' - 3, -1), min(log10 s' + 3, 2)], eps frozen at the previous eps'.
 * Candidates x: gridSize + 1 points of [0, 1]. Because t and x share the grid 1/(r gridSize) (r = 1,
 * then 2), the likelihood of a cell at a candidate depends on (x - t) through an integer offset,
 * and is read from one small table per (s, eps).
 *
 * Cost: the posterior is clamped to >= 1e-7 and renormalised before each query (as officially), so
 * every clamped cell holds the same value q. The acquisition sums over cells are computed as q times
 * the column sums of the whole table (from prefix sums, once per search) plus the cells above q only:
 * exact, and after a few answers only a small fraction of the ~20k cells is above the floor.
 */
export class InfomaxLineSearch {
  readonly gridSize: number;
  /** Candidates: gridSize + 1 points of [0, 1]. */
  readonly nx: number;
  private readonly cells: number;
  private readonly post: Float64Array;
  /** Cells above the floor: their table offset (row * W + mid - i) and p - q. */
  private readonly activeBase: Int32Array;
  private readonly activeWeight: Float64Array;
  private activeCount = 0;
  private floor = 0;
  /** Likelihood table (its binary entropy is in `both`): one row of W = 4 gridSize + 1 offsets per (s, eps). */
  private readonly width: number;
  private readonly mid: number;
  private readonly lik: Float64Array;
  /** lik and ent interleaved (lik at 2 m, ent at 2 m + 1), for the acquisition's inner loop. */
  private readonly both: Float64Array;
  private readonly lik1: Float64Array; // prefix sums of lik per row (width + 1 per row)
  private readonly ent1: Float64Array;
  private readonly colLik: Float64Array;
  private readonly colEnt: Float64Array;
  private readonly accLik: Float64Array;
  private readonly accEnt: Float64Array;
  /** The current search's grid. */
  private nt = 0;
  private ns = 0;
  private ne = 0;
  private ratio = 1;
  private tLow = 0;
  private tHigh = 1;
  private sLow = 0;
  private sHigh = 0;
  private eLow = 0;
  private eHigh = 0;
  private readonly sGrid = new Float64Array(NS);
  private readonly eGrid = new Float64Array(NE);
  /** The last INFOMAX_WINDOW + 1 MAP estimates (t, log10 s, eps), as a ring. */
  private readonly history = new Float64Array(3 * (INFOMAX_WINDOW + 1));
  private recorded = 0;
  private readonly tieBuffer: Int32Array;
  /** Stop-rule thresholds of the current search: (high - low) / N for t, log10 s and eps. */
  private readonly limits = new Float64Array(3);

  constructor(gridSize: number) {
    if (!(Number.isInteger(gridSize) && gridSize >= 1)) throw new RangeError(`invalid grid size: expected an integer >= 1, got ${gridSize}`);
    this.gridSize = gridSize;
    this.nx = gridSize + 1;
    this.cells = Math.max((gridSize + 1) * NS * NE, (2 * gridSize + 1) * NS);
    this.post = new Float64Array(this.cells);
    this.activeBase = new Int32Array(this.cells);
    this.activeWeight = new Float64Array(this.cells);
    this.width = 4 * gridSize + 1;
    this.mid = 2 * gridSize;
    this.lik = new Float64Array(NS * NE * this.width);
    this.both = new Float64Array(2 * NS * NE * this.width);
    this.lik1 = new Float64Array(NS * NE * (this.width + 1));
    this.ent1 = new Float64Array(NS * NE * (this.width + 1));
    this.colLik = new Float64Array(this.nx);
    this.colEnt = new Float64Array(this.nx);
    this.accLik = new Float64Array(this.nx);
    this.accEnt = new Float64Array(this.nx);
    this.tieBuffer = new Int32Array(this.nx);
  }

  /** The candidate x of index k (k / gridSize). */
  candidate(k: number): number {
    return k / this.gridSize;
  }

  /** t of grid index i in the current (or last) search. */
  tAt(i: number): number {
    return this.tLow + ((this.tHigh - this.tLow) * i) / (this.nt - 1);
  }

  /** Size of the current (or last) search's t grid. */
  get tCount(): number {
    return this.nt;
  }

  /** The posterior marginal of t after the last answer (length tCount), into `out`. */
  tMarginal(out: Float64Array): Float64Array {
    const per = this.ns * this.ne;
    for (let i = 0, c = 0; i < this.nt; i++) {
      let m = 0;
      for (let r = 0; r < per; r++, c++) m += this.post[c];
      out[i] = m;
    }
    let z = 0;
    for (let i = 0; i < this.nt; i++) z += out[i];
    for (let i = 0; i < this.nt; i++) out[i] /= z;
    return out;
  }

  /**
   * One line search (official `bin_search`): asks `answer(x)` (true when the original label is kept,
   * y = 1) at the most informative candidate until the stop rule holds or INFOMAX_MAX_QUERIES were
   * asked. A query that throws (the oracle's budget) ends the search with that error.
   */
  async search(answer: (x: number) => Promise<boolean>, args: InfomaxSearchArgs): Promise<InfomaxResult> {
    this.setGrid(args.previous);
    this.buildTables();
    const cells = this.nt * this.ns * this.ne;
    this.post.fill(1 / cells, 0, cells);
    this.recorded = 0;
    let mapCell = 0;
    let queries = 0;
    let stop = false;
    while (!stop && queries < INFOMAX_MAX_QUERIES) {
      // Clamp and renormalise the prior (official ptse_x = clamp(...); ptse_x /= sum); MAP = first argmax.
      mapCell = this.clampAndNormalise(cells);
      this.record(mapCell);
      const k = this.mostInformative(args.random);
      const y = await answer(this.candidate(k));
      queries++;
      stop = this.stopRuleHolds();
      this.update(k, y, cells);
    }
    const per = this.ns * this.ne;
    const i = Math.floor(mapCell / per), j = Math.floor((mapCell % per) / this.ne), h = mapCell % this.ne;
    const t = this.tAt(i), s = this.sGrid[j], e = this.eGrid[h];
    // Official En = get_n_from_cos(target_cos, theta = 1/grid_size, s, eps, delta, d) (also when terminated).
    const n = getNFromCos(args.targetCos, { theta: 1 / this.gridSize, s, eps: e, delta: args.delta, d: args.d });
    return { t, s, e, n, queries, tIndex: i, converged: stop };
  }

  private setGrid(previous: InfomaxEstimate | null): void {
    const g = this.gridSize;
    if (previous === null) {
      this.tLow = 0; this.tHigh = 1; this.nt = g + 1; this.ratio = 1;
      this.sLow = S_LOG_LOW; this.sHigh = S_LOG_HIGH; this.ns = NS;
      this.eLow = 0; this.eHigh = E_HIGH; this.ne = NE;
    } else {
      // prior_frac = 1: t in [max(t' - 1, 0), min(t' + 1, 1)] = [0, 1] on int(2 g) + 1 points.
      this.tLow = Math.max(previous.t - 1, 0); this.tHigh = Math.min(previous.t + 1, 1); this.nt = 2 * g + 1; this.ratio = 2;
      const ls = Math.log10(previous.s);
      this.sLow = Math.max(ls - 3, S_LOG_LOW); this.sHigh = Math.min(ls + 3, S_LOG_HIGH); this.ns = NS;
      this.eLow = previous.e; this.eHigh = previous.e; this.ne = 1;
    }
    for (let j = 0; j < this.ns; j++) this.sGrid[j] = 10 ** (this.sLow + ((this.sHigh - this.sLow) * j) / (this.ns - 1));
    this.limits[0] = (this.tHigh - this.tLow) / this.nt;
    this.limits[1] = (this.sHigh - this.sLow) / this.ns;
    this.limits[2] = (this.eHigh - this.eLow) / this.ne;
    for (let h = 0; h < this.ne; h++) this.eGrid[h] = this.ne === 1 ? this.eLow : this.eLow + ((this.eHigh - this.eLow) * h) / (this.ne - 1);
  }

  /** Tables of P(y = 1) and its binary entropy at offsets D = r k - i (x - t = D / (r g)), and column sums. */
  private buildTables(): void {
    const { width, mid, lik, lik1, ent1, ns, ne, nx, nt, ratio } = this;
    const denominator = ratio * this.gridSize;
    for (let j = 0; j < ns; j++) {
      for (let h = 0; h < ne; h++) {
        const row = j * ne + h, s = this.sGrid[j], e = this.eGrid[h];
        const base = row * width, base1 = row * (width + 1);
        lik1[base1] = 0; ent1[base1] = 0;
        for (let D = -mid; D <= mid; D++) {
          const p = e + (1 - 2 * e) * psjSigmoid((s * D) / denominator);
          const q = 1 - p;
          const hh = (p > 0 ? -p * Math.log(p) : 0) + (q > 0 ? -q * Math.log(q) : 0);
          lik[base + mid + D] = p;
          this.both[2 * (base + mid + D)] = p;
          this.both[2 * (base + mid + D) + 1] = hh;
          lik1[base1 + mid + D + 1] = lik1[base1 + mid + D] + p;
          ent1[base1 + mid + D + 1] = ent1[base1 + mid + D] + hh;
        }
      }
    }
    // Column sums over all cells: sum over rows and i in [0, nt) of table[r k - i], i.e. D in [r k - nt + 1, r k].
    for (let k = 0; k < nx; k++) {
      let sl = 0, se = 0;
      const hi = mid + ratio * k + 1, lo = mid + ratio * k - nt + 1;
      for (let row = 0; row < ns * ne; row++) {
        const b = row * (width + 1);
        sl += lik1[b + hi] - lik1[b + lo];
        se += ent1[b + hi] - ent1[b + lo];
      }
      this.colLik[k] = sl;
      this.colEnt[k] = se;
    }
  }

  /** Clamps the posterior to [1e-7, 1 - 1e-7], renormalises, lists the cells above the floor; returns the first argmax. */
  private clampAndNormalise(cells: number): number {
    const post = this.post;
    let z = 0;
    for (let c = 0; c < cells; c++) {
      const v = post[c];
      const w = v < CLIP_MIN ? CLIP_MIN : v > CLIP_MAX ? CLIP_MAX : v;
      post[c] = w;
      z += w;
    }
    const q = CLIP_MIN / z;
    this.floor = q;
    const per = this.ns * this.ne;
    const { width, mid } = this;
    let count = 0, best = 0, bestValue = -1;
    // Row-major (s, eps outer, t inner): consecutive active cells then read consecutive table
    // entries, which keeps the acquisition's table reads in cache (the tables exceed L2 at grid 100+).
    for (let row = 0; row < per; row++) {
      for (let i = 0, c = row; i < this.nt; i++, c += per) {
        const clamped = post[c];
        const v = clamped / z;
        post[c] = v;
        // First argmax in the official (t, s, eps) order.
        if (v > bestValue || (v === bestValue && c < best)) { bestValue = v; best = c; }
        if (clamped > CLIP_MIN) {
          this.activeBase[count] = row * width + mid - i;
          this.activeWeight[count] = v - q;
          count++;
        }
      }
    }
    this.activeCount = count;
    return best;
  }

  /** Records a MAP estimate (t, log10 s, eps) in the ring. */
  private record(cell: number): void {
    const per = this.ns * this.ne;
    const i = Math.floor(cell / per), j = Math.floor((cell % per) / this.ne), h = cell % this.ne;
    const slot = (this.recorded % (INFOMAX_WINDOW + 1)) * 3;
    this.history[slot] = this.tAt(i);
    this.history[slot + 1] = this.sLow + ((this.sHigh - this.sLow) * j) / (this.ns - 1);
    this.history[slot + 2] = this.eGrid[h];
    this.recorded++;
  }

  /**
   * Official 'estimate_fluctuation': once more than window + 1 estimates exist, the last window + 1
   * differ pairwise (consecutive) by at most (high - low) / N in t, in log10 s and in eps.
   */
  private stopRuleHolds(): boolean {
    const w = INFOMAX_WINDOW + 1;
    if (this.recorded <= w) return false;
    const limits = this.limits;
    for (let m = 1; m < w; m++) {
      const a = ((this.recorded - m) % w) * 3, b = ((this.recorded - m - 1) % w) * 3;
      for (let u = 0; u < 3; u++) if (Math.abs(this.history[a + u] - this.history[b + u]) > limits[u]) return false;
    }
    return true;
  }

  /**
   * Index of the candidate of largest mutual information I(y; t, s, eps | x) = H(y | x) - E[H(y | x, t, s, eps)]
   * (equal to the official Hy + Htse - Hytse), a uniform draw among exact ties.
   */
  private mostInformative(random: Random): number {
    const { nx, accLik, accEnt, both, activeBase, activeWeight, ratio, floor } = this;
    const count = this.activeCount;
    // Four candidates per pass over the active cells (each candidate's sums keep their order).
    const step = 2 * ratio;
    let k = 0;
    for (; k + 3 < nx; k += 4) {
      let l0 = 0, e0 = 0, l1 = 0, e1 = 0, l2 = 0, e2 = 0, l3 = 0, e3 = 0;
      const shift = 2 * ratio * k;
      for (let a = 0; a < count; a++) {
        const idx = 2 * activeBase[a] + shift, w = activeWeight[a];
        l0 += w * both[idx]; e0 += w * both[idx + 1];
        l1 += w * both[idx + step]; e1 += w * both[idx + step + 1];
        l2 += w * both[idx + 2 * step]; e2 += w * both[idx + 2 * step + 1];
        l3 += w * both[idx + 3 * step]; e3 += w * both[idx + 3 * step + 1];
      }
      accLik[k] = floor * this.colLik[k] + l0; accEnt[k] = floor * this.colEnt[k] + e0;
      accLik[k + 1] = floor * this.colLik[k + 1] + l1; accEnt[k + 1] = floor * this.colEnt[k + 1] + e1;
      accLik[k + 2] = floor * this.colLik[k + 2] + l2; accEnt[k + 2] = floor * this.colEnt[k + 2] + e2;
      accLik[k + 3] = floor * this.colLik[k + 3] + l3; accEnt[k + 3] = floor * this.colEnt[k + 3] + e3;
    }
    for (; k < nx; k++) {
      let sl = 0, se = 0;
      const shift = 2 * ratio * k;
      for (let a = 0; a < count; a++) {
        const idx = 2 * activeBase[a] + shift, w = activeWeight[a];
        sl += w * both[idx];
        se += w * both[idx + 1];
      }
      accLik[k] = floor * this.colLik[k] + sl;
      accEnt[k] = floor * this.colEnt[k] + se;
    }
    let best = -Infinity, ties = 0;
    for (let k = 0; k < nx; k++) {
      const p = Math.min(Math.max(accLik[k], 0), 1), q = 1 - p;
      const hy = (p > 0 ? -p * Math.log(p) : 0) + (q > 0 ? -q * Math.log(q) : 0);
      const info = hy - accEnt[k];
      if (info > best) { best = info; ties = 0; this.tieBuffer[ties++] = k; }
      else if (info === best) this.tieBuffer[ties++] = k;
    }
    return ties === 1 ? this.tieBuffer[0] : this.tieBuffer[Math.floor(random.nextFloat() * ties)];
  }

  /** Posterior after answer y at candidate k: p(c) L_c(y | x_k) / evidence (official ptse_xyj). */
  private update(k: number, y: boolean, cells: number): void {
    const { post, lik, width, mid } = this;
    const per = this.ns * this.ne;
    const offset = this.ratio * k;
    let z = 0;
    for (let i = 0, c = 0; i < this.nt; i++) {
      // P(y = 0 | D) = P(y = 1 | -D): the sigmoid is odd around its centre.
      const D = y ? offset - i : i - offset;
      for (let row = 0; row < per; row++, c++) {
        const v = post[c] * lik[row * width + mid + D];
        post[c] = v;
        z += v;
      }
    }
    for (let c = 0; c < cells; c++) post[c] /= z;
  }
}

/** Equal-tailed credible interval [lo, hi] (as grid values) of a marginal on the grid `at(i)`, i < marginal.length. */
export function credibleInterval(marginal: Float64Array, length: number, at: (i: number) => number, level: number): [number, number] {
  const tail = (1 - level) / 2;
  let acc = 0, lo = 0;
  for (let i = 0; i < length; i++) { acc += marginal[i]; if (acc > tail) { lo = i; break; } }
  acc = 0;
  let hi = length - 1;
  for (let i = length - 1; i >= 0; i--) { acc += marginal[i]; if (acc > tail) { hi = i; break; } }
  return [at(lo), at(hi)];
}
