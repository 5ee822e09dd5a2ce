import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { runAttack } from "../../src/attacks/run.js";
import { SURFREE_DEFAULTS, SURFREE_RESERVE_REASON, surfree, type SurFreeOptions } from "../../src/attacks/surfree.js";
import type { AttackContext } from "../../src/attacks/types.js";
import type { Bounds, ImageShape } from "../../src/model/classifier.js";
import { LinearClassifier } from "../../src/model/linear.js";
import { LabelOnlyOracle, type DecisionOracle } from "../../src/oracle/index.js";
import { createRandom } from "../../src/rng/index.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";
import { answeredPoints, assertBudgetSpent, CountingClassifier, LoggingOracle } from "./budget.js";
import { linearProblem } from "./linearProblem.js";

const square = (side: number, channels = 1): ImageShape => ({ channels, height: side, width: side });

/**
 * SurFree on the analytic linear problem. The attack's stream is forked from the seed: the
 * problem draws its weights from createRandom(seed), and the same stream would make the random
 * start equal to 0.5 w, the normal of the boundary.
 */
async function attackLinear(side: number, seed: number, options: Partial<SurFreeOptions> = {}, budget = 2000, distance = 0.5) {
  const problem = linearProblem(square(side), distance, seed);
  const oracle = new LabelOnlyOracle(problem.classifier, problem.image, problem.label, { budget });
  const result = await runAttack(oracle, { name: "surfree", attack: surfree, options, norm: "l2", random: createRandom(seed, 1) });
  return { problem, oracle, result, ratio: result.l2 / problem.distanceL2 };
}

test("SURFREE_DEFAULTS are the official surfree.py values", () => {
  assert.deepEqual({ ...SURFREE_DEFAULTS, frequencyRange: [...SURFREE_DEFAULTS.frequencyRange] }, {
    steps: 100, // SurFree.__init__(steps=100)
    spendBudget: true, // rsbench: the budget ends the run
    bsGamma: 0.01, // BS_gamma=0.01
    bsMaxIteration: 7, // BS_max_iteration=7
    thetaMax: 30, // theta_max=30
    nOrtho: 100, // n_ortho=100
    rho: 0.95, // rho=0.95
    T: 1, // T=1
    withAlphaLineSearch: true, // with_alpha_line_search=True
    withDistanceLineSearch: false, // with_distance_line_search=False
    finalLineSearch: true, // final_line_search=True
    quantification: true, // quantification=True
    basis: "dct", // Basis(basis_type="dct")
    frequencyRange: [0, 0.5], // Basis._load_params(frequence_range=(0, 0.5))
    dctFunction: "tanh", // function="tanh"
    tanhGamma: 1, // tanh_gamma=1
    beta: 0, // beta=0
    initNoise: 0.5, // utils/attack.py get_init_with_noise: X + 0.5 * randn
    initAttempts: 1000, // rsbench: the official loops until adversarial
  });
  assert.ok(Object.isFrozen(SURFREE_DEFAULTS));
});

test("on a low-dimensional plane SurFree reaches the true L2 distance within 1% in 2000 queries", async () => {
  // 1x8x8 with i.i.d. normal directions (the official basis_type="random") and no 8-bit rounding.
  // Why not the defaults on 1x28x28: see the next test.
  for (const seed of [1, 2, 3]) {
    const { ratio, result } = await attackLinear(8, seed, { basis: "random", quantification: false });
    assert.ok(result.success);
    assert.ok(ratio >= 1 - 1e-6, `seed ${seed}: ratio ${ratio} below the true distance`);
    assert.ok(ratio < 1.01, `seed ${seed}: ratio ${ratio}`);
  }
});

test("with the official defaults on 1x28x28 SurFree spends the budget and closes most of the gap", async () => {
  // Measured ratios l2 / true distance (this problem, seeds 1-3, 2000 queries): 1.95, 2.02, 1.94
  // with the defaults; 1.63, 1.64, 1.65 with basis "random"; 1.25, 1.26, 1.28 with "random" and
  // no quantification. At 8000 queries (seed 1): 1.73 defaults, 1.46 "random", 1.39 without
  // quantification, 1.05 with frequencyRange [0, 1] and no quantification, 1.008 "random" without
  // quantification. Three reasons it cannot reach 1% on a white-normal plane in 2000 queries:
  // (1) each new direction gains ~1/D of the remaining angle (D = 784 pixels, or 392 DCT
  //     coefficients): about D accepted directions are needed, i.e. several thousand queries;
  // (2) the DCT directions span half of the coefficients and all are orthogonal to the first
  //     direction (the random start, kept forever): the normal's part outside that span is out
  //     of reach (floor ~1.39 without quantification);
  // (3) 8-bit rounding moves each query by ~1/255/sqrt(12) along the normal, more than the
  //     gain r theta s of a small-angle probe near the optimum.
  const start = await attackLinear(28, 1, {}, 2000, 0.5);
  assert.equal(start.result.queries, 2000);
  assert.equal(start.result.stopReason, "budget");
  const first = start.result.trace[0].l2 / start.problem.distanceL2;
  assert.ok(start.ratio >= 1 - 1e-6);
  assert.ok(start.ratio < 2.2, `ratio ${start.ratio}`);
  assert.ok(start.ratio < first / 2, `from ${first} to ${start.ratio}`);
});

/**
 * SurFree on the linear problem over a counting base classifier, and the budget check: exactly
 * `budget` queries answered (counted by the base), or `budget - 1` with `unspent` saying why. The
 * reserve of bsMaxIteration + 1 = 8 queries for the final line search is kept by withholding any
 * call that would leave fewer; the angle binary search asks an angle and its opposite together,
 * so with 9 left that pair is withheld, the final line search spends its 8 and 1 query is left.
 * Without the final line search (no reserve) the oracle refuses that pair at 1 left instead.
 */
async function spendsBudget(side: number, seed: number, options: Partial<SurFreeOptions>, budget: number): Promise<number> {
  const what = `seed ${seed}, ${JSON.stringify(options)}, budget ${budget}`;
  const problem = linearProblem(square(side), 0.5, seed);
  const base = new CountingClassifier(problem.classifier);
  const oracle = new LoggingOracle(base, problem.image, problem.label, { budget });
  const result = await runAttack(oracle, { name: "surfree", attack: surfree, options, norm: "l2", random: createRandom(seed, 1) });
  const left = assertBudgetSpent(what, result, base, budget);
  assert.ok(result.success, what);
  const last = oracle.calls.at(-1)!;
  if (result.unspent === null) {
    assert.equal(base.images, budget, what);
  } else if (options.finalLineSearch === false) {
    assert.deepEqual(result.unspent, { queries: 1, requested: 2, reason: "refused call" }, what);
    assert.deepEqual(last, { count: 2, remaining: 1 }, what);
  } else {
    assert.deepEqual(result.unspent, { queries: 1, requested: 2, reason: SURFREE_RESERVE_REASON }, what);
    // The last 8 calls are the final line search (boost probe + 7 bisections), one point each, from 9 left.
    assert.deepEqual(oracle.calls.slice(-8), Array.from({ length: 8 }, (_, i) => ({ count: 1, remaining: 9 - i })), what);
  }
  return left;
}

test("the budget is spent whole, or all but 1 query with the reason recorded", async () => {
  const left = [];
  // Seeds 3 and 5 at these budgets end on a withheld pair (found by a scan of seeds 1-12 at budgets 17-500: 6 of 96 runs).
  for (const [seed, budget] of [[1, 17], [2, 60], [3, 333], [4, 1000], [3, 200], [5, 60]] as const) {
    left.push(await spendsBudget(8, seed, {}, budget));
  }
  assert.deepEqual(left, [0, 0, 0, 0, 1, 1]);
});

test("the non-default variants (T = 3, distance line search, no final line search) keep the budget", async () => {
  const left = [];
  for (const options of [{ T: 3 }, { withDistanceLineSearch: true }, { finalLineSearch: false }, { withAlphaLineSearch: false }]) {
    left.push(await spendsBudget(8, 11, options, 300));
  }
  // These two end 1 short: T = 3 on a withheld pair, no final line search on a refused one.
  left.push(await spendsBudget(8, 1, { T: 3 }, 60), await spendsBudget(8, 4, { finalLineSearch: false }, 200));
  assert.deepEqual(left, [0, 0, 0, 0, 1, 1]);
});

test("without a budget, or with spendBudget false, `steps` ends the run", async () => {
  const unbounded = await attackLinear(8, 5, { steps: 12 }, Infinity);
  assert.equal(unbounded.result.iterations, 12);
  assert.equal(unbounded.result.stopReason, "iterations");
  const capped = await attackLinear(8, 5, { steps: 12, spendBudget: false }, 2000);
  assert.equal(capped.result.iterations, 12);
  assert.ok(capped.result.queries < 2000);
  assert.equal(capped.result.queries, unbounded.result.queries);
});

test("the same seed gives the same result", async () => {
  const a = await attackLinear(12, 7, {}, 400);
  const b = await attackLinear(12, 7, {}, 400);
  assert.equal(a.result.l2, b.result.l2);
  assert.equal(a.result.queries, b.result.queries);
  assert.deepEqual(a.result.trace, b.result.trace);
  assert.deepEqual(a.result.adversarial, b.result.adversarial);
  const c = await attackLinear(12, 8, {}, 400);
  assert.notEqual(a.result.l2, c.result.l2);
});

/** Records every point asked, then answers through the wrapped oracle. */
class SpyOracle implements DecisionOracle {
  readonly asked: Float32Array[] = [];
  constructor(readonly inner: DecisionOracle) {}
  get shape() { return this.inner.shape; }
  get bounds() { return this.inner.bounds; }
  get remaining() { return this.inner.remaining; }
  async isAdversarial(batch: Float32Array, count: number): Promise<Uint8Array> {
    const d = this.shape.channels * this.shape.height * this.shape.width;
    for (let i = 0; i < count; i++) this.asked.push(batch.slice(i * d, (i + 1) * d));
    return this.inner.isAdversarial(batch, count);
  }
}

function shiftedProblem(shape: ImageShape, bounds: Bounds, seed: number) {
  // A linear problem on [lower, upper]: the [0, 1] problem mapped affinely, so its distances scale.
  const base = linearProblem(shape, 0.5, seed);
  const span = bounds.upper - bounds.lower;
  const image = base.image.map((v) => bounds.lower + span * v);
  const b = base.classifier.b - (bounds.lower / span) * base.classifier.w.reduce((s, v) => s + v, 0);
  const w = base.classifier.w.map((v) => v / span);
  return { classifier: new LinearClassifier(shape, w, b, bounds), image };
}

test("every query lies within the oracle's bounds and on the 8-bit grid when quantification is on", async () => {
  for (const bounds of [{ lower: 0, upper: 1 }, { lower: -1, upper: 2 }]) {
    const { classifier, image } = shiftedProblem(square(10), bounds, 3);
    const oracle = new SpyOracle(new LabelOnlyOracle(classifier, image, 0, { budget: 300 }));
    const context: AttackContext = { random: createRandom(3, 1), anomalies: {} };
    await surfree(oracle, image, 0, {}, context).catch(() => undefined);
    assert.equal(oracle.asked.length, 300);
    const step = (bounds.upper - bounds.lower) / 255;
    for (const point of oracle.asked) {
      for (const v of point) {
        assert.ok(v >= bounds.lower && v <= bounds.upper, `${v} outside [${bounds.lower}, ${bounds.upper}]`);
        const k = (v - bounds.lower) / step;
        assert.ok(Math.abs(k - Math.round(k)) < 1e-3, `${v} is not on the grid of step ${step}`);
      }
    }
  }
  // Without quantification the queries are off the grid but still clipped.
  const { classifier, image } = shiftedProblem(square(10), { lower: -1, upper: 2 }, 4);
  const oracle = new SpyOracle(new LabelOnlyOracle(classifier, image, 0, { budget: 200 }));
  await surfree(oracle, image, 0, { quantification: false }, { random: createRandom(4, 1), anomalies: {} }).catch(() => undefined);
  const offGrid = oracle.asked.some((p) => p.some((v) => Math.abs(((v + 1) * 255) / 3 - Math.round(((v + 1) * 255) / 3)) > 1e-3));
  assert.ok(offGrid);
  assert.ok(oracle.asked.every((p) => p.every((v) => v >= -1 && v <= 2)));
});

test("a starting point replaces the random start; a benign one is reported and replaced", async () => {
  const problem = linearProblem(square(8), 0.5, 6);
  const w = problem.classifier.w;
  let wn = 0;
  for (const v of w) wn += v * v;
  wn = Math.sqrt(wn);
  const toward = (t: number) => problem.image.map((v, k) => v + (t * w[k]) / wn);
  const oracle = new SpyOracle(new LabelOnlyOracle(problem.classifier, problem.image, 0, { budget: 50 }));
  const context: AttackContext = { random: createRandom(6, 1), startingPoint: toward(0.9), anomalies: {} };
  await surfree(oracle, problem.image, 0, {}, context).catch(() => undefined);
  const start = toward(0.9);
  assert.ok(oracle.asked[0].every((v, k) => Math.abs(v - Math.round(start[k] * 255) / 255) < 1e-6));
  assert.deepEqual(context.anomalies, {});

  const result = await runAttack(new LabelOnlyOracle(problem.classifier, problem.image, 0, { budget: 400 }), {
    name: "surfree", attack: surfree, options: {}, norm: "l2", random: createRandom(6, 1), startingPoint: toward(0.2),
  });
  assert.equal(result.anomalies.startingPointBenign, 1);
  assert.ok(result.success);
});

test("images of any shape, including non-square RGB ones", async () => {
  const shape = { channels: 3, height: 6, width: 10 };
  const problem = linearProblem(shape, 0.3, 9);
  const oracle = new LabelOnlyOracle(problem.classifier, problem.image, 0, { budget: 500 });
  const result = await runAttack(oracle, { name: "surfree", attack: surfree, options: {}, norm: "l2", random: createRandom(9, 1) });
  assert.ok(result.success);
  assert.equal(result.queries, 500);
  const first = result.trace[0].l2;
  assert.ok(result.l2 < first / 1.5, `from ${first / problem.distanceL2} to ${result.l2 / problem.distanceL2}`);
});

test("against a smoothed (random) oracle SurFree spends its budget and counts what it handled", async () => {
  // g(sigma = 0.25, n = 10) of the linear problem answers at random near its boundary: a lucky
  // "adversarial" can trap the circle search until theta_max vanishes; the run then restarts.
  const seen: Record<string, number> = {};
  for (const seed of [1, 2, 3]) {
    const problem = linearProblem(square(16), 0.3, seed);
    const base = new CountingClassifier(problem.classifier);
    const smoothed = new SmoothedClassifier(base, { sigma: 0.25, n: 10, random: createRandom(seed, 2) });
    const oracle = new LoggingOracle(smoothed, problem.image, 0, { budget: 1000 });
    const result = await runAttack(oracle, { name: "surfree", attack: surfree, options: {}, norm: "l2", random: createRandom(seed, 1) });
    // Queries counted from the calls the attack made, forward passes through the base classifier.
    assert.equal(answeredPoints(oracle), result.queries, `seed ${seed}`);
    assert.equal(base.images, result.forwardPasses, `seed ${seed}`);
    assert.equal(result.queries + (result.unspent?.queries ?? 0), 1000, `seed ${seed}: ${result.queries} queries, unspent ${JSON.stringify(result.unspent)}`);
    if (result.unspent) assert.deepEqual(result.unspent, { queries: 1, requested: 2, reason: SURFREE_RESERVE_REASON });
    assert.equal(result.stopReason, "budget");
    assert.ok(result.success);
    for (const [key, count] of Object.entries(result.anomalies)) seen[key] = (seen[key] ?? 0) + count;
  }
  assert.ok(seen.thetaMaxVanished >= 1 && seen.restart === seen.thetaMaxVanished, JSON.stringify(seen));
});

/** An oracle that contradicts itself: adversarial for its first `yes` answers, then never again. */
class TurncoatOracle implements DecisionOracle {
  readonly remaining = Infinity;
  readonly bounds = { lower: 0, upper: 1 };
  queries = 0;
  constructor(readonly shape: ImageShape, readonly yes: number, readonly alwaysYes = false) {}
  async isAdversarial(_batch: Float32Array, count: number): Promise<Uint8Array> {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.alwaysYes || this.queries++ < this.yes ? 1 : 0;
    return out;
  }
}

test("an oracle that turns every answer benign cannot make SurFree loop forever", async () => {
  // After its start, every probe is refused: theta_max shrinks by rho per direction until it
  // vanishes, and the run ends ("converged") with the event counted, even without a budget.
  const oracle = new TurncoatOracle(square(6), 1);
  const image = new Float32Array(36).fill(0.5);
  const context: AttackContext = { random: createRandom(1), anomalies: {} };
  const outcome = await surfree(oracle, image, 0, {}, context);
  assert.equal(outcome.stopReason, "converged");
  assert.equal(context.anomalies.thetaMaxVanished, 1);
  assert.ok(oracle.queries < 2000, `${oracle.queries} queries`);
});

test("with a budget, a collapsed search whose random restarts are all benign stops with 'no restart', not 'converged' (issue 28)", async () => {
  const oracle = new TurncoatOracle(square(6), 1);
  Object.defineProperty(oracle, "remaining", { get: () => 1_000_000 - oracle.queries });
  const image = new Float32Array(36).fill(0.5);
  const context: AttackContext = { random: createRandom(1), anomalies: {} };
  const outcome = await surfree(oracle, image, 0, { initAttempts: 20 }, context);
  assert.equal(outcome.stopReason, "no restart");
  assert.equal(context.anomalies.restart, 1);
});

test("an oracle that calls everything adversarial stops the angle range search at the original", async () => {
  // With rho = 1, theta_max stays put and the range search of the official runs; the original
  // image (90 degrees) answered adversarial is impossible on a consistent oracle.
  const oracle = new TurncoatOracle(square(6), 0, true);
  const image = new Float32Array(36).fill(0.5);
  const context: AttackContext = { random: createRandom(2), anomalies: {} };
  const outcome = await surfree(oracle, image, 0, { rho: 1, steps: 3 }, context);
  assert.equal(outcome.iterations, 3);
  assert.equal(context.anomalies.rangeSearchReachedOriginal, 3);
});

test("invalid options and inputs are rejected with the value received", async () => {
  const problem = linearProblem(square(4), 0.3, 1);
  const oracle = new LabelOnlyOracle(problem.classifier, problem.image, 0, { budget: 10 });
  const context: AttackContext = { random: createRandom(1), anomalies: {} };
  await assert.rejects(surfree(oracle, problem.image, 0, { rho: 1.5 }, context), /invalid SurFree option rho: expected a value in \(0, 1\], got 1.5/);
  await assert.rejects(surfree(oracle, problem.image, 0, { T: 0 }, context), /invalid SurFree option T: expected an integer >= 1, got 0/);
  await assert.rejects(surfree(oracle, problem.image, 0, { thetaMax: 120 }, context), /invalid SurFree option thetaMax: expected degrees in \(0, 90\], got 120/);
  await assert.rejects(surfree(oracle, new Float32Array(3), 0, {}, context), /SurFree: image has 3 values, expected 16/);
  await assert.rejects(
    surfree(oracle, problem.image, 0, {}, { ...context, startingPoint: new Float32Array(2) }),
    /SurFree: starting point has 2 values, expected 16/,
  );
});

/**
 * SHA-256 of every query asked (float32 bytes, in order) and of the final point, for fixed seeds:
 * pins the exact behaviour so that speed-ups of the bookkeeping can be checked to change nothing.
 * Values recorded with the implementation of commit c435789 (before the speed-ups).
 */
async function fingerprint(shape: ImageShape, seed: number, options: Partial<SurFreeOptions>, budget: number, sigma = 0) {
  const problem = linearProblem(shape, 0.5, seed);
  const base = sigma > 0 ? new SmoothedClassifier(problem.classifier, { sigma, n: 1, random: createRandom(seed, 2) }) : problem.classifier;
  const hash = createHash("sha256");
  const spy = new SpyOracle(new LabelOnlyOracle(base, problem.image, 0, { budget }));
  const asked = spy.asked;
  const context: AttackContext = { random: createRandom(seed, 1), anomalies: {} };
  const outcome = await surfree(spy, problem.image, 0, options, context);
  for (const q of asked) hash.update(new Uint8Array(q.buffer, q.byteOffset, q.byteLength));
  const a = outcome.adversarial!;
  hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  let l2 = 0;
  for (let k = 0; k < a.length; k++) l2 += (a[k] - problem.image[k]) ** 2;
  return { queries: asked.length, iterations: outcome.iterations, l2: Math.sqrt(l2), hash: hash.digest("hex") };
}

test("fixed seeds reproduce the recorded queries and final points bit for bit", async () => {
  const cases = [
    { shape: square(28), seed: 1, options: {}, budget: 2000, sigma: 0 },
    { shape: square(28), seed: 2, options: { nOrtho: 10 }, budget: 1500, sigma: 0.1 },
    { shape: { channels: 3, height: 6, width: 10 }, seed: 3, options: {}, budget: 600, sigma: 0 },
    { shape: square(8), seed: 4, options: { basis: "random", quantification: false }, budget: 800, sigma: 0 },
  ] as const;
  const expected = [
    { queries: 2000, iterations: 484, l2: 0.9755911897061067, hash: "73fbc9551d741f056deadd963818f26ebf70dfa77fe8a41d923170378af66168" },
    { queries: 1500, iterations: 86, l2: 3.0002453306350816, hash: "4dbfedbf844fe8ed4a3aac6900d15b779f23acb0b87dce50114eba8c1f08e38d" },
    { queries: 600, iterations: 91, l2: 0.7928830415450054, hash: "92e77092e906da2f38e2f550912becac37f048249cacae8b0d1eee5de37b99f1" },
    { queries: 800, iterations: 155, l2: 0.501116991907808, hash: "c13253e06452244d12fbee9b1957a41242fc99ca5386ec040d552d2383a2875d" },
  ];
  for (const [i, c] of cases.entries()) {
    assert.deepEqual(await fingerprint(c.shape, c.seed, c.options, c.budget, c.sigma), expected[i], `case ${i}: ${JSON.stringify(c)}`);
  }
});
