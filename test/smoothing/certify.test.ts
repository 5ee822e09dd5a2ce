import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { LinearClassifier, oneHotVotes } from "../../src/model/index.js";
import type { Classifier, Votes } from "../../src/model/index.js";
import { createRandom, type Random } from "../../src/rng/index.js";
import { certifiedAccuracy, certify, CERTIFY_DEFAULTS, radiusGrid, smoothedPredict } from "../../src/smoothing/index.js";
import { normalQuantile } from "../../src/stats/index.js";
import { script, Scripted, scriptedPoints } from "./scripted.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const spec = JSON.parse(readFileSync(fixture("linear.json"), "utf8")) as { w: number[]; b: number };
const shape = { channels: 1, height: 8, width: 8 };
const linear = () => new LinearClassifier(shape, Float32Array.from(spec.w), spec.b);
const norm = Math.sqrt(spec.w.reduce((s, v) => s + v * v, 0));

function pointAt(delta: number): Float32Array {
  const score = spec.w.reduce((s, v) => s + v * 0.5, spec.b);
  const step = (delta - score / norm) / norm;
  return Float32Array.from({ length: 64 }, (_, i) => 0.5 + step * spec.w[i]);
}

/** A base classifier that ignores its input: every `period`-th image it sees is class 1, the others class 0. */
class Periodic implements Classifier {
  readonly shape = shape;
  readonly numClasses = 2;
  readonly bounds = { lower: 0, upper: 1 };
  forwardPasses = 0;
  constructor(private readonly period: number) {}
  async predict(_batch: Float32Array, count: number): Promise<Int32Array> {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = ++this.forwardPasses % this.period === 0 ? 1 : 0;
    return out;
  }
  async votes(batch: Float32Array, count: number): Promise<Votes> {
    return oneHotVotes(await this.predict(batch, count), 2);
  }
}

test("CERTIFY_DEFAULTS are Cohen et al.'s (locuslab/smoothing code/certify.py)", () => {
  assert.deepEqual(CERTIFY_DEFAULTS, { n0: 100, n: 100000, alpha: 0.001, batchSize: 1000 });
});

test("certify bounds pA with Clopper-Pearson and returns sigma Phi^-1(pABar)", async () => {
  // 9 of 10 selection votes and 90 of 100 estimation votes for class 0.
  // /usr/bin/python3 -c "from scipy.stats import norm, beta; p=beta.ppf(0.001,90,11); print(repr(p), repr(0.5*norm.ppf(p)))"
  // 0.7753298801677749 0.3782577025559939
  const result = await certify(new Periodic(10), new Float32Array(64), createRandom(0), { sigma: 0.5, n0: 10, n: 100, alpha: 0.001 });
  assert.equal(result.kind, "certified");
  if (result.kind !== "certified") return;
  assert.equal(result.label, 0);
  assert.deepEqual(Array.from(result.selectionCounts), [9, 1]);
  assert.deepEqual(Array.from(result.counts), [90, 10]);
  assert.ok(Math.abs(result.pABar - 0.7753298801677749) < 1e-9);
  assert.ok(Math.abs(result.radius - 0.3782577025559939) < 1e-9);
  assert.equal(result.forwardPasses, 110);
});

test("certify abstains when pABar < 1/2", async () => {
  // 2 of 3 votes for class 0 bound pA well below 1/2 at alpha = 0.001
  const result = await certify(new Periodic(3), new Float32Array(64), createRandom(0), { sigma: 0.5, n0: 9, n: 30, alpha: 0.001 });
  assert.equal(result.kind, "abstain");
  assert.equal(result.guess, 0);
  assert.ok(result.pABar < 0.5);
});

/**
 * Exact failure rates of CERTIFY (sigma 0.5, n0 10, n 100, alpha 0.1) on the linear fixture at
 * signed distance delta, where class 1 has probability pA = Phi(delta / sigma) under the noise:
 * the probability of a certificate for class 0, or for class 1 with a radius above delta (that is,
 * pABar > pA), selection included. With Y ~ Bin(n0, pA) the selection votes (guess 1 iff Y > n0 / 2,
 * ties to class 0), X ~ Bin(n, pA) the estimation votes for class 1 and CP(k) = beta.ppf(alpha, k, n - k + 1):
 * P[Y > 5] P[CP(X) > pA] + P[Y <= 5] P[CP(n - X) >= 1/2]. Computed with scipy (not with rsbench):
 * /usr/bin/python3 -c "from scipy.stats import norm, beta, binom
 * cp = lambda k, a: 0 if k == 0 else beta.ppf(a, k, 101 - k)
 * def rate(d, a=0.1):
 *   p = norm.cdf(d / 0.5); g = binom.sf(5, 10, p)
 *   return g * sum(binom.pmf(x, 100, p) for x in range(101) if cp(x, a) > p) + (1 - g) * sum(binom.pmf(x, 100, p) for x in range(101) if cp(100 - x, a) >= 0.5)
 * print([rate(d) for d in (0.02, 0.05, 0.1, 0.3)])"
 * Without the selection step (P[CP(X) > pA] alone) they would be 0.091-0.099, not these.
 */
const COVERAGE = { sigma: 0.5, n0: 10, n: 100, alpha: 0.1, deltas: [0.02, 0.05, 0.1, 0.3], rates: [0.06535446147803173, 0.054754638051150266, 0.05338386016083811, 0.07975250866389752] };
const COVERAGE_TRIALS = 1000; // per delta

/** pmf of Binomial(n, p) by the ratio recurrence (no rsbench code). */
function binomialPmfs(n: number, p: number): Float64Array {
  const out = new Float64Array(n + 1);
  out[0] = Math.exp(n * Math.log1p(-p));
  for (let k = 1; k <= n; k++) out[k] = (out[k - 1] * (n - k + 1) * p) / (k * (1 - p));
  return out;
}

/**
 * The acceptance interval of the failure count: its exact distribution is the sum of one
 * Binomial(COVERAGE_TRIALS, rate) per delta; [lo, hi] leaves at most `tail` below and above.
 */
function acceptance(tail: number): { lo: number; hi: number; mean: number } {
  let pmf = Float64Array.of(1);
  for (const rate of COVERAGE.rates) {
    const b = binomialPmfs(COVERAGE_TRIALS, rate);
    const next = new Float64Array(pmf.length + COVERAGE_TRIALS);
    for (let i = 0; i < pmf.length; i++) for (let j = 0; j <= COVERAGE_TRIALS; j++) next[i + j] += pmf[i] * b[j];
    pmf = next;
  }
  let lo = 0, below = 0;
  while (below + pmf[lo] <= tail) below += pmf[lo++];
  let hi = pmf.length - 1, above = 0;
  while (above + pmf[hi] <= tail) above += pmf[hi--];
  return { lo, hi, mean: COVERAGE.rates.reduce((s, r) => s + r * COVERAGE_TRIALS, 0) };
}

type Certifier = (x: Float32Array, seed: number) => Promise<{ certified: boolean; label: number; radius: number }>;

/** Certificates for class 0, or for class 1 with a radius above the true distance, over all trials. */
async function coverageFailures(certifier: Certifier): Promise<number> {
  let failures = 0;
  for (const delta of COVERAGE.deltas) {
    const x = pointAt(delta);
    for (let seed = 0; seed < COVERAGE_TRIALS; seed++) {
      const c = await certifier(x, seed);
      if (c.certified && (c.label !== 1 || c.radius > delta)) failures++;
    }
  }
  return failures;
}

/** A Random whose every fork is the same stream: selection then reuses the estimation noise. */
function oneStream(random: Random): Random {
  return {
    nextUint32: () => random.nextUint32(), nextFloat: () => random.nextFloat(), normal: () => random.normal(),
    fillNormal: (out, mean, std) => random.fillNormal(out, mean, std), fork: () => random.fork(1), seed: random.seed,
  };
}

test("CERTIFY's failure rate on the linear fixture is its exact rate with selection, and a weaker bound fails the same check", async () => {
  const { sigma, n0, n, alpha } = COVERAGE;
  const { lo, hi, mean } = acceptance(5e-4);
  // 4000 trials, mean 253.3 failures, sd 15.4: the 0.999 interval is about [204, 305].
  assert.ok(lo > 195 && lo < 215 && hi > 295 && hi < 315, `interval [${lo}, ${hi}] around ${mean}`);
  const check = (what: string, failures: number) => failures >= lo && failures <= hi
    ? null : `${what}: ${failures} failures of ${4 * COVERAGE_TRIALS}, outside [${lo}, ${hi}] (exact mean ${mean.toFixed(1)})`;
  const fromCertification = (c: Awaited<ReturnType<typeof certify>>) =>
    ({ certified: c.kind === "certified", label: c.guess, radius: c.kind === "certified" ? c.radius : 0 });
  const cohen = await coverageFailures(async (x, seed) => fromCertification(await certify(linear(), x, createRandom(seed, 1), { sigma, n0, n, alpha })));
  assert.equal(check("CERTIFY", cohen), null, check("CERTIFY", cohen) ?? "");
  // Power: the same check rejects a bound at 1.5 alpha (exact mean 369.3), selection ignored
  // (the guess taken from the estimation draws themselves, n0 = n on one stream: mean 430.8), and
  // the plug-in radius sigma Phi^-1(pHat) (no confidence bound at all).
  const broken: Array<[string, Certifier]> = [
    ["alpha * 1.5", async (x, seed) => fromCertification(await certify(linear(), x, createRandom(seed, 1), { sigma, n0, n, alpha: 1.5 * alpha }))],
    ["selection ignored", async (x, seed) => fromCertification(await certify(linear(), x, oneStream(createRandom(seed, 1)), { sigma, n0: n, n, alpha }))],
    ["plug-in radius", async (x, seed) => {
      const c = await certify(linear(), x, createRandom(seed, 1), { sigma, n0, n, alpha });
      const pHat = c.counts[c.guess] / n;
      return { certified: pHat > 0.5, label: c.guess, radius: sigma * normalQuantile(Math.min(pHat, 1 - 1e-12)) };
    }],
  ];
  for (const [what, certifier] of broken) {
    const failures = await coverageFailures(certifier);
    assert.ok(failures > hi, `${what} should fail the check (CERTIFY: ${cohen}): ${failures} failures, interval [${lo}, ${hi}]`);
  }
});

test("certify and smoothedPredict give the same output for the same seed whatever the batch size", async () => {
  const x = pointAt(0.08);
  const certs = [];
  const preds = [];
  for (const batchSize of [1, 13, 1000]) {
    certs.push(await certify(linear(), x, createRandom(9, 4), { sigma: 0.25, n0: 20, n: 300, alpha: 0.01, batchSize }));
    preds.push(await smoothedPredict(linear(), x, createRandom(9, 4), { sigma: 0.25, n: 300, alpha: 0.01, batchSize }));
  }
  assert.deepEqual(certs[1], certs[0]);
  assert.deepEqual(certs[2], certs[0]);
  assert.deepEqual(preds[1], preds[0]);
  assert.deepEqual(preds[2], preds[0]);
});

test("selection and estimation draw separate noise", async () => {
  const x = pointAt(0.0);
  const result = await certify(linear(), x, createRandom(11), { sigma: 0.5, n0: 200, n: 200, alpha: 0.01 });
  assert.notDeepEqual(Array.from(result.selectionCounts), Array.from(result.counts));
});

test("smoothedPredict abstains unless the binomial test on the top two counts rejects at alpha", async () => {
  // 10 of 10 votes: p = 2 * 0.5^10 = 0.001953125 (scipy.stats.binomtest(10, 10, 0.5).pvalue)
  const strict = await smoothedPredict(new Periodic(1e9), new Float32Array(64), createRandom(0), { sigma: 0.1, n: 10, alpha: 0.001 });
  assert.equal(strict.kind, "abstain");
  assert.ok(Math.abs(strict.pValue - 0.001953125) < 1e-12);
  const loose = await smoothedPredict(new Periodic(1e9), new Float32Array(64), createRandom(0), { sigma: 0.1, n: 10, alpha: 0.01 });
  assert.equal(loose.kind, "predicted");
  if (loose.kind === "predicted") assert.equal(loose.label, 0);
  const far = await smoothedPredict(linear(), pointAt(-1), createRandom(1), { sigma: 0.25, n: 100, alpha: 0.001 });
  assert.equal(far.kind, "predicted");
  if (far.kind === "predicted") assert.equal(far.label, 0);
});

test("smoothedPredict abstains on a top-two tie and tests only the top two counts", async () => {
  // Scripted votes per class; the two-sided binomial p-value of the top two counts (a vs b) is
  // 1 for a tie, else 2 P[Binomial(a + b, 1/2) <= b] = 2 sum_{i <= b} C(a + b, i) / 2^(a + b).
  const cases = [
    { digits: "010101010101", alpha: 0.9, kind: "abstain", pValue: 1 }, // [6, 6]: a tie never predicts
    { digits: "222220111110", alpha: 0.9, kind: "abstain", pValue: 1 }, // [2, 5, 5]: the top two tie ahead of a third class
    { digits: "000000000000000111", alpha: 0.01, kind: "predicted", label: 0, pValue: 1976 / 2 ** 18 }, // [15, 3]
    { digits: "000000000000000111", alpha: 0.005, kind: "abstain", pValue: 1976 / 2 ** 18 },
    // [5, 15, 3]: the test is on 15 of 20 (class 2's votes are left out), not 15 of 23
    { digits: "11111111111111100000222", alpha: 0.05, kind: "predicted", label: 1, pValue: 43400 / 2 ** 20 },
    { digits: "11111111111111100000222", alpha: 0.04, kind: "abstain", pValue: 43400 / 2 ** 20 },
    // [10, 5, 5]: the runner-up is 5 whichever of the tied classes it is: 10 of 15
    { digits: "00000111112222200000", alpha: 0.5, kind: "predicted", label: 0, pValue: 9888 / 2 ** 15 },
  ];
  for (const c of cases) {
    const n = c.digits.length;
    const result = await smoothedPredict(new Scripted(3, [script(c.digits)]), scriptedPoints(1), createRandom(0), { sigma: 0.01, n, alpha: c.alpha, batchSize: 7 });
    const label = `${c.digits} at alpha ${c.alpha}`;
    assert.equal(result.kind, c.kind, label);
    assert.ok(Math.abs(result.pValue - c.pValue) < 1e-12, `${label}: p-value ${result.pValue}, expected ${c.pValue}`);
    if (result.kind === "predicted") assert.equal(result.label, c.label, label);
    assert.equal(result.forwardPasses, n);
  }
});

test("certifiedAccuracy counts correct certificates with radius >= r", () => {
  const outcomes = [
    { radius: 0.6, correct: true },
    { radius: 0.3, correct: true },
    { radius: 0.9, correct: false },
    { radius: 0, correct: false }, // abstain
  ];
  assert.deepEqual(certifiedAccuracy(outcomes, [0, 0.25, 0.5, 0.75]), [
    { radius: 0, accuracy: 0.5 },
    { radius: 0.25, accuracy: 0.5 },
    { radius: 0.5, accuracy: 0.25 },
    { radius: 0.75, accuracy: 0 },
  ]);
  assert.deepEqual(radiusGrid(1), [0, 0.25, 0.5, 0.75, 1]);
});

test("invalid parameters name themselves", async () => {
  const x = new Float32Array(64);
  await assert.rejects(certify(linear(), x, createRandom(0), { sigma: -1 }), /invalid sigma: expected a number > 0, got -1/);
  await assert.rejects(certify(linear(), x, createRandom(0), { sigma: 1, alpha: 1 }), /invalid alpha: expected a number in \(0, 1\), got 1/);
  await assert.rejects(certify(linear(), x, createRandom(0), { sigma: 1, n0: 0 }), /invalid n0: expected an integer >= 1, got 0/);
  await assert.rejects(smoothedPredict(linear(), new Float32Array(3), createRandom(0), { sigma: 1, n: 5 }), /image size mismatch: expected 64 values, got 3/);
});

/** A two-class base model of any shape (class 0 always) that records the size of each call. */
class CallSizes implements Classifier {
  readonly numClasses = 2;
  readonly bounds = { lower: 0, upper: 1 };
  readonly calls: number[] = [];
  forwardPasses = 0;
  constructor(readonly shape: { channels: number; height: number; width: number }) {}
  async predict(_batch: Float32Array, count: number): Promise<Int32Array> {
    this.calls.push(count);
    this.forwardPasses += count;
    return new Int32Array(count);
  }
  async votes(batch: Float32Array, count: number): Promise<Votes> {
    return oneHotVotes(await this.predict(batch, count), 2);
  }
}

test("certify and smoothedPredict cap the default batch at 2^22 values per call: 1000 images at 28x28, 27 at 3x224x224", async () => {
  for (const [s, largest] of [[{ channels: 1, height: 28, width: 28 }, 1000], [{ channels: 3, height: 224, width: 224 }, 27]] as const) {
    const d = s.channels * s.height * s.width;
    const base = new CallSizes(s);
    const result = await certify(base, new Float32Array(d).fill(0.5), createRandom(0), { sigma: 0.25, n0: 10, n: 1200 });
    assert.equal(result.kind, "certified");
    // floor(2^22 / 150528) = 27; 1200 estimation draws at 28x28 take one call of 1000 and one of 200.
    assert.equal(Math.max(...base.calls), largest, `${d} values: calls ${base.calls.slice(0, 5).join(", ")} ...`);
    const predicted = new CallSizes(s);
    await smoothedPredict(predicted, new Float32Array(d).fill(0.5), createRandom(0), { sigma: 0.25, n: 1200 });
    assert.equal(Math.max(...predicted.calls), largest);
    // An explicit batch is kept.
    const explicit = new CallSizes(s);
    await smoothedPredict(explicit, new Float32Array(d).fill(0.5), createRandom(0), { sigma: 0.25, n: 100, batchSize: 40 });
    assert.equal(Math.max(...explicit.calls), 40);
  }
});

test("onDraws reports increasing draw counts after each base call, ending at n0 + n (certify) and n (predict), and changes no result", async () => {
  // n0 = 7 and n = 250 with batches of 32: neither count is a multiple of the batch.
  const x = pointAt(0.3);
  const seen: Array<[number, number]> = [];
  const options = { sigma: 0.5, n0: 7, n: 250, batchSize: 32 };
  const withProgress = await certify(linear(), x, createRandom(5), { ...options, onDraws: (drawn, total) => seen.push([drawn, total]) });
  const without = await certify(linear(), x, createRandom(5), options);
  assert.deepEqual(withProgress, without);
  // Selection: one call of 7; estimation: 7 calls of 32 and one of 26, counted after the 7.
  assert.deepEqual(seen.map(([d]) => d), [7, 39, 71, 103, 135, 167, 199, 231, 257]);
  assert.ok(seen.every(([, total]) => total === 257));

  const predicted: Array<[number, number]> = [];
  await smoothedPredict(linear(), x, createRandom(5), { sigma: 0.5, n: 100, batchSize: 30, onDraws: (drawn, total) => predicted.push([drawn, total]) });
  assert.deepEqual(predicted, [[30, 100], [60, 100], [90, 100], [100, 100]]);
});
