import assert from "node:assert/strict";
import { test } from "node:test";
import { HSJA_DEFAULTS, hsja, hsjaDelta, hsjaMinDelta, hsjaNumEvals, hsjaTheta, type HsjaOptions } from "../../src/attacks/hsja.js";
import { float32Toward } from "../../src/attacks/geometry.js";
import { runAttack } from "../../src/attacks/run.js";
import type { AttackContext, Norm } from "../../src/attacks/types.js";
import type { Bounds, ImageShape } from "../../src/model/classifier.js";
import { LinearClassifier } from "../../src/model/linear.js";
import { BudgetExhaustedError, LabelOnlyOracle, type DecisionOracle } from "../../src/oracle/index.js";
import { createRandom } from "../../src/rng/index.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";
import { answeredPoints, assertBudgetSpent, CountingClassifier, LoggingOracle } from "./budget.js";
import { linearProblem } from "./linearProblem.js";

const square = (side: number): ImageShape => ({ channels: 1, height: side, width: side });

async function attackLinear(side: number, norm: Norm, seed: number, options: Partial<HsjaOptions> = {}, budget = 2000) {
  const problem = linearProblem(square(side), 0.5, seed);
  const oracle = new LabelOnlyOracle(problem.classifier, problem.image, problem.label, { budget });
  const result = await runAttack(oracle, {
    name: "hsja", attack: hsja, options: { constraint: norm, ...options }, norm, random: createRandom(seed),
  });
  const truth = norm === "l2" ? problem.distanceL2 : problem.distanceLinf;
  return { result, ratio: (norm === "l2" ? result.l2 : result.linf) / truth };
}

test("HSJA_DEFAULTS are the official hsja.py values", () => {
  assert.deepEqual({ ...HSJA_DEFAULTS }, {
    constraint: "l2", // constraint = 'l2'
    gamma: 1.0, // gamma = 1.0
    numIterations: 40, // num_iterations = 40
    spendBudget: true, // rsbench: the budget ends the run
    initNumEvals: 100, // init_num_evals = 100
    maxNumEvals: 10000, // max_num_evals = 1e4
    stepsizeSearch: "geometric_progression", // stepsize_search = 'geometric_progression'
    initTrials: 10000, // assert num_evals < 1e4 in initialize()
    initTolerance: 0.001, // while high - low > 0.001 in initialize()
    batchSize: 100, // rsbench: memory only
  });
  assert.ok(Object.isFrozen(HSJA_DEFAULTS));
});

test("theta, delta and the number of gradient probes follow the official formulas", () => {
  assert.equal(hsjaTheta("l2", 1, 64), 1 / 512); // gamma / (sqrt(d) * d)
  assert.equal(hsjaTheta("linf", 1, 64), 1 / 4096); // gamma / d^2
  assert.equal(hsjaTheta("l2", 2, 16), 2 / 64);
  // delta: 0.1 * (clip_max - clip_min) at iteration 1, then sqrt(d) theta dist (l2), d theta dist (linf).
  assert.ok(Math.abs(hsjaDelta("l2", 1 / 512, 64, 1, 3, 2) - 0.2) < 1e-15);
  assert.equal(hsjaDelta("l2", 1 / 512, 64, 2, 0.5, 1), 8 / 512 * 0.5);
  assert.equal(hsjaDelta("linf", 1 / 4096, 64, 3, 0.5, 1), 64 / 4096 * 0.5);
  // int(min(init * sqrt(t), max))
  assert.deepEqual([1, 2, 3, 4, 10].map((t) => hsjaNumEvals(100, 10000, t)), [100, 141, 173, 200, 316]);
  assert.equal(hsjaNumEvals(100, 10000, 20000), 10000);
});

test("the probe radius is floored at 2 float32 ulps per pixel, where the official delta vanishes in float32", async () => {
  assert.equal(hsjaMinDelta(784, 0, 1), 28 * 2 * 2 ** -23);
  assert.equal(hsjaMinDelta(16, -255, 2), 4 * 2 * 255 * 2 ** -23);
  // 1x28x28, Linf distance ~0.0009: the official delta (dist / d, ~1e-6 in L2 norm) is below the floor.
  const problem = linearProblem(square(28), 0.02, 1);
  const w = problem.classifier.w;
  let norm = 0;
  for (const v of w) norm += v * v;
  const start = problem.image.map((v, k) => v + (0.2 * w[k]) / Math.sqrt(norm));
  const oracle = new LabelOnlyOracle(problem.classifier, problem.image, 0, { budget: 2000 });
  const result = await runAttack(oracle, {
    name: "hsja", attack: hsja, options: { constraint: "linf" }, norm: "linf", random: createRandom(1), startingPoint: start,
  });
  assert.ok(result.anomalies.deltaFloored > 0, JSON.stringify(result.anomalies));
  assert.ok(result.linf / problem.distanceLinf < 1.01, `Linf ${result.linf / problem.distanceLinf} times the true distance`);
});

test("L2 HSJA reaches the true L2 distance within 1% in 2000 queries on a 1x4x4 linear problem", async () => {
  for (const seed of [1, 2, 3]) {
    const { result, ratio } = await attackLinear(4, "l2", seed);
    assert.ok(result.success);
    assert.ok(ratio >= 1 - 1e-6, `seed ${seed}: below the true distance (${ratio})`);
    assert.ok(ratio < 1.01, `seed ${seed}: L2 ${ratio} times the true distance`);
    assert.equal(result.queries, 2000);
    assert.equal(result.stopReason, "budget");
  }
});

test("L2 HSJA on a 1x8x8 linear problem is within 5% in 2000 queries and keeps improving", async () => {
  // Measured 2.4% to 4.5% over seeds 1-5; the official hsja.py logic gives 3.1% to 3.7% on the same problem.
  for (const seed of [1, 2]) {
    const { result, ratio } = await attackLinear(8, "l2", seed);
    assert.ok(ratio >= 1 - 1e-6 && ratio < 1.05, `seed ${seed}: L2 ${ratio} times the true distance`);
    const at = (q: number) => result.trace.filter((row) => row.queries <= q).at(-1)!.l2;
    assert.ok(at(500) > at(1000) && at(1000) > at(2000), "the best L2 decreases with the budget");
  }
});

test("on a 1x28x28 linear problem L2 HSJA converges: 1.3x at 2000 queries, within 6% at its official 40 iterations", async () => {
  // Measured over seeds 1-5 (ratio to the true L2 distance): 1.31-1.38 at 2000 queries, 1.13-1.15 at
  // 5000, 1.077-1.085 at 10000, 1.050-1.058 at the end of the official num_iterations = 40
  // (17,814-17,939 queries). In 784 dimensions each gradient estimate (100 sqrt(t) probes) has a
  // cosine of ~0.3-0.5 with the normal, so the official algorithm needs far more than 2000 queries
  // to come within 1%: the 1% bar holds on 1x4x4 (test above), not here.
  const { result, ratio } = await attackLinear(28, "l2", 3, { spendBudget: false }, Infinity);
  assert.ok(result.success);
  assert.equal(result.stopReason, "iterations");
  assert.ok(result.queries > 17000 && result.queries < 19000, `queries ${result.queries}`);
  assert.ok(ratio >= 1 - 1e-6 && ratio < 1.06, `L2 ${ratio} times the true distance`);
  const truth = result.l2 / ratio;
  const at = (q: number) => result.trace.filter((row) => row.queries <= q).at(-1)!.l2 / truth;
  assert.ok(at(2000) > at(5000) && at(5000) > at(10000) && at(10000) > ratio - 1e-12, "the best L2 decreases with the budget");
  assert.ok(at(2000) < 1.45 && at(10000) < 1.1, `ratios ${at(2000)} at 2000, ${at(10000)} at 10000 queries`);
});

test("Linf HSJA approaches the true Linf distance of the linear problem", async () => {
  // Measured: 1x4x4 within 0.6-1.8%, 1x8x8 within 5.7-11.8% (official logic: 4.6-12.3%).
  for (const seed of [1, 2]) {
    const small = await attackLinear(4, "linf", seed);
    assert.ok(small.ratio >= 1 - 1e-6 && small.ratio < 1.03, `1x4x4 seed ${seed}: Linf ${small.ratio} times the true distance`);
    const large = await attackLinear(8, "linf", seed);
    assert.ok(large.ratio >= 1 - 1e-6 && large.ratio < 1.15, `1x8x8 seed ${seed}: Linf ${large.ratio} times the true distance`);
  }
});

test("grid search finds adversarial points close to the boundary", async () => {
  for (const norm of ["l2", "linf"] as const) {
    const { result, ratio } = await attackLinear(8, norm, 1, { stepsizeSearch: "grid_search" });
    assert.ok(result.success && result.iterations >= 3);
    assert.ok(ratio < (norm === "l2" ? 1.1 : 1.25), `${norm}: ${ratio} times the true distance`);
  }
});

test("the budget ends the run: the geometric progression spends it whole, a grid run says why it stops short", async () => {
  let short = 0;
  for (const seed of [1, 2, 3, 4]) {
    for (const budget of [37, 200, 777]) {
      for (const norm of ["l2", "linf"] as const) {
        for (const stepsizeSearch of ["geometric_progression", "grid_search"] as const) {
          const what = `seed ${seed}, budget ${budget}, ${norm}, ${stepsizeSearch}`;
          const problem = linearProblem(square(6), 0.5, seed);
          const base = new CountingClassifier(problem.classifier);
          const oracle = new LoggingOracle(base, problem.image, problem.label, { budget });
          const result = await runAttack(oracle, { name: "hsja", attack: hsja, options: { constraint: norm, stepsizeSearch }, norm, random: createRandom(seed) });
          const left = assertBudgetSpent(what, result, base, budget);
          // The run ended on a call the oracle refused: more points than were left.
          const last = oracle.calls.at(-1)!;
          assert.ok(last.count > last.remaining, `${what}: last call ${JSON.stringify(last)}`);
          assert.equal(last.remaining, left, what);
          if (stepsizeSearch === "geometric_progression") {
            // One point per call once the gradient estimate is trimmed: refused only at 0 left.
            assert.equal(result.unspent, null, what);
            assert.deepEqual(last, { count: 1, remaining: 0 }, what);
          } else if (result.unspent !== null) {
            short++;
            // A grid step asks its 20 step sizes together; its binary search one point per adversarial step size.
            assert.equal(result.unspent.requested, last.count, what);
            if (result.unspent.reason === "grid search") assert.equal(last.count, 20, what);
            else assert.ok(result.unspent.reason === "grid binary search" && last.count >= 2 && last.count <= 20, `${what}: ${JSON.stringify(result.unspent)}`);
          }
        }
      }
    }
  }
  assert.ok(short > 0, "some grid runs should end short of the budget");
});

test("without a budget (or with spendBudget false) numIterations ends the run", async () => {
  const { result } = await attackLinear(4, "l2", 1, { numIterations: 3 }, Infinity);
  assert.equal(result.iterations, 3);
  assert.equal(result.stopReason, "iterations");
  const limited = await attackLinear(4, "l2", 1, { numIterations: 3, spendBudget: false }, 100000);
  assert.equal(limited.result.iterations, 3);
  assert.equal(limited.result.queries, result.queries);
  const problem = linearProblem(square(4), 0.5);
  const oracle = new LabelOnlyOracle(problem.classifier, problem.image, 0);
  await assert.rejects(hsja(oracle, problem.image, 0, { numIterations: Infinity }, context(1)), /Infinity needs an oracle with a finite budget/);
});

test("same seed, same result; another seed, another result", async () => {
  const a = await attackLinear(8, "l2", 7, {}, 600);
  const b = await attackLinear(8, "l2", 7, {}, 600);
  assert.deepEqual(a.result.adversarial, b.result.adversarial);
  assert.deepEqual(a.result.trace, b.result.trace);
  assert.equal(a.result.l2, b.result.l2);
  const problem = linearProblem(square(8), 0.5, 7);
  const other = await runAttack(new LabelOnlyOracle(problem.classifier, problem.image, 0, { budget: 600 }), {
    name: "hsja", attack: hsja, options: {}, norm: "l2", random: createRandom(8),
  });
  assert.notEqual(other.l2, a.result.l2);
});

/** Wraps an oracle and checks that every point asked lies in the bounds. */
class BoundsSpy implements DecisionOracle {
  low = Infinity;
  high = -Infinity;
  calls = 0;
  constructor(readonly inner: DecisionOracle) {}
  get shape() { return this.inner.shape; }
  get bounds() { return this.inner.bounds; }
  get remaining() { return this.inner.remaining; }
  async isAdversarial(batch: Float32Array, count: number): Promise<Uint8Array> {
    const d = this.shape.channels * this.shape.height * this.shape.width;
    for (let k = 0; k < count * d; k++) {
      if (batch[k] < this.low) this.low = batch[k];
      if (batch[k] > this.high) this.high = batch[k];
    }
    this.calls++;
    return this.inner.isAdversarial(batch, count);
  }
}

function context(seed: number, startingPoint?: Float32Array): AttackContext {
  return { random: createRandom(seed), startingPoint, anomalies: {} };
}

test("every query lies in the oracle's bounds (not [0, 1]), and clipping binds", async () => {
  // Bounds [0.3, 0.6]; the original has every other pixel at the lower bound (a dark background, as
  // in MNIST), so probes and steps that lower those pixels must be clipped. The boundary is at 30% of
  // the largest score change the box allows (uniform noise still finds it).
  const shape = square(4);
  const bounds: Bounds = { lower: 0.3, upper: 0.6 };
  const random = createRandom(3);
  const w = new Float32Array(16);
  random.fillNormal(w);
  const image = Float32Array.from({ length: 16 }, (_, k) => (k % 2 === 0 ? bounds.lower : 0.45));
  let score = 0, norm2 = 0, reach = 0;
  for (let k = 0; k < 16; k++) {
    score += w[k] * image[k];
    norm2 += w[k] * w[k];
    reach += w[k] > 0 ? w[k] * (bounds.upper - image[k]) : -w[k] * (image[k] - bounds.lower);
  }
  const distanceL2 = 0.3 * reach / Math.sqrt(norm2);
  const classifier = new LinearClassifier(shape, w, -score - distanceL2 * Math.sqrt(norm2), bounds);
  for (const constraint of ["l2", "linf"] as const) {
    for (const stepsizeSearch of ["geometric_progression", "grid_search"] as const) {
      const inner = new LabelOnlyOracle(classifier, image, 0, { budget: 1500 });
      const spy = new BoundsSpy(inner);
      const outcome = await hsja(spy, image, 0, { constraint, stepsizeSearch }, context(5));
      assert.ok(spy.low >= bounds.lower && spy.high <= bounds.upper, `${constraint}/${stepsizeSearch}: asked values in [${spy.low}, ${spy.high}]`);
      // Clipped values are the float32 bounds inside [0.3, 0.6] (0.6 itself rounds up in float32).
      assert.ok(spy.low === float32Toward(bounds.lower, "up") || spy.high === float32Toward(bounds.upper, "down"),
        `${constraint}/${stepsizeSearch}: no query was clipped to a bound ([${spy.low}, ${spy.high}])`);
      assert.ok(Number.isFinite(inner.best.l2));
      assert.equal(outcome.stopReason, "budget");
      for (const v of outcome.adversarial!) assert.ok(v >= bounds.lower && v <= bounds.upper);
    }
  }
});

test("a given adversarial starting point is used; a benign one is counted and replaced", async () => {
  const problem = linearProblem(square(4), 0.5, 2);
  const far = new Float32Array(problem.image.length);
  for (let k = 0; k < far.length; k++) far[k] = problem.classifier.w[k] > 0 ? 1 : 0; // deep in class 1
  const spy = new BoundsSpy(new LabelOnlyOracle(problem.classifier, problem.image, 0, { budget: 300 }));
  const started = context(1, far);
  const outcome = await hsja(spy, problem.image, 0, {}, started);
  assert.deepEqual(started.anomalies, {});
  assert.ok(outcome.adversarial !== null);
  const benign = context(1, problem.image.slice());
  const oracle = new LabelOnlyOracle(problem.classifier, problem.image, 0, { budget: 300 });
  await hsja(oracle, problem.image, 0, {}, benign);
  assert.equal(benign.anomalies.startingPointBenign, 1);
  assert.ok(Number.isFinite(oracle.best.l2));
  await assert.rejects(hsja(oracle, problem.image, 0, {}, context(1, new Float32Array(3))), /invalid HSJA starting point: expected 16 values, got 3/);
});

test("initialisation gives up after initTrials noise draws when nothing is adversarial", async () => {
  const shape = square(4);
  const classifier = new LinearClassifier(shape, new Float32Array(16).fill(1), -100); // class 1 unreachable in [0, 1]
  const oracle = new LabelOnlyOracle(classifier, new Float32Array(16).fill(0.5), 0, { budget: 1000 });
  const outcome = await hsja(oracle, new Float32Array(16).fill(0.5), 0, { initTrials: 25 }, context(1));
  assert.deepEqual(outcome, { adversarial: null, iterations: 0, stopReason: "failed" });
  assert.equal(oracle.queries, 25);
});

test("invalid options name the option, the expected and the received value", async () => {
  const problem = linearProblem(square(4), 0.5);
  const oracle = new LabelOnlyOracle(problem.classifier, problem.image, 0, { budget: 10 });
  const run = (options: Record<string, unknown>) => hsja(oracle, problem.image, 0, options as Partial<HsjaOptions>, context(1));
  await assert.rejects(run({ constraint: "l1" }), /invalid HSJA constraint: expected "l2" or "linf", got "l1"/);
  await assert.rejects(run({ stepsizeSearch: "line" }), /invalid HSJA stepsizeSearch: expected "geometric_progression" or "grid_search", got "line"/);
  await assert.rejects(run({ gamma: 0 }), /invalid HSJA gamma: expected a finite number > 0, got 0/);
  await assert.rejects(run({ initNumEvals: 2.5 }), /invalid HSJA initNumEvals: expected an integer >= 1, got 2.5/);
  await assert.rejects(run({ initTolerance: 1 }), /invalid HSJA initTolerance: expected a number in \(0, 1\), got 1/);
  await assert.rejects(hsja(oracle, new Float32Array(5), 0, {}, context(1)), /invalid HSJA image: expected 16 values for the oracle's shape, got 5/);
  assert.equal(oracle.queries, 0);
});

test("against a smoothed (random) oracle HSJA terminates within its budget and counts the anomalies", async () => {
  const anomalies: Record<string, number> = {};
  for (const [seed, n, pa] of [[1, 1, 0.5], [2, 1, 0.5], [3, 10, 0.8]] as const) {
    for (const constraint of ["l2", "linf"] as const) {
      const problem = linearProblem(square(8), 0.5, seed);
      const base = new CountingClassifier(problem.classifier);
      const smoothed = new SmoothedClassifier(base, { sigma: 0.2, n, random: createRandom(100 + seed) });
      const oracle = new LoggingOracle(smoothed, problem.image, 0, { budget: 2000, pa });
      const result = await runAttack(oracle, { name: "hsja", attack: hsja, options: { constraint }, norm: constraint, random: createRandom(seed) });
      // Queries counted from the calls HSJA made, forward passes through the base classifier.
      assert.equal(answeredPoints(oracle), 2000);
      assert.equal(result.queries, 2000);
      assert.equal(result.unspent, null);
      assert.equal(base.images, result.forwardPasses);
      assert.ok(base.images >= 2000 && base.images <= 2000 * n);
      assert.equal(result.stopReason, "budget");
      assert.ok(result.success);
      for (const [key, count] of Object.entries(result.anomalies)) anomalies[key] = (anomalies[key] ?? 0) + count;
    }
  }
  assert.ok((anomalies.stepSizeSearchFailed ?? 0) > 0, JSON.stringify(anomalies));
  assert.ok((anomalies.allProbesAgree ?? 0) > 0, JSON.stringify(anomalies));
});

/** A scripted oracle: answers adversarial for the first `yes` queries, then `answer(i)` for query i. */
class ScriptedOracle implements DecisionOracle {
  readonly shape = square(4);
  readonly bounds = { lower: 0, upper: 1 };
  used = 0;
  constructor(readonly budget: number, readonly answer: (i: number) => boolean) {}
  get remaining() { return this.budget - this.used; }
  async isAdversarial(_batch: Float32Array, count: number): Promise<Uint8Array> {
    if (count > this.remaining) throw new BudgetExhaustedError(this.budget, this.used, count);
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.answer(this.used++) ? 1 : 0;
    return out;
  }
}

test("inconsistent oracles end cleanly: always adversarial, adversarial once then never, coin flips", async () => {
  const image = new Float32Array(16).fill(0.5);
  const flips = createRandom(9);
  const cases: Array<[string, (i: number) => boolean, string[]]> = [
    ["always adversarial", () => true, ["allProbesAgree"]],
    ["adversarial once, then never", (i) => i === 0, ["allProbesAgree", "stepSizeSearchFailed"]],
    ["coin flips", () => flips.nextFloat() < 0.5, []],
  ];
  for (const [name, answer, expected] of cases) {
    for (const constraint of ["l2", "linf"] as const) {
      for (const stepsizeSearch of ["geometric_progression", "grid_search"] as const) {
        const oracle = new ScriptedOracle(1000, answer);
        const ctx = context(4);
        const outcome = await hsja(oracle, image, 0, { constraint, stepsizeSearch }, ctx);
        // Always adversarial: each binary search divides the distortion by ~1/theta until the point
        // is the original itself in float32 (distortion 0), where HSJA stops ("converged").
        const end = name === "always adversarial" ? "converged" : "budget";
        assert.equal(outcome.stopReason, end, name);
        // The geometric progression spends the whole budget; a grid run says what it left and why.
        if (end === "budget") {
          const left = outcome.unspent?.queries ?? 0;
          assert.equal(oracle.used + left, 1000, `${name}: ${oracle.used} queries, unspent ${JSON.stringify(outcome.unspent)}`);
          if (stepsizeSearch === "geometric_progression") assert.equal(outcome.unspent, undefined, name);
          else if (outcome.unspent) assert.ok(left < outcome.unspent.requested && outcome.unspent.requested <= 20, `${name}: ${JSON.stringify(outcome.unspent)}`);
        } else {
          assert.ok(oracle.used < 1000);
        }
        assert.ok(outcome.adversarial !== null);
        for (const key of expected) {
          const event = stepsizeSearch === "grid_search" && key === "stepSizeSearchFailed" ? "gridSearchFailed" : key;
          assert.ok((ctx.anomalies[event] ?? 0) > 0, `${name} ${constraint} ${stepsizeSearch}: ${JSON.stringify(ctx.anomalies)}`);
        }
      }
    }
  }
});
