import assert from "node:assert/strict";
import { test } from "node:test";
import { LinearClassifier } from "../../src/model/index.js";
import { SEQUENTIAL_VERIFY_DEFAULTS, verificationLooks, verifyAdversarial, verifySequential } from "../../src/oracle/index.js";
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

/** The signed distance t at which exactWrong(t, sigma, n, 0) = p (bisection: exactWrong grows with t). */
function distanceFor(p: number, sigma: number, n: number): number {
  let lo = -sigma * 5, hi = sigma * 5;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (exactWrong(mid, sigma, n, 0) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Runs the sequential test on `runs` independent streams at a point with exact P[g != 0] = p. */
async function sequentialRuns(p: number, pa: number, runs: number, maxCalls: number, seed: number) {
  const sigma = 0.25, n = 10;
  const t = distanceFor(p, sigma, n);
  assert.ok(Math.abs(exactWrong(t, sigma, n, 0) - p) < 1e-9);
  const counts = { verified: 0, refuted: 0, undecided: 0 };
  let calls = 0;
  for (let r = 0; r < runs; r++) {
    const v = await verifySequential(new SmoothedClassifier(model(), { sigma, n, random: createRandom(seed, r) }), at(t), 0, { maxCalls, pa });
    counts[v.status]++;
    calls += v.calls;
  }
  return { ...counts, meanCalls: calls / runs };
}

/** Largest share of wrong answers that a rate <= alpha can show in `runs` runs, with 3 binomial standard errors of slack. */
const slack = (alpha: number, runs: number) => alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / runs);

test("verificationLooks: a fixed schedule, R halved while at least firstLook calls", () => {
  assert.deepEqual(verificationLooks(100), [13, 25, 50, 100]);
  assert.deepEqual(verificationLooks(1000), [16, 32, 63, 125, 250, 500, 1000]);
  assert.deepEqual(verificationLooks(20), [10, 20]);
  assert.deepEqual(verificationLooks(19), [10, 19]);
  assert.deepEqual(verificationLooks(18), [18]);
  assert.deepEqual(verificationLooks(5), [5]);
  assert.deepEqual(verificationLooks(1), [1]);
  assert.deepEqual(verificationLooks(8, 1), [1, 2, 4, 8]);
  assert.equal(SEQUENTIAL_VERIFY_DEFAULTS.alpha, 0.05);
});

test("verifySequential: Clopper-Pearson bounds at level alpha / looks, stopping at the first look that decides", async () => {
  // Always wrong: at the first look (13 of R = 100, 4 looks) the lower bound is (alpha / 4)^(1/13), exactly.
  const always = await verifySequential(model(), at(0.1), 0, { maxCalls: 100, pa: 0.5 });
  assert.equal(always.status, "verified");
  assert.equal(always.calls, 13);
  assert.ok(Math.abs(always.lower - Math.pow(0.05 / 4, 1 / 13)) < 1e-12, `lower ${always.lower}`);
  assert.deepEqual([always.rate, always.upper, always.forwardPasses], [1, 1, 13]);
  // (alpha / 4)^(1/13) = 0.714 < 0.8: at Pa = 0.8 it takes the second look, (alpha / 4)^(1/25) = 0.839.
  const high = await verifySequential(model(), at(0.1), 0, { maxCalls: 100, pa: 0.8 });
  assert.deepEqual([high.status, high.calls], ["verified", 25]);
  // Never wrong: upper bound 1 - (alpha / 4)^(1/13) = 0.286 < 0.5 at the first look.
  const never = await verifySequential(model(), at(0.1), 1, { maxCalls: 100, pa: 0.5 });
  assert.deepEqual([never.status, never.calls, never.rate, never.lower], ["refuted", 13, 0, 0]);
  assert.ok(Math.abs(never.upper - (1 - Math.pow(0.05 / 4, 1 / 13))) < 1e-12);
  // A smaller alpha needs more evidence: (0.001 / 4)^(1/13) = 0.528 still verifies at 0.5, not at (0.0001/4)^(1/13) = 0.46.
  assert.equal((await verifySequential(model(), at(0.1), 0, { maxCalls: 100, pa: 0.5, alpha: 0.001 })).calls, 13);
  assert.equal((await verifySequential(model(), at(0.1), 0, { maxCalls: 100, pa: 0.5, alpha: 0.0001 })).calls, 25);
});

test("verifySequential's rate of wrong 'verified' answers is at most alpha, over many seeds (points just below Pa)", async () => {
  const runs = 400;
  for (const [p, pa] of [[0.47, 0.5], [0.77, 0.8]] as const) {
    const r = await sequentialRuns(p, pa, runs, 200, 31);
    assert.ok(r.verified / runs <= slack(0.05, runs), `P = ${p} < Pa = ${pa}: ${r.verified}/${runs} verified`);
  }
});

test("verifySequential's rate of wrong 'refuted' answers is at most alpha, over many seeds (points at or just above Pa)", async () => {
  const runs = 400;
  for (const [p, pa] of [[0.5, 0.5], [0.83, 0.8]] as const) {
    const r = await sequentialRuns(p, pa, runs, 200, 37);
    assert.ok(r.refuted / runs <= slack(0.05, runs), `P = ${p} >= Pa = ${pa}: ${r.refuted}/${runs} refuted`);
  }
});

test("verifySequential has power: points well inside (or outside) are decided, and early", async () => {
  const runs = 100;
  const inside = await sequentialRuns(0.9, 0.5, runs, 100, 41);
  assert.ok(inside.verified >= 95, `P = 0.9, Pa = 0.5: ${inside.verified}/${runs} verified`);
  assert.ok(inside.meanCalls < 20, `mean calls ${inside.meanCalls}`);
  const outside = await sequentialRuns(0.2, 0.5, runs, 100, 43);
  assert.ok(outside.refuted >= 95, `P = 0.2, Pa = 0.5: ${outside.refuted}/${runs} refuted`);
  const high = await sequentialRuns(0.97, 0.8, runs, 100, 47);
  assert.ok(high.verified >= 95, `P = 0.97, Pa = 0.8: ${high.verified}/${runs} verified`);
  // Near Pa, R = 100 calls cannot decide: the answer is "undecided", not a coin flip.
  const near = await sequentialRuns(0.52, 0.5, runs, 100, 53);
  assert.ok(near.undecided >= 80, `P = 0.52, Pa = 0.5: ${near.undecided}/${runs} undecided`);
});

test("verifySequential is seeded and throws RangeErrors naming the bad argument", async () => {
  const run = () => verifySequential(new SmoothedClassifier(model(), { sigma: 0.5, n: 10, random: createRandom(3, 2) }), at(0.01), 0, { maxCalls: 200, pa: 0.5 });
  assert.deepEqual(await run(), await run());
  const f = model(), x = at(0.1);
  await assert.rejects(verifySequential(f, x, 0, { maxCalls: 0, pa: 0.5 }), { name: "RangeError", message: "invalid maxCalls: expected an integer >= 1, got 0" });
  await assert.rejects(verifySequential(f, x, 0, { maxCalls: 10, pa: 1 }), { name: "RangeError", message: "invalid pa: expected a number in (0, 1), got 1" });
  await assert.rejects(verifySequential(f, x, 0, { maxCalls: 10, pa: 0.5, alpha: 0 }), { name: "RangeError", message: "invalid alpha: expected a number in (0, 1), got 0" });
  await assert.rejects(verifySequential(f, new Float32Array(3), 0, { maxCalls: 10, pa: 0.5 }), { name: "RangeError", message: "invalid point: expected 4 values, got 3" });
});
