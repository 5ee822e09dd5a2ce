import assert from "node:assert/strict";
import { test } from "node:test";
import type { Classifier } from "../../src/model/classifier.js";
import { LinearClassifier } from "../../src/model/index.js";
import { HARDEN_DEFAULTS, hardenPoint, screenRate, type HardenOptions } from "../../src/oracle/index.js";
import { createRandom } from "../../src/rng/index.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";
import { binomialTailAtLeast, normalCdf } from "../../src/stats/index.js";

// class 1 iff x0 > 0.5; the signed distance of x to the boundary is x0 - 0.5.
const shape = { channels: 1, height: 1, width: 4 };
const SIGMA = 0.25, N = 10, PA = 0.5;
const linear = (upper = 1) => new LinearClassifier(shape, new Float32Array([1, 0, 0, 0]), -0.5, { lower: 0, upper });
const original = new Float32Array([0.3, 0.5, 0.5, 0.5]); // label 0, 0.2 from the boundary
// The attack's final point, just across the boundary (P[g != 0] about 0.5) and off the normal.
const final = new Float32Array([0.505, 0.55, 0.45, 0.5]);
const startImage = new Float32Array([0.7, 0.5, 0.5, 0.5]); // an image of class 1
// A final point further off the normal: toward startImage is clearly shorter than outward.
const offNormal = new Float32Array([0.505, 0.6, 0.4, 0.5]);

/**
 * P[g_{sigma,n}(x) != 0] exactly: one draw says 1 with p1 = Phi((x0 - 0.5) / sigma), and g = 1 iff
 * at least floor(n/2) + 1 of n draws say 1 (a tie goes to class 0, the smallest index).
 */
function exactWrong(x: Float32Array, n = N): number {
  return binomialTailAtLeast(Math.floor(n / 2) + 1, n, normalCdf((x[0] - 0.5) / SIGMA));
}

/** A classifier that counts the calls of g (images predicted) it forwards: an independent count. */
function counting(inner: Classifier): { classifier: Classifier; calls: () => number } {
  let calls = 0;
  const classifier: Classifier = {
    shape: inner.shape, numClasses: inner.numClasses, bounds: inner.bounds,
    get forwardPasses() { return inner.forwardPasses; },
    predict(batch, count) { calls += count; return inner.predict(batch, count); },
    votes(batch, count) { return inner.votes(batch, count); },
  };
  return { classifier, calls: () => calls };
}

const smoothed = (seed: number, options: { upper?: number; batchSize?: number; n?: number } = {}) =>
  new SmoothedClassifier(linear(options.upper), { sigma: SIGMA, n: options.n ?? N, random: createRandom(seed, 8), batchSize: options.batchSize });

const l2 = (x: Float32Array) => Math.hypot(...Array.from(x, (v, j) => v - original[j]));

test("HARDEN_DEFAULTS are the documented ones", () => {
  assert.deepEqual({ ...HARDEN_DEFAULTS }, { alpha: 0.05, maxCalls: 1000, confirmations: 3, confirmCalls: 100, screenCalls: 20, screenMargin: 0.25, firstStep: 1 / 16, bisections: 5 });
});

test("screenRate is the confirmation's verifying rate at its last look plus the margin (Clopper-Pearson by its binomial duality)", () => {
  // lower(k of R, level a) >= Pa  <=>  P[Bin(R, Pa) >= k] <= a. R = 100 has 4 looks (13, 25, 50, 100).
  for (const [pa, alpha, margin] of [[0.5, 0.05 / 3, 0], [0.8, 0.05 / 3, 0], [0.5, 0.05, 0.25]] as const) {
    let k = 0;
    while (binomialTailAtLeast(k, 100, pa) > alpha / 4) k++;
    const expected = k / 100 + margin * (1 - k / 100);
    assert.ok(Math.abs(screenRate(pa, alpha, 100, margin) - expected) < 1e-12, `pa ${pa}: ${screenRate(pa, alpha, 100, margin)} vs ${expected}`);
  }
  assert.equal(screenRate(0.99, 0.001, 5, 0), 1, "no rate verifies with so few calls");
});

test("hardened points are truly adversarial at level Pa in at least 1 - alpha of the runs (exact P[g != y], over many seeds)", async () => {
  for (const [alpha, x, start] of [[0.05, final, undefined], [0.3, offNormal, startImage]] as const) {
    const runs = 150;
    let hardened = 0, bad = 0, viaStart = 0;
    for (let seed = 0; seed < runs; seed++) {
      const h = await hardenPoint(smoothed(seed), original, 0, x, { pa: PA, alpha, start });
      if (h.status !== "hardened") continue;
      hardened++;
      if (h.path === "start") viaStart++;
      if (exactWrong(h.point!) < PA) bad++;
      assert.ok(Math.abs(h.l2! - l2(h.point!)) < 1e-6, `l2 ${h.l2} of the point ${l2(h.point!)}`);
      assert.ok(h.point!.every((v) => v >= 0 && v <= 1), "inside the bounds");
      assert.ok(h.l2! >= l2(x) - 1e-6 || h.path === "start", "outward along the ray: never nearer than x_a");
    }
    assert.ok(hardened >= 0.95 * runs, `alpha ${alpha}: ${hardened} of ${runs} hardened`);
    // Monte Carlo slack: at most alpha + 3 binomial standard errors of bad points among the hardened.
    const slack = 3 * Math.sqrt((alpha * (1 - alpha)) / hardened);
    assert.ok(bad / hardened <= alpha + slack, `alpha ${alpha}: ${bad} of ${hardened} hardened points have P[g != y] < Pa`);
    if (start !== undefined) assert.ok(viaStart > runs / 2, `the path toward x_s is shorter here: ${viaStart} of ${hardened}`);
  }
});

test("hardening lands near the nearest verifiable point: the hardened point's P[g != y] is above Pa but not far out", async () => {
  const rates: number[] = [];
  for (let seed = 0; seed < 40; seed++) {
    const h = await hardenPoint(smoothed(1000 + seed), original, 0, final, { pa: PA });
    if (h.status === "hardened") rates.push(exactWrong(h.point!));
  }
  rates.sort((a, b) => a - b);
  const median = rates[rates.length >> 1];
  // The screen asks for about 0.73 wrong labels (screenRate), the confirmations verify from about 0.64.
  assert.ok(median > 0.6 && median < 0.95, `median P[g != y] of the hardened points ${median}`);
});

test("a point already strongly adversarial is its own hardened point", async () => {
  const strong = new Float32Array([0.95, 0.5, 0.5, 0.5]); // P[g != 0] = 1 - 2e-5
  const h = await hardenPoint(smoothed(3), original, 0, strong, { pa: PA });
  assert.equal(h.status, "hardened");
  assert.deepEqual(Array.from(h.point!), Array.from(strong));
  assert.equal(h.confirmations, 1);
  assert.equal(h.calls, 20 + 13, "one screen of 20 calls, then a confirmation decided at its first look (13 calls)");
});

test("hardening never exceeds its call limit and counts every call of g (screens and confirmations)", async () => {
  for (const maxCalls of [1000, 200, 90, 35, 19, 1]) {
    for (let seed = 0; seed < 10; seed++) {
      const g = counting(smoothed(seed));
      const h = await hardenPoint(g.classifier, original, 0, final, { pa: PA, maxCalls });
      assert.equal(h.calls, g.calls(), `maxCalls ${maxCalls} seed ${seed}`);
      assert.ok(h.calls <= maxCalls, `maxCalls ${maxCalls}: spent ${h.calls}`);
      assert.equal(h.forwardPasses, N * h.calls, "each call is n draws of the base model");
      assert.ok(h.confirmations <= HARDEN_DEFAULTS.confirmations, `${h.confirmations} confirmations`);
      if (h.status === "failed") {
        assert.equal(h.point, null);
        assert.equal(h.l2, null);
        assert.match(h.reason!, /^(calls|bounds|confirmations): /);
      }
      if (maxCalls < 20) assert.equal(h.reason, `calls: the limit of ${maxCalls} calls of g ran out before a point was verified`);
    }
  }
});

test("where no point within the bounds is adversarial at level Pa, hardening fails with the reason (and almost never claims one)", async () => {
  // Pixels only up to 0.51: the best point has P[g != 0] = exactWrong(0.51) < 0.5.
  assert.ok(exactWrong(new Float32Array([0.51, 0, 0, 0])) < 0.42, "the fixture's bound keeps every point below Pa");
  let claimed = 0;
  const reasons = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const h = await hardenPoint(smoothed(seed, { upper: 0.51 }), original, 0, final, { pa: PA });
    if (h.status === "hardened") claimed++;
    else reasons.add(h.reason!.split(":")[0]);
  }
  assert.ok(claimed <= 4, `${claimed} of 40 claimed`);
  assert.ok(reasons.has("bounds"), [...reasons].join(", "));
});

test("a final point equal to the original (the attack's oracle accepted x_o) fails saying there is no direction; the start path still hardens", async () => {
  // x_o is 0.2 inside class 0: P[g != 0] = exactWrong(original), far below Pa, so x_o fails the screen.
  assert.ok(exactWrong(original) < 0.05);
  const h = await hardenPoint(smoothed(5), original, 0, original.slice(), { pa: PA });
  assert.equal(h.status, "failed");
  assert.equal(h.calls, 20, "one screen of x_o and nothing else");
  assert.equal(h.reason, "bounds: the final point is the original (x_a = x_o), so there is no direction x_a - x_o to search along, and x_o did not pass the screen");
  // With a starting point of class 1 the segment x_o -> x_s is a direction: a point is hardened on it.
  const viaStart = await hardenPoint(smoothed(5), original, 0, original.slice(), { pa: PA, start: startImage });
  assert.equal(viaStart.status, "hardened", viaStart.reason);
  assert.equal(viaStart.path, "start");
  assert.ok(exactWrong(viaStart.point!) >= PA, `P[g != 0] = ${exactWrong(viaStart.point!)}`);
});

test("the same seed gives the same hardening whatever the batch size of the smoothed classifier", async () => {
  const run = (batchSize: number) => hardenPoint(smoothed(11, { batchSize }), original, 0, final, { pa: PA, start: startImage });
  const reference = await run(1000);
  for (const batchSize of [1, 7, 64]) assert.deepEqual(await run(batchSize), reference, `batch size ${batchSize}`);
});

test("hardenPoint refuses bad options with what was expected and what was received", async () => {
  const g = smoothed(0);
  const bad: [Partial<HardenOptions>, string][] = [
    [{ maxCalls: 0 }, "invalid maxCalls: expected an integer >= 1, got 0"],
    [{ confirmations: 1.5 }, "invalid confirmations: expected an integer >= 1, got 1.5"],
    [{ screenMargin: 1 }, "invalid screenMargin: expected a number in [0, 1), got 1"],
    [{ firstStep: 0 }, "invalid firstStep: expected a number in (0, 1], got 0"],
    [{ start: new Float32Array(3) }, "invalid start: expected 4 values, got 3"],
  ];
  for (const [options, message] of bad) {
    await assert.rejects(hardenPoint(g, original, 0, final, { pa: PA, ...options }), { message });
  }
  await assert.rejects(hardenPoint(g, original, 2, final, { pa: PA }), { message: "invalid label: expected an integer in [0, 1], got 2" });
  await assert.rejects(hardenPoint(g, original, 0, final, { pa: 1 }), RangeError);
});
