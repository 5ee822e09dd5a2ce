import assert from "node:assert/strict";
import { test } from "node:test";
import {
  betaInc,
  betaIncComplement,
  betaIncInv,
  betaIncInvComplement,
  binomialCdf,
  binomialPmf,
  binomialTailAtLeast,
  binomialTestTwoSided,
  clopperPearson,
  clopperPearsonLower,
  normalCdf,
  normalQuantile,
  normalSf,
} from "../../src/stats/index.js";
import { assertClose } from "./close.js";

// Reference values: `/usr/bin/python3 test/stats/references.py` (mpmath at 40 digits, scipy 1.10
// binomtest), pasted unchanged. Every comparison is to 1e-9 relative (see close.ts).
// normalCdf: [x, Phi(x)]
const NORMAL_CDF: number[][] = [
  [-37.5, 4.605353009581955e-308],
  [-20.0, 2.7536241186062337e-89],
  [-10.0, 7.619853024160525e-24],
  [-5.0, 2.866515718791939e-07],
  [-1.0, 0.15865525393145705],
  [0.0, 0.5],
  [0.3, 0.6179114221889527],
  [1.0, 0.8413447460685429],
  [3.0, 0.9986501019683699],
  [8.0, 0.9999999999999993],
];
// normalQuantile: [p, Phi^-1(p)]
const NORMAL_QUANTILE: number[][] = [
  [1e-300, -37.0470962993612],
  [1e-100, -21.273453560965326],
  [1e-12, -7.034483825301132],
  [1e-06, -4.753424308822899],
  [0.001, -3.0902323061678136],
  [0.3, -0.5244005127080408],
  [0.8, 0.8416212335729144],
  [0.975, 1.9599639845400538],
  [0.999999, 4.753424308817087],
  [0.999999999999, 7.0344869100478356],
];
// betaInc and betaIncComplement: [x, a, b, I_x(a, b), 1 - I_x(a, b)]
const BETA_INC: number[][] = [
  [0.3, 2.5, 7.0, 0.6412224629717211, 0.3587775370282788],
  [0.5, 51.0, 51.0, 0.5, 0.5],
  [0.499, 5000.0, 5000.0, 0.4207421675434197, 0.5792578324565804],
  [1e-05, 0.5, 3.0, 0.005929231084463545, 0.9940707689155365],
  [0.99999, 100000.0, 1.0, 0.3678776017682465, 0.6321223982317535],
  [0.2, 10.0, 3.0, 4.526080000000003e-06, 0.99999547392],
  [0.999, 2.0, 0.5, 0.9525816464857751, 0.04741835351422487],
];
// betaIncInv: [p, a, b, I^-1_p(a, b)]
const BETA_INC_INV: number[][] = [
  [0.8, 1.0, 1.0, 0.8],
  [0.8, 6.0, 6.0, 0.6221349270230295],
  [0.8, 26.0, 26.0, 0.5584357891082248],
  [0.8, 51.0, 51.0, 0.541695882711443],
  [0.001, 100000.0, 1.0, 0.9999309248330094],
  [0.001, 99000.0, 1001.0, 0.9889893403774748],
  [0.5, 3.0, 7.0, 0.2862366680227827],
  [1e-10, 5.0, 5.0, 0.0038109291304125187],
  [0.999, 2.0, 3.0, 0.9359618608971666],
  [0.3, 0.5, 0.5, 0.20610737385376343],
];
// betaIncInvComplement: [q, a, b, x with 1 - I_x(a, b) = q]
const BETA_INC_INV_COMPLEMENT: number[][] = [
  [0.001, 1.0, 100000.0, 6.907516699060702e-05],
  [1e-12, 3.0, 10.0, 0.9581773171516503],
  [0.2, 6.0, 6.0, 0.6221349270230295],
  [0.001, 1001.0, 99000.0, 0.01101065962252524],
];
// binomial: [k, n, p, P[X = k], P[X <= k], P[X >= k]]
const BINOMIAL: number[][] = [
  [3, 100, 0.5, 1.275588083742376e-25, 1.3154334480650894e-25, 1.0],
  [60, 100, 0.5, 0.010843866711637987, 0.9823998998911476, 0.028443966820490395],
  [0, 10, 0.3, 0.028247524900000005, 0.028247524900000005, 1.0],
  [10, 10, 0.3, 5.9048999999999975e-06, 1.0, 5.9048999999999975e-06],
  [99990, 100000, 0.9999, 0.1251162916816937, 0.5420765413843016, 0.5830397502973921],
  [400, 1000, 0.3, 4.011150660289923e-12, 0.9999999999929698, 1.1041298190556764e-11],
  [5, 7, 0.9, 0.12400289999999996, 0.14969439999999995, 0.9743085],
  [1, 1, 0.25, 0.25, 1.0, 0.25],
];
// binomialTestTwoSided: [k, n, p, scipy.stats.binomtest(k, n, p).pvalue]
const BINOMIAL_TEST: number[][] = [
  [60, 100, 0.5, 0.05688793364098088],
  [3, 100, 0.5, 2.630866896130179e-25],
  [55, 100, 0.3, 2.582534195394968e-07],
  [50, 100, 0.5, 1.0],
  [0, 10, 0.5, 0.001953125],
  [10, 10, 0.5, 0.001953125],
  [1000, 1990, 0.5, 0.8401176311797335],
  [99000, 100000, 0.99, 1.0],
  [98800, 100000, 0.99, 6.853931594913327e-10],
  [7, 20, 0.1, 0.002386089408966118],
  [1, 20, 0.1, 0.7148201929357019],
  [6, 10, 0.5, 0.75390625],
  [900, 1000, 0.5, 1.3403435580012363e-161],
];
// clopperPearson: [k, n, alpha, lower, upper] (each one-sided at level alpha)
const CLOPPER_PEARSON: number[][] = [
  [100000, 100000, 0.001, 0.9999309248330094, 1.0],
  [0, 100000, 0.001, 0.0, 6.907516699060702e-05],
  [0, 100, 0.001, 0.0, 0.06674569920300896],
  [99990, 100000, 0.001, 0.9997586773435911, 0.9999703939022321],
  [50, 100, 0.05, 0.41362171463091174, 0.5863782853690882],
  [1, 1, 0.5, 0.5, 1.0],
  [3, 10, 0.001, 0.021037971320986837, 0.7953632779007102],
  [100, 100, 0.001, 0.933254300796991, 1.0],
  [1, 2, 0.1, 0.051316701949486204, 0.9486832980505138],
];

test("normalCdf(x) matches mpmath ncdf from x = -37.5 to 8", () => {
  for (const [x, want] of NORMAL_CDF) assertClose(normalCdf(x), want, `normalCdf(${x})`);
  assert.equal(normalCdf(-Infinity), 0);
  assert.equal(normalCdf(Infinity), 1);
  assertClose(normalSf(10), NORMAL_CDF[2][1], "normalSf(10)");
});

test("normalQuantile(p) matches mpmath down to p = 1e-300 (where stdlib's normal quantile fails)", () => {
  for (const [p, want] of NORMAL_QUANTILE) assertClose(normalQuantile(p), want, `normalQuantile(${p})`);
  assert.equal(normalQuantile(0.5), 0);
  assert.equal(normalQuantile(0), -Infinity);
  assert.equal(normalQuantile(1), Infinity);
});

test("normalQuantile inverts normalCdf", () => {
  for (const x of [-30, -8, -2.5, -0.1, 0.7, 5]) assertClose(normalQuantile(normalCdf(x)), x, `x = ${x}`, 1e-9);
});

test("betaInc and betaIncComplement match mpmath, including a = 100000 and a = b = 5000", () => {
  for (const [x, a, b, lower, upper] of BETA_INC) {
    assertClose(betaInc(x, a, b), lower, `betaInc(${x}, ${a}, ${b})`);
    assertClose(betaIncComplement(x, a, b), upper, `betaIncComplement(${x}, ${a}, ${b})`);
  }
});

test("betaIncInv matches mpmath bisection, including Clopper-Pearson shapes (100000, 1)", () => {
  for (const [p, a, b, want] of BETA_INC_INV) assertClose(betaIncInv(p, a, b), want, `betaIncInv(${p}, ${a}, ${b})`);
  for (const [q, a, b, want] of BETA_INC_INV_COMPLEMENT) {
    assertClose(betaIncInvComplement(q, a, b), want, `betaIncInvComplement(${q}, ${a}, ${b})`);
  }
});

test("binomialPmf, binomialCdf and binomialTailAtLeast match exact mpmath sums", () => {
  for (const [k, n, p, pmf, cdf, tail] of BINOMIAL) {
    assertClose(binomialPmf(k, n, p), pmf, `binomialPmf(${k}, ${n}, ${p})`);
    assertClose(binomialCdf(k, n, p), cdf, `binomialCdf(${k}, ${n}, ${p})`);
    assertClose(binomialTailAtLeast(k, n, p), tail, `binomialTailAtLeast(${k}, ${n}, ${p})`);
  }
});

test("binomial tails outside [0, n] and at p = 0 or 1 are the trivial probabilities", () => {
  assert.equal(binomialCdf(-1, 10, 0.3), 0);
  assert.equal(binomialCdf(10, 10, 0.3), 1);
  assert.equal(binomialTailAtLeast(0, 10, 0.3), 1);
  assert.equal(binomialTailAtLeast(11, 10, 0.3), 0);
  assert.equal(binomialTailAtLeast(3, 10, 0), 0);
  assert.equal(binomialTailAtLeast(3, 10, 1), 1);
  assert.equal(binomialPmf(11, 10, 0.3), 0);
  // P[X <= k - 1] + P[X >= k] = 1
  for (const k of [1, 5, 9]) assertClose(binomialCdf(k - 1, 10, 0.37) + binomialTailAtLeast(k, 10, 0.37), 1, `k = ${k}`);
});

test("binomialTestTwoSided(k, n, p) equals scipy.stats.binomtest(k, n, p).pvalue", () => {
  for (const [k, n, p, want] of BINOMIAL_TEST) {
    assertClose(binomialTestTwoSided(k, n, p), want, `binomialTestTwoSided(${k}, ${n}, ${p})`);
  }
  assertClose(binomialTestTwoSided(60, 100), BINOMIAL_TEST[0][3], "p defaults to 0.5");
});

test("clopperPearson(k, n, alpha) gives one-sided bounds at level alpha (statsmodels beta method at 2 alpha)", () => {
  for (const [k, n, alpha, lower, upper] of CLOPPER_PEARSON) {
    const b = clopperPearson(k, n, alpha);
    assertClose(b.lower, lower, `lower(${k}, ${n}, ${alpha})`);
    assertClose(b.upper, upper, `upper(${k}, ${n}, ${alpha})`);
    assert.equal(clopperPearsonLower(k, n, alpha), b.lower);
  }
});

test("invalid arguments throw RangeErrors naming the argument, the value and the range", () => {
  assert.throws(() => normalQuantile(1.5), { name: "RangeError", message: "invalid p: expected a number in [0, 1], got 1.5" });
  assert.throws(() => normalQuantile(NaN), /invalid p: expected a number in \[0, 1\], got NaN/);
  assert.throws(() => normalCdf(NaN), /invalid x: expected a number, got NaN/);
  assert.throws(() => betaInc(0.5, 0, 1), /invalid a: expected a number > 0, got 0/);
  assert.throws(() => betaIncInv(-0.1, 1, 1), /invalid p: expected a number in \[0, 1\], got -0.1/);
  assert.throws(() => binomialCdf(2.5, 10, 0.5), /invalid k: expected an integer, got 2.5/);
  assert.throws(() => binomialTailAtLeast(2, 0, 0.5), /invalid n: expected an integer >= 1, got 0/);
  assert.throws(() => binomialTestTwoSided(11, 10), /invalid k: expected an integer in \[0, 10\], got 11/);
  assert.throws(() => clopperPearson(3, 10, 1), /invalid alpha: expected a number in \(0, 1\), got 1/);
  assert.throws(() => clopperPearson(-1, 10, 0.1), /invalid k: expected an integer in \[0, 10\], got -1/);
});
