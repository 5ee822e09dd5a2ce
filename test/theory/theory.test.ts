import assert from "node:assert/strict";
import { test } from "node:test";
import {
  adversarialProbability,
  certifiedRadius,
  distanceBound,
  exactPi0Max,
  levelThreshold,
  marginTerm,
  maxCertifiableRadius,
  pi0Max,
  shortcutPi0Max,
  sormPi0,
  voteErrorProbability,
} from "../../src/theory/index.js";
import { binomialTailAtLeast, normalCdf, normalQuantile } from "../../src/stats/index.js";
import { assertClose } from "../stats/close.js";

// Reference values: `/usr/bin/python3 test/stats/references.py` (mpmath at 40 digits), pasted unchanged.
// theory: levelThreshold q = I^-1_Pa(m, m), m = 1 + floor(n/2); margin = Phi^-1(q) (sigma = 1)
const LEVEL: number[][] = [
  [1, 0.8, 0.8, 0.19999999999999996, 0.8416212335729144],
  [10, 0.8, 0.6221349270230295, 0.3778650729769705, 0.31109270606682055],
  [50, 0.8, 0.5584357891082248, 0.4415642108917752, 0.14700455909223162],
  [100, 0.8, 0.541695882711443, 0.458304117288557, 0.10470709164845908],
  [11, 0.8, 0.6221349270230295, 0.3778650729769705, 0.31109270606682055],
  [1000, 0.99, 0.536705628543688, 0.463294371456312, 0.09213756488626659],
  [7, 0.6, 0.5461042880941454, 0.45389571190585465, 0.11582476394374841],
  [2, 0.3, 0.3632574910905676, 0.6367425089094324, -0.3497651141603477],
];
// exactPi0Max: [n, pa, ties adversarial: 1 - I^-1_Pa(ceil(n/2), n - ceil(n/2) + 1), ties original: 1 - I^-1_Pa(m, n - m + 1)]
const EXACT_PI0_MAX: number[][] = [
  [2, 0.8, 0.44721359549995787, 0.1055728090000841],
  [10, 0.8, 0.4191346098893824, 0.3268281785222306],
  [100, 0.8, 0.46305990838282124, 0.4531400994288543],
  [11, 0.8, 0.3778650729769705, 0.3778650729769705],
  [4, 0.5, 0.6142724318676105, 0.38572756813238956],
  [1, 0.7, 0.30000000000000004, 0.30000000000000004],
];
// adversarialProbability: [pi, n, pa, P[Binomial(n, pi) >= ceil(n pa)]] (exact sum)
const ADVERSARIAL_PROBABILITY: number[][] = [
  [0.6, 10, 0.5, 0.8337613824],
  [0.6, 10, 0.8, 0.16728975359999995],
  [0.45, 100, 0.5, 0.18272818468614527],
  [0.9, 11, 0.8, 0.9104381491500001],
  [0.3, 1, 0.5, 0.3],
  [0.5, 10, 0.7, 0.171875],
];
// maxCertifiableRadius: [N, alpha, sigma, sigma Phi^-1(alpha^(1/N))]
const MAX_RADIUS: number[][] = [
  [100000, 0.001, 0.25, 0.9528641408474879],
  [100000, 0.001, 0.05, 0.1905728281694976],
  [1000, 0.001, 0.5, 1.2316313073904044],
  [100, 0.01, 1.0, 1.6953194980331165],
  [10, 0.001, 1.0, 0.0029759577713822974],
];
// sormPi0: [beta, kappas, Phi(-beta) prod (1 + beta kappa_i)^(-1/2)]
const SORM: Array<[number, number[], number]> = [
  [1.5, [0.1, -0.2, 0.3], 0.061835992677981434],
  [0.0, [5.0, 7.0], 0.5],
  [2.0, [], 0.02275013194817921],
  [3.0, Array(1000).fill(0.001), 0.00030188007822859486],
  [2.5, Array(1000).fill(-0.0005), 0.011605718520325577],
  [0.5, [1000.0, 2000.0], 0.0004356844993974059],
];

test("marginTerm(n, 0.8, sigma) is 0.842, 0.311, 0.147, 0.105 sigma for n = 1, 10, 50, 100 (docs/paper.md eq. 6)", () => {
  const paper: Array<[number, number]> = [[1, 0.842], [10, 0.311], [50, 0.147], [100, 0.105]];
  for (const [n, want] of paper) assert.equal(Number(marginTerm(n, 0.8, 1).toFixed(3)), want, `n = ${n}`);
  assertClose(marginTerm(10, 0.8, 0.25), 0.25 * marginTerm(10, 0.8, 1), "margin scales with sigma");
});

test("levelThreshold, pi0Max and marginTerm match mpmath I^-1_Pa(m, m), m = 1 + floor(n/2)", () => {
  for (const [n, pa, q, p0, margin] of LEVEL) {
    assertClose(levelThreshold(n, pa), q, `levelThreshold(${n}, ${pa})`);
    assertClose(pi0Max(n, pa), p0, `pi0Max(${n}, ${pa})`);
    assertClose(marginTerm(n, pa, 1), margin, `marginTerm(${n}, ${pa}, 1)`);
  }
  // Pa = 1/2: the threshold is the boundary of g_sigma itself, for any n.
  for (const n of [1, 3, 10, 101]) {
    assertClose(levelThreshold(n, 0.5), 0.5, `levelThreshold(${n}, 0.5)`);
    assert.ok(Math.abs(marginTerm(n, 0.5, 1)) < 1e-12);
  }
});

test("distanceBound(p, n, pa, sigma) = sigma Phi^-1(p) + marginTerm (eq. 6)", () => {
  assertClose(distanceBound(0.99, 10, 0.8, 0.25), 0.25 * (normalQuantile(0.99) + LEVEL[1][4]), "bound");
  assertClose(distanceBound(0.5, 100, 0.8, 0.5), 0.5 * LEVEL[3][4], "p = 1/2 leaves the margin");
});

test("exactPi0Max: identical to pi0Max for odd n; for even n brackets it by the tie rule", () => {
  for (const [n, pa, adversarialTies, originalTies] of EXACT_PI0_MAX) {
    assertClose(exactPi0Max(n, pa), adversarialTies, `exactPi0Max(${n}, ${pa})`);
    assertClose(exactPi0Max(n, pa, "original"), originalTies, `exactPi0Max(${n}, ${pa}, "original")`);
  }
  for (const n of [1, 3, 11, 51, 101]) assertClose(exactPi0Max(n, 0.8), pi0Max(n, 0.8), `odd n = ${n}`, 1e-12);
  for (const n of [2, 10, 50, 100]) {
    assert.ok(exactPi0Max(n, 0.8, "original") < pi0Max(n, 0.8) && pi0Max(n, 0.8) < exactPi0Max(n, 0.8), `even n = ${n}`);
    // the paper's formula for even n is the exact threshold of n + 1 draws
    assertClose(pi0Max(n, 0.8), exactPi0Max(n + 1, 0.8), `n = ${n} vs n + 1`, 1e-12);
  }
});

test("exactPi0Max solves voteErrorProbability(1 - pi0, n) = Pa", () => {
  for (const n of [1, 2, 7, 10, 100]) {
    for (const ties of ["adversarial", "original"] as const) {
      const p0 = exactPi0Max(n, 0.8, ties);
      assertClose(voteErrorProbability(1 - p0, n, ties), 0.8, `n = ${n}, ties ${ties}`, 1e-9);
    }
  }
  // ties count as adversarial: P[W >= n/2]; as original: P[W >= n/2 + 1]
  assertClose(voteErrorProbability(0.4, 10), binomialTailAtLeast(5, 10, 0.4), "ties adversarial");
  assertClose(voteErrorProbability(0.4, 10, "original"), binomialTailAtLeast(6, 10, 0.4), "ties original");
});

test("adversarialProbability is the oracle's rule P[Binomial(n, pi) >= ceil(n Pa)]", () => {
  for (const [pi, n, pa, want] of ADVERSARIAL_PROBABILITY) {
    assertClose(adversarialProbability(pi, n, pa), want, `adversarialProbability(${pi}, ${n}, ${pa})`);
  }
  // 0.7 * 10 = 7.000000000000001 must still need 7 wrong votes, as in LabelOnlyOracle.
  assertClose(adversarialProbability(0.5, 10, 0.7), binomialTailAtLeast(7, 10, 0.5), "ceil guard");
  // shortcutPi0Max solves it at probability Pa; it is the majority rule only at Pa = 1/2.
  for (const n of [1, 10, 11, 100]) {
    assertClose(adversarialProbability(1 - shortcutPi0Max(n, 0.8), n, 0.8), 0.8, `shortcut n = ${n}`, 1e-9);
    assertClose(shortcutPi0Max(n, 0.5), exactPi0Max(n, 0.5), `Pa = 1/2, n = ${n}`, 1e-12);
  }
  assert.ok(shortcutPi0Max(11, 0.8) < exactPi0Max(11, 0.8));
});

test("certifiedRadius(pA, sigma) = sigma Phi^-1(pA), 0 without a certificate (eq. 2)", () => {
  assertClose(certifiedRadius(0.99, 0.25), 0.25 * 2.3263478740408408, "pA = 0.99"); // scipy.stats.norm.ppf(0.99)
  assert.equal(certifiedRadius(0.5, 1), 0);
  assert.equal(certifiedRadius(0.2, 1), 0);
  assert.equal(certifiedRadius(1, 1), Infinity);
});

test("maxCertifiableRadius(N, alpha, sigma) = sigma Phi^-1(alpha^(1/N)) matches mpmath", () => {
  for (const [N, alpha, sigma, want] of MAX_RADIUS) {
    assertClose(maxCertifiableRadius(N, alpha, sigma), want, `maxCertifiableRadius(${N}, ${alpha}, ${sigma})`);
  }
  assert.equal(maxCertifiableRadius(1, 0.6, 1) > 0, true, "alpha = 0.6, N = 1: Phi^-1(0.6) > 0");
  assert.equal(maxCertifiableRadius(1, 0.4, 1), 0, "alpha^(1/N) <= 1/2 certifies nothing");
});

test("sormPi0(beta, kappas) = Phi(-beta) prod (1 + beta kappa_i)^(-1/2) (eq. 3)", () => {
  for (const [beta, kappas, want] of SORM) assertClose(sormPi0(beta, kappas), want, `sormPi0(${beta}, [${kappas.length}])`);
  assertClose(sormPi0(1.2, [0, 0, 0]), normalCdf(-1.2), "flat boundary");
  // convex towards x (kappa < 0) increases pi_0, concave decreases it
  assert.ok(sormPi0(1, [-0.3]) > normalCdf(-1) && sormPi0(1, [0.3]) < normalCdf(-1));
});

test("theory arguments are validated with RangeErrors naming the argument", () => {
  assert.throws(() => certifiedRadius(0.9, 0), { name: "RangeError", message: /invalid sigma: expected a number > 0, got 0/ });
  assert.throws(() => levelThreshold(0, 0.8), /invalid n: expected an integer >= 1, got 0/);
  assert.throws(() => levelThreshold(10, 1), /invalid pa: expected a number in \(0, 1\), got 1/);
  assert.throws(() => sormPi0(2, [0.1, -0.6]), /invalid kappa\[1\]: SORM needs 1 \+ beta \* kappa > 0, got 1 \+ 2 \* -0.6/);
  assert.throws(() => sormPi0(-1, []), /invalid beta: expected a number >= 0, got -1/);
  assert.throws(() => maxCertifiableRadius(10.5, 0.001, 1), /invalid N: expected an integer/);
  assert.throws(() => exactPi0Max(10, 0.8, "coin" as never), /invalid ties: expected "adversarial" or "original", got "coin"/);
});
