import assert from "node:assert/strict";
import { test } from "node:test";
import { LinearClassifier } from "../../src/model/index.js";
import { verifyAdversarial } from "../../src/oracle/index.js";
import { createRandom } from "../../src/rng/index.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";
import { binomialTailAtLeast, normalCdf } from "../../src/stats/index.js";

const shape = { channels: 1, height: 1, width: 4 };
const model = () => new LinearClassifier(shape, new Float32Array([1, 0, 0, 0]), -0.5); // class 1 iff x0 > 0.5
const at = (t: number) => new Float32Array([0.5 + t, 0.5, 0.5, 0.5]); // signed distance t to the boundary

/**
 * P[g_{sigma,n}(x) != label] for the smoothed linear classifier, exactly: one draw says class 1
 * with p1 = Phi(t / sigma); g is the majority of n draws, a tie going to class 0 (the smallest
 * index). So g = 1 iff at least floor(n/2) + 1 draws say 1, and g = 0 iff at least ceil(n/2) say 0.
 */
function exactWrong(t: number, sigma: number, n: number, label: number): number {
  const p1 = normalCdf(t / sigma);
  return label === 0 ? binomialTailAtLeast(Math.floor(n / 2) + 1, n, p1) : binomialTailAtLeast(Math.ceil(n / 2), n, 1 - p1);
}

// Reference values of exactWrong (label 0, label 1), from Debian's python3 with scipy:
// /usr/bin/python3 -c "from scipy.stats import norm, binom; s=0.5
// for t,n in [(-0.03,10),(0.02,11),(-0.05,50)]: p1=norm.cdf(t/s); print(binom.sf(n//2, n, p1), binom.sf(-(-n//2)-1, n, 1-p1))"
const CASES = [
  { t: -0.03, n: 10, wrong: [0.3196633296072834, 0.6803366703927166] },
  { t: 0.02, n: 11, wrong: [0.5431132650482047, 0.45688673495179527] },
  { t: -0.05, n: 50, wrong: [0.2394056376549209, 0.760594362345079] },
];

test("the exact wrong-vote probability of the test matches scipy's (the tie rule included)", () => {
  for (const c of CASES) {
    for (const label of [0, 1]) assert.ok(Math.abs(exactWrong(c.t, 0.5, c.n, label) - c.wrong[label]) < 1e-12, `t ${c.t} n ${c.n} label ${label}`);
  }
});

test("verifyAdversarial(smoothed linear) estimates P[g_{sigma,n}(x_a) != y] of eq. (4) within binomial tolerance", async () => {
  const repeats = 3000;
  for (const [i, c] of CASES.entries()) {
    for (const label of [0, 1]) {
      const smoothed = new SmoothedClassifier(model(), { sigma: 0.5, n: c.n, random: createRandom(5, i, label) });
      const v = await verifyAdversarial(smoothed, at(c.t), label, { repeats, pa: 0.5 });
      const p = c.wrong[label];
      const tolerance = 4.5 * Math.sqrt((p * (1 - p)) / repeats);
      assert.equal(v.repeats, repeats);
      assert.equal(v.rate, v.adversarial / repeats);
      assert.ok(Math.abs(v.rate - p) < tolerance, `t ${c.t} n ${c.n} label ${label}: rate ${v.rate}, exact ${p}, tolerance ${tolerance}`);
      assert.equal(v.verified, v.rate >= 0.5);
      assert.equal(v.forwardPasses, repeats * c.n);
      assert.equal(v.forwardPasses, smoothed.forwardPasses);
    }
  }
});

test("verified is rate >= Pa: a point adversarial at level 0.5 but not at level 0.8", async () => {
  // label 1 at t = -0.05, n = 50: P[wrong] = 0.7606 (see CASES).
  const smoothed = () => new SmoothedClassifier(model(), { sigma: 0.5, n: 50, random: createRandom(9) });
  const half = await verifyAdversarial(smoothed(), at(-0.05), 1, { repeats: 2000, pa: 0.5 });
  const high = await verifyAdversarial(smoothed(), at(-0.05), 1, { repeats: 2000, pa: 0.8 });
  assert.equal(half.rate, high.rate, "same stream, same estimate");
  assert.equal(half.verified, true);
  assert.equal(high.verified, false);
});

test("verifyAdversarial is seeded: the same stream gives the same count", async () => {
  const run = () => verifyAdversarial(new SmoothedClassifier(model(), { sigma: 0.5, n: 10, random: createRandom(3, 1) }), at(0.01), 0, { repeats: 200, pa: 0.5 });
  assert.deepEqual(await run(), await run());
});

test("verifyAdversarial(deterministic classifier) gives rate 0 or 1", async () => {
  const one = await verifyAdversarial(model(), at(0.1), 0, { repeats: 7, pa: 0.8 });
  assert.deepEqual(one, { repeats: 7, adversarial: 7, rate: 1, verified: true, forwardPasses: 7 });
  const zero = await verifyAdversarial(model(), at(0.1), 1, { repeats: 7, pa: 0.5 });
  assert.deepEqual(zero, { repeats: 7, adversarial: 0, rate: 0, verified: false, forwardPasses: 7 });
});

test("verifyAdversarial throws RangeErrors naming the bad argument", async () => {
  const f = model(), x = at(0.1);
  await assert.rejects(verifyAdversarial(f, x, 0, { repeats: 0, pa: 0.5 }), { name: "RangeError", message: "invalid repeats: expected an integer >= 1, got 0" });
  await assert.rejects(verifyAdversarial(f, x, 0, { repeats: 2.5, pa: 0.5 }), { name: "RangeError", message: "invalid repeats: expected an integer >= 1, got 2.5" });
  for (const pa of [0, 1, NaN]) {
    await assert.rejects(verifyAdversarial(f, x, 0, { repeats: 5, pa }), { name: "RangeError", message: `invalid pa: expected a number in (0, 1), got ${pa}` });
  }
  await assert.rejects(verifyAdversarial(f, new Float32Array(3), 0, { repeats: 5, pa: 0.5 }), { name: "RangeError", message: "invalid point: expected 4 values, got 3" });
  for (const label of [2, -1, 0.5]) {
    await assert.rejects(verifyAdversarial(f, x, label, { repeats: 5, pa: 0.5 }), { name: "RangeError", message: `invalid label: expected an integer in [0, 1], got ${label}` });
  }
});
