import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { LabeledImages } from "../../src/data/index.js";
import { LinearClassifier } from "../../src/model/index.js";
import { normalCdf } from "../../src/stats/index.js";
import { accuracyOf, calibrateSigma, evaluateModel } from "../../src/zoo/index.js";

// Analytic fixture: a linear classifier on 1x1x4 images, f(x) = [x0 > 0.5]. Image i sits at
// signed distance d_i from the boundary on its label's side, so g(sigma)'s accuracy on it is
// Phi(d_i / sigma) exactly (docs/paper.md eq. (2) setting) and the clean accuracy is 1.
const SHAPE = { channels: 1, height: 1, width: 4 };
const DISTANCES = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0];

function fixture(): { classifier: LinearClassifier; data: LabeledImages } {
  const w = Float32Array.from([1, 0, 0, 0]);
  const classifier = new LinearClassifier(SHAPE, w, -0.5);
  const count = 2 * DISTANCES.length;
  const images = new Float32Array(count * 4);
  const labels = new Int32Array(count);
  DISTANCES.forEach((d, j) => {
    images[(2 * j) * 4] = 0.5 + d; labels[2 * j] = 1;
    images[(2 * j + 1) * 4] = 0.5 - d; labels[2 * j + 1] = 0;
  });
  const data = { source: "linear", shape: SHAPE, count, images, labels, indices: Int32Array.from({ length: count }, (_, i) => i), classNames: ["0", "1"] };
  return { classifier, data };
}

/** Expected accuracy of g(sigma) on the fixture: mean of Phi(d_i / sigma). */
function expected(sigma: number): number {
  return DISTANCES.reduce((s, d) => s + normalCdf(d / sigma), 0) / DISTANCES.length;
}

describe("evaluateModel", () => {
  it("measures the clean accuracy and g(sigma, n)'s accuracy, close to mean Phi(d / sigma) on a linear classifier", async () => {
    const { classifier, data } = fixture();
    assert.equal(await accuracyOf(classifier, data, 3), 1);
    // n = 1: each vote is one Bernoulli(Phi(d/sigma)) draw, so over 20 images x many seeds the mean matches.
    let sum = 0;
    const seeds = 40;
    for (let seed = 0; seed < seeds; seed++) {
      const r = await evaluateModel(classifier, data, { sigmas: [0.3], n: 1, seed });
      assert.equal(r.clean.accuracy, 1);
      assert.equal(r.clean.images, 20);
      sum += r.smoothed[0].accuracy;
    }
    // 800 Bernoulli draws: standard error about 0.015; 4 standard errors of slack.
    assert.ok(Math.abs(sum / seeds - expected(0.3)) < 0.06, `mean ${sum / seeds} vs expected ${expected(0.3)}`);
  });

  it("is deterministic for a seed and independent of the chunk size", async () => {
    const { classifier, data } = fixture();
    const a = await evaluateModel(classifier, data, { sigmas: [0.2, 0.5], n: 15, seed: 4, chunk: 3 });
    const b = await evaluateModel(classifier, data, { sigmas: [0.2, 0.5], n: 15, seed: 4, chunk: 20 });
    assert.deepEqual(a.smoothed, b.smoothed);
    assert.equal(a.forwardPasses, 20 + 2 * 20 * 15);
  });
});

describe("calibrateSigma", () => {
  it("finds the sigma where g(sigma, 1) loses `drop`, matching mean Phi(d / sigma) = 1 - drop on a linear classifier", async () => {
    // 1000 images at distances 0.001..1: with n = 1 and the same noise for every sigma, image i
    // is correct iff z_i > -d_i / sigma, so accuracy(sigma) is monotone and close to expected().
    const classifier = new LinearClassifier(SHAPE, Float32Array.from([1, 0, 0, 0]), -0.5);
    const count = 1000;
    const images = new Float32Array(count * 4);
    const labels = new Int32Array(count);
    const distances: number[] = [];
    for (let i = 0; i < count; i++) {
      const d = (i + 1) / count;
      distances.push(d);
      labels[i] = i % 2;
      images[i * 4] = labels[i] === 1 ? 0.5 + d : 0.5 - d;
    }
    const data = { source: "linear", shape: SHAPE, count, images, labels, indices: Int32Array.from({ length: count }, (_, i) => i), classNames: ["0", "1"] };
    const drop = 0.12;
    const c = await calibrateSigma(classifier, data, { drop, n: 1, seed: 1, steps: 8 });
    assert.equal(c.cleanAccuracy, 1);
    assert.equal(c.images, 1000);
    assert.equal(c.n, 1);
    assert.ok(c.smoothedAccuracy >= 1 - drop);
    assert.ok(c.steps.find((s) => s.sigma === c.upper)!.accuracy < 1 - drop);
    assert.ok(c.upper - c.sigma <= c.upper / 2 ** 7, `bracket [${c.sigma}, ${c.upper}] too wide after 8 bisections`);
    // The root of mean Phi(d / sigma) = 1 - drop, by bisection on the exact expectation.
    const mean = (sigma: number) => distances.reduce((s, d) => s + normalCdf(d / sigma), 0) / count;
    let lo = 0.01, hi = 10;
    for (let k = 0; k < 60; k++) {
      const mid = (lo + hi) / 2;
      if (mean(mid) >= 1 - drop) lo = mid; else hi = mid;
    }
    // 1000 Bernoulli draws: accuracy within ~0.01 (1 s.e.) of its mean; that moves sigma by ~10%.
    assert.ok(Math.abs(c.sigma - lo) / lo < 0.25, `calibrated sigma ${c.sigma}, analytic ${lo}`);
  });

  it("rejects a drop outside (0, 1) and says when no sigma up to maxSigma loses enough", async () => {
    const { classifier, data } = fixture();
    await assert.rejects(calibrateSigma(classifier, data, { drop: 0 }), /invalid drop: expected a number in \(0, 1\), got 0/);
    await assert.rejects(calibrateSigma(classifier, data, { drop: 0.6, n: 5, maxSigma: 0.1 }), /calibration failed: expected the smoothed accuracy to fall below 0\.4000/);
  });
});
