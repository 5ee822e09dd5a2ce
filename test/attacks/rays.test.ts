import assert from "node:assert/strict";
import { test } from "node:test";
import { RAYS_DEFAULTS, rays, raysBlocks } from "../../src/attacks/rays.js";
import { runAttack } from "../../src/attacks/run.js";
import type { AttackContext } from "../../src/attacks/types.js";
import { imageSize, type Bounds, type Classifier, type ImageShape, type Votes } from "../../src/model/classifier.js";
import { LinearClassifier, oneHotVotes } from "../../src/model/linear.js";
import { LabelOnlyOracle } from "../../src/oracle/labelOnly.js";
import type { DecisionOracle } from "../../src/oracle/oracle.js";
import { createRandom } from "../../src/rng/index.js";
import type { Random } from "../../src/rng/random.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";
import { linearProblem } from "./linearProblem.js";

const small: ImageShape = { channels: 1, height: 8, width: 8 };

function runRays(oracle: LabelOnlyOracle, options = {}, seed = 0, startingPoint?: Float32Array) {
  return runAttack(oracle, { name: "rays", attack: rays, options, norm: "linf", random: createRandom(seed), startingPoint });
}

/** A classifier that answers a seeded coin flip whatever the image: the most inconsistent oracle. */
class CoinClassifier implements Classifier {
  readonly numClasses = 2;
  readonly bounds: Bounds = { lower: 0, upper: 1 };
  forwardPasses = 0;
  constructor(readonly shape: ImageShape, private readonly random: Random) {}
  async predict(_batch: Float32Array, count: number): Promise<Int32Array> {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.random.nextUint32() & 1;
    this.forwardPasses += count;
    return out;
  }
  async votes(batch: Float32Array, count: number): Promise<Votes> {
    return oneHotVotes(await this.predict(batch, count), this.numClasses);
  }
}

/** Wraps an oracle and records every point it is asked. */
function spy(inner: DecisionOracle) {
  const asked: Float32Array[] = [];
  const oracle: DecisionOracle = {
    get shape() { return inner.shape; },
    get bounds() { return inner.bounds; },
    get remaining() { return inner.remaining; },
    isAdversarial(batch, count) {
      asked.push(batch.slice(0, count * imageSize(inner.shape)));
      return inner.isAdversarial(batch, count);
    },
  };
  return { oracle, asked };
}

const context = (seed = 0): AttackContext => ({ random: createRandom(seed), anomalies: {} });

test("RAYS_DEFAULTS match the official RayS_Single.py (early stop off by design)", () => {
  assert.deepEqual({ ...RAYS_DEFAULTS }, {
    epsilon: 0.3,
    earlyStopping: false,
    lineSearchRadius: 10,
    tolerance: 1e-3,
    maxIterations: Infinity,
  });
  assert.ok(Object.isFrozen(RAYS_DEFAULTS));
});

test("raysBlocks follows the official hierarchical block schedule", () => {
  // Reference: the official loop's (start, end) sequence for dim = 10, computed with
  // python3 -c "import math; dim=10;lvl=0;ind=0;out=[]
  // for i in range(16):
  //   bn=2**lvl; bs=int(math.ceil(dim/bn)); st,en=ind*bs,min(dim,(ind+1)*bs); out.append((st,en)); ind+=1
  //   if ind==2**lvl or en==dim: lvl+=1; ind=0
  // print(out)"
  const expected = [[0, 10], [0, 5], [5, 10], [0, 3], [3, 6], [6, 9], [9, 10], [0, 2], [2, 4], [4, 6], [6, 8], [8, 10], [0, 1], [1, 2], [2, 3], [3, 4]];
  const blocks = raysBlocks(10);
  assert.deepEqual(expected.map(() => blocks.next().value), expected);
  const single = raysBlocks(3);
  const seen = Array.from({ length: 12 }, () => single.next().value);
  assert.deepEqual(seen.slice(-6), [[0, 1], [1, 2], [2, 3], [0, 1], [1, 2], [2, 3]]);
});

test("on a linear classifier RayS reaches the true Linf distance within 1% in 2000 queries (1x8x8)", async () => {
  // The problem places the image at 0.5 +- 0.05 with a Linf distance of about 0.03: the box [0, 1] does not bind.
  for (const seed of [1, 2, 3]) {
    const p = linearProblem(small, 0.2, seed);
    const oracle = new LabelOnlyOracle(p.classifier, p.image, p.label, { budget: 2000 });
    const result = await runRays(oracle);
    assert.ok(result.success);
    const ratio = result.linf / p.distanceLinf;
    assert.ok(ratio >= 1 - 1e-6 && ratio <= 1.01, `seed ${seed}: Linf ${result.linf} vs true ${p.distanceLinf} (ratio ${ratio})`);
    // Its own point agrees: the boundary is crossed, as close as the tolerance allows.
    assert.ok(p.classifier.score(result.adversarial!, 0) > 0);
  }
});

test("on a 1x28x28 linear classifier RayS comes within 1.5% of the true Linf distance at its official 10000 queries", async () => {
  // Linf distance ~0.018 (L2 0.4): farther and the all-ones first ray leaves [0, 1] before it
  // crosses, and RayS never starts (as the official). Measured over seeds 1-5: 1.60-1.92x at 2000
  // queries, 1.08-1.18x at 5000, 1.0097-1.0137x at 10000 (RayS_Single.py's default
  // query_limit) and no better at 20000: the official binary search stops at an absolute width
  // tol = 1e-3 along the unit sign vector (0.2% of this distance) and a flip is kept only if it
  // beats the current distance, so single-pixel flips that gain less than that are rejected.
  const p = linearProblem({ channels: 1, height: 28, width: 28 }, 0.4, 2);
  const oracle = new LabelOnlyOracle(p.classifier, p.image, p.label, { budget: 10000 });
  const result = await runRays(oracle, {}, 2);
  assert.ok(result.success);
  const ratio = result.linf / p.distanceLinf;
  assert.ok(ratio >= 1 - 1e-6 && ratio < 1.015, `Linf ${result.linf} vs true ${p.distanceLinf} (ratio ${ratio})`);
  const at = (q: number) => result.trace.filter((row) => row.queries <= q).at(-1)!.linf / p.distanceLinf;
  assert.ok(at(2000) > at(5000) && at(5000) > ratio, `ratios ${at(2000)} at 2000, ${at(5000)} at 5000`);
});

test("RayS never exceeds the budget and spends all of it", async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    for (const budget of [1, 17, 250]) {
      const p = linearProblem(small, 0.2, seed);
      const oracle = new LabelOnlyOracle(p.classifier, p.image, p.label, { budget });
      const result = await runRays(oracle, {}, seed);
      assert.equal(result.queries, budget);
      assert.equal(result.stopReason, "budget");
      assert.equal(p.classifier.forwardPasses, budget);
    }
  }
});

test("the same seed gives the same result", async () => {
  const p = linearProblem(small, 0.2, 4);
  const a = await runRays(new LabelOnlyOracle(p.classifier, p.image, p.label, { budget: 300 }), {}, 7);
  const b = await runRays(new LabelOnlyOracle(p.classifier, p.image, p.label, { budget: 300 }), {}, 7);
  assert.equal(a.seed, 7);
  assert.deepEqual(a.trace, b.trace);
  assert.deepEqual(a.adversarial, b.adversarial);
});

test("every query lies inside the oracle's bounds, whatever they are", async () => {
  const p = linearProblem(small, 0.2, 1);
  for (const bounds of [{ lower: 0.42, upper: 0.58 }, { lower: -3, upper: 300 }]) {
    const image = p.image.map((v) => Math.min(bounds.upper, Math.max(bounds.lower, v)));
    const classifier = new LinearClassifier(small, p.classifier.w, p.classifier.b, bounds);
    const { oracle, asked } = spy(new LabelOnlyOracle(classifier, image, 0, { budget: 400 }));
    await rays(oracle, image, 0, {}, context()).catch(() => undefined);
    assert.ok(asked.length > 0);
    // Images are Float32Array: a bound such as 0.42 is held as its nearest float32.
    const lower = Math.fround(bounds.lower), upper = Math.fround(bounds.upper);
    for (const point of asked) {
      for (const v of point) assert.ok(v >= lower && v <= upper, `${v} outside [${lower}, ${upper}]`);
    }
  }
});

test("the tolerance and line search scale with the bounds' range", async () => {
  // The same problem in [0, 255] pixel units: the Linf distance scales by 255 and so must the result.
  const p = linearProblem(small, 0.2, 2);
  const image = p.image.map((v) => v * 255);
  const classifier = new LinearClassifier(small, p.classifier.w, p.classifier.b * 255, { lower: 0, upper: 255 });
  const a = await runRays(new LabelOnlyOracle(p.classifier, p.image, 0, { budget: 600 }));
  const b = await runRays(new LabelOnlyOracle(classifier, image, 0, { budget: 600 }));
  assert.ok(Math.abs(b.linf / 255 - a.linf) < 1e-4 * a.linf, `${b.linf / 255} vs ${a.linf}`);
});

test("RayS runs on a 3x224x224 image", async () => {
  const p = linearProblem({ channels: 3, height: 224, width: 224 }, 0.2, 1);
  const oracle = new LabelOnlyOracle(p.classifier, p.image, p.label, { budget: 60 });
  const result = await runRays(oracle);
  assert.equal(result.queries, 60);
  assert.ok(result.success);
  assert.ok(result.linf >= p.distanceLinf * (1 - 1e-6));
});

test("a starting point gives the first ray and its size", async () => {
  // Seed 2 at L2 distance 0.5: no ray of the first hierarchy levels from the all-ones sign vector is
  // adversarial, so RayS alone finds nothing in 300 queries.
  const p = linearProblem(small, 0.5, 2);
  const alone = await runRays(new LabelOnlyOracle(p.classifier, p.image, 0, { budget: 300 }));
  assert.equal(alone.success, false);
  // A starting point: 0.4 along sign(w) with every third sign wrong (class 1, not the optimal ray).
  const start = p.image.map((v, j) => Math.min(1, Math.max(0, v + 0.4 * (j % 3 === 0 ? -1 : 1) * Math.sign(p.classifier.w[j]))));
  assert.ok(p.classifier.score(start, 0) > 0);
  const { oracle, asked } = spy(new LabelOnlyOracle(p.classifier, p.image, 0, { budget: 300 }));
  const outcome = await rays(oracle, p.image, 0, { maxIterations: 20 }, { ...context(), startingPoint: start });
  // First query: the starting point's sign vector at its Linf size (0.4 where no pixel clips).
  const first = asked[0];
  for (let j = 0; j < first.length; j++) assert.ok(Math.abs(first[j] - start[j]) < 1e-6, `pixel ${j}: ${first[j]} vs ${start[j]}`);
  assert.notEqual(outcome.adversarial, null);
  assert.ok(p.classifier.score(outcome.adversarial!, 0) > 0);
});

test("a coin-flip oracle cannot make RayS crash or overrun its budget", async () => {
  for (const seed of [1, 2, 3]) {
    const classifier = new CoinClassifier(small, createRandom(seed, 99));
    const oracle = new LabelOnlyOracle(classifier, new Float32Array(64).fill(0.5), 0, { budget: 500 });
    const result = await runRays(oracle, {}, seed);
    assert.equal(result.queries, 500);
    assert.equal(result.stopReason, "budget");
    const events = Object.values(result.anomalies).reduce((a, b) => a + b, 0);
    assert.ok(events > 0, `anomalies: ${JSON.stringify(result.anomalies)}`);
  }
});

test("maxIterations ends a run without a budget; no budget and no limit is refused", async () => {
  const p = linearProblem(small, 0.2, 1);
  const oracle = new LabelOnlyOracle(p.classifier, p.image, 0);
  const outcome = await rays(oracle, p.image, 0, { maxIterations: 30 }, context());
  assert.equal(outcome.iterations, 30);
  assert.equal(outcome.stopReason, "iterations");
  await assert.rejects(rays(oracle, p.image, 0, {}, context()), /expected a finite query budget on the oracle or a finite maxIterations, got neither/);
});

test("with early stopping RayS stops once the Linf distortion is within epsilon", async () => {
  const p = linearProblem(small, 0.2, 1);
  const epsilon = 1.5 * p.distanceLinf;
  const oracle = new LabelOnlyOracle(p.classifier, p.image, 0, { budget: 2000 });
  const result = await runRays(oracle, { earlyStopping: true, epsilon });
  assert.equal(result.stopReason, "epsilon");
  assert.ok(result.linf <= epsilon);
  assert.ok(result.queries < 2000);
});

test("invalid options say what was expected", async () => {
  const p = linearProblem(small, 0.2, 1);
  const oracle = new LabelOnlyOracle(p.classifier, p.image, 0, { budget: 10 });
  await assert.rejects(rays(oracle, p.image, 0, { tolerance: 0 }, context()), /invalid RayS tolerance: expected a finite number > 0, got 0/);
  await assert.rejects(rays(oracle, p.image, 0, { lineSearchRadius: 2.5 }, context()), /invalid RayS lineSearchRadius: expected an integer >= 1, got 2.5/);
  await assert.rejects(rays(oracle, p.image, 0, { epsilon: -1 }, context()), /invalid RayS epsilon: expected a number >= 0, got -1/);
  await assert.rejects(rays(oracle, p.image, 0, { maxIterations: 0 }, context()), /invalid RayS maxIterations/);
  await assert.rejects(rays(oracle, p.image, 0, {}, { ...context(), startingPoint: new Float32Array(3) }), /starting point has 3 values, expected 64/);
});

test("RayS never exceeds the budget against g(sigma, n) either", async () => {
  for (const seed of [1, 2, 3, 4]) {
    const p = linearProblem(small, 0.2, seed);
    const smoothed = new SmoothedClassifier(p.classifier, { sigma: 0.05, n: 5, random: createRandom(seed, 1) });
    const oracle = new LabelOnlyOracle(smoothed, p.image, p.label, { budget: 150, pa: 0.8 });
    const result = await runRays(oracle, {}, seed);
    assert.equal(result.queries, 150);
    assert.equal(result.stopReason, "budget");
    assert.ok(result.forwardPasses <= 150 * 5);
  }
});
