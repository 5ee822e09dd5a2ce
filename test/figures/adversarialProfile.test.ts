import assert from "node:assert/strict";
import { test } from "node:test";
import { computeAdversarialProfile, crossing, levelCount } from "../../src/figures/index.js";
import { createRandom } from "../../src/rng/index.js";
import { binomialTailAtLeast, normalCdf } from "../../src/stats/index.js";
import { linearProblem } from "./linearFixture.js";

const sigma = 0.25;
const draws = 4000;

test("along the normal of a linear boundary, x_a is at the true distance and p(t) = Phi(t / sigma)", async () => {
  const P = linearProblem(0.5);
  const profile = await computeAdversarialProfile(P.base, P.smoothed(sigma, draws), P.image, P.label, createRandom(1), {
    sigma,
    direction: P.w,
  });
  assert.ok(Math.abs(profile.baseDistance - 0.5) < 1e-6, `baseDistance ${profile.baseDistance}, expected 0.5`);
  assert.equal(profile.draws, draws);
  assert.equal(profile.points.length, 41);
  assert.ok(Math.abs(profile.points[0].t + sigma) < 1e-12 && Math.abs(profile.points[40].t - 3 * sigma) < 1e-12);
  for (const { t, p } of profile.points) {
    const expected = normalCdf(t / sigma);
    const se = Math.sqrt(Math.max(expected * (1 - expected), 1e-4) / draws);
    assert.ok(Math.abs(p - expected) <= 5 * se, `p(${t.toFixed(3)}) = ${p}, expected ${expected.toFixed(4)} +- ${(5 * se).toFixed(4)}`);
  }
  // A flat boundary: RS does not move it (docs/paper.md eq. (3), kappa = 0).
  assert.ok(profile.rsBoundary !== null && Math.abs(profile.rsBoundary) < 0.03 * 1, `rsBoundary ${profile.rsBoundary}`);
});

test("P_adv(t) is the exact binomial tail P[Binomial(n, p) >= ceil(n Pa)] of the estimated p", async () => {
  const P = linearProblem(0.5);
  const ns = [5, 10, 50];
  const profile = await computeAdversarialProfile(P.base, P.smoothed(sigma, 500), P.image, P.label, createRandom(1), {
    sigma, direction: P.w, ns, pa: 0.8, points: 9,
  });
  assert.deepEqual(profile.ns, ns);
  for (const point of profile.points) {
    ns.forEach((n, i) => assert.equal(point.adversarial[i], binomialTailAtLeast(levelCount(n, 0.8), n, point.p)));
  }
  // More draws sharpen the step: far past the boundary P_adv(n = 50) >= P_adv(n = 5).
  const last = profile.points[profile.points.length - 1];
  assert.ok(last.adversarial[2] >= last.adversarial[0]);
});

test("along an oblique direction, x_a is at distance / cos(theta) and p(t) = Phi(t cos(theta) / sigma)", async () => {
  const P = linearProblem(0.5);
  const other = new Float32Array(P.d);
  createRandom(5).fillNormal(other);
  let dot = 0;
  for (let i = 0; i < P.d; i++) dot += other[i] * P.w[i];
  let norm = 0;
  for (let i = 0; i < P.d; i++) { other[i] -= dot * P.w[i]; norm += other[i] * other[i]; }
  // direction = cos * w + sin * e, with e a unit vector orthogonal to w and theta = 60 degrees
  const cos = 0.5, sin = Math.sqrt(3) / 2;
  const direction = P.w.map((wi, i) => cos * wi + (sin * other[i]) / Math.sqrt(norm));
  const profile = await computeAdversarialProfile(P.base, P.smoothed(sigma, draws), P.image, P.label, createRandom(1), {
    sigma, direction, points: 11,
  });
  assert.ok(Math.abs(profile.baseDistance - 1.0) < 1e-5, `baseDistance ${profile.baseDistance}, expected 0.5 / cos = 1`);
  for (const { t, p } of profile.points) {
    const expected = normalCdf((t * cos) / sigma);
    assert.ok(Math.abs(p - expected) <= 5 * Math.sqrt(Math.max(expected * (1 - expected), 1e-4) / draws), `p(${t}) = ${p}, expected ${expected}`);
  }
});

for (const [cos, widensRight, why] of [
  [0.05, true, "20 sigma wide: the default range [-1, 3] sigma ends at p = Phi(-0.05) = 0.48 and Phi(0.15) = 0.56"],
  [0.35, false, "2.9 sigma wide: the default left edge, -1 sigma, is at p = Phi(-0.35) = 0.36 (a colour image at sigma 0.25 showed 0.43), the right one at Phi(1.05) = 0.85"],
] as const) {
  test(`a transition ${why}: the range widens until p settles (issue 26, item 17)`, async () => {
    // Along a direction at angle theta to a flat boundary, p(t) = Phi(t cos(theta) / sigma).
    const P = linearProblem(0.5);
    const other = new Float32Array(P.d);
    createRandom(5).fillNormal(other);
    let dot = 0;
    for (let i = 0; i < P.d; i++) dot += other[i] * P.w[i];
    let norm = 0;
    for (let i = 0; i < P.d; i++) { other[i] -= dot * P.w[i]; norm += other[i] * other[i]; }
    const sin = Math.sqrt(1 - cos * cos);
    const direction = P.w.map((wi, i) => cos * wi + (sin * other[i]) / Math.sqrt(norm));
    const profile = await computeAdversarialProfile(P.base, P.smoothed(sigma, draws), P.image, P.label, createRandom(1), { sigma, direction });
    const first = profile.points[0], last = profile.points[profile.points.length - 1];
    // Phi^-1(0.05) = -1.6449: the known curve is at 0.05 and 0.95 at t = -+1.6449 sigma / cos(theta).
    assert.ok(first.t <= (-1.6449 * sigma) / cos, `first t ${first.t}, expected <= ${(-1.6449 * sigma) / cos} (p = 0.05)`);
    assert.ok(first.p <= 0.06, `left edge p ${first.p}, expected settled`);
    if (widensRight) {
      assert.ok(last.t >= (1.6449 * sigma) / cos, `last t ${last.t}, expected >= ${(1.6449 * sigma) / cos} (p = 0.95)`);
      assert.ok(last.p >= 0.94, `right edge p ${last.p}, expected settled`);
    } else {
      assert.ok(Math.abs(last.t - 3 * sigma) < 1e-12, `last t ${last.t}: a right edge that is not too narrow keeps the default 3 sigma`);
    }
    for (const { t, p } of profile.points) {
      const expected = normalCdf((t * cos) / sigma);
      assert.ok(Math.abs(p - expected) <= 5 * Math.sqrt(Math.max(expected * (1 - expected), 1e-4) / draws), `p(${t}) = ${p}, expected ${expected}`);
    }
    // Explicit bounds are kept as given.
    const fixed = await computeAdversarialProfile(P.base, P.smoothed(sigma, 500), P.image, P.label, createRandom(1), { sigma, direction, tMin: -1, tMax: 3, points: 5 });
    assert.deepEqual([fixed.points[0].t, fixed.points[4].t], [-sigma, 3 * sigma]);
  });
}

test("the same seeds give the same profile, and a random direction works", async () => {
  const P = linearProblem(0.5);
  const run = () => computeAdversarialProfile(P.base, P.smoothed(sigma, 200, 9), P.image, P.label, createRandom(3), { sigma, points: 5 });
  const [a, b] = [await run(), await run()];
  assert.deepEqual(a, b);
  assert.ok(a.baseDistance >= 0.5, "no direction reaches the hyperplane closer than its distance");
});

test("errors say what was expected", async () => {
  const P = linearProblem(0.5);
  const g = P.smoothed(sigma, 10);
  await assert.rejects(
    computeAdversarialProfile(P.base, g, P.image, 1, createRandom(1), { sigma }),
    /invalid image: expected an image the smoothed classifier g\(sigma\) classifies as the given label/,
  );
  const far = linearProblem(0.05); // 0.2 sigma from the boundary: g(sigma, 1000) right, f right
  await assert.doesNotReject(computeAdversarialProfile(far.base, far.smoothed(sigma, 1000), far.image, far.label, createRandom(1), { sigma, direction: far.w, points: 3 }));
  const along = new Float32Array(P.d);
  along[0] = P.w[1];
  along[1] = -P.w[0]; // orthogonal to w: the label never changes along it
  await assert.rejects(
    computeAdversarialProfile(P.base, g, P.image, P.label, createRandom(1), { sigma, direction: along, maxDistance: 10 }),
    /no base boundary along the direction: expected a misclassified point within distance 10, got none/,
  );
  await assert.rejects(computeAdversarialProfile(P.base, g, P.image, P.label, createRandom(1), { sigma: 0 }), /invalid sigma: expected a number > 0, got 0/);
  await assert.rejects(computeAdversarialProfile(P.base, g, P.image, P.label, createRandom(1), { sigma, pa: 1 }), /invalid pa: expected a number in \(0, 1\), got 1/);
  await assert.rejects(computeAdversarialProfile(P.base, g, P.image.subarray(1), P.label, createRandom(1), { sigma }), /image has 15 values, expected 16/);
});

test("crossing interpolates the first crossing of a level", () => {
  assert.equal(crossing([0, 1, 2], [0, 0.4, 0.8], 0.5), 1.25);
  assert.equal(crossing([0, 1], [0.6, 0.9], 0.5), null);
  assert.equal(crossing([0, 1], [0.1, 0.2], 0.5), null);
  assert.equal(levelCount(10, 0.7), 7);
  assert.equal(levelCount(10, 0.5), 5);
  assert.equal(levelCount(1, 0.5), 1);
});
