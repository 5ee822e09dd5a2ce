import type stdlibBetaincFunction from "@stdlib/math-base-special-betainc";
import type stdlibBinomialCdfFunction from "@stdlib/stats-base-dists-binomial-cdf";
import type stdlibBinomialPmfFunction from "@stdlib/stats-base-dists-binomial-pmf";
import { check, DRAWS, PROBABILITY } from "./validate.js";
import { lazyFunction } from "../io/lazy.js";

/** stdlib, required on first use (src/io/lazy.ts). */
const stdlibBetainc = lazyFunction<typeof stdlibBetaincFunction>("@stdlib/math-base-special-betainc");
const stdlibBinomialCdf = lazyFunction<typeof stdlibBinomialCdfFunction>("@stdlib/stats-base-dists-binomial-cdf");
const stdlibBinomialPmf = lazyFunction<typeof stdlibBinomialPmfFunction>("@stdlib/stats-base-dists-binomial-pmf");

/** Any integer count: values outside [0, n] are allowed and give the trivial probabilities. */
const ANY_INTEGER = { integer: true, min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

function checkBinomial(k: number, n: number, p: number): void {
  check("k", k, ANY_INTEGER);
  check("n", n, DRAWS);
  check("p", p, PROBABILITY);
}

/** P[X = k] for X ~ Binomial(n, p) (stdlib). */
export function binomialPmf(k: number, n: number, p: number): number {
  checkBinomial(k, n, p);
  if (k < 0 || k > n) return 0;
  return stdlibBinomialPmf(k, n, p);
}

/** P[X <= k] for X ~ Binomial(n, p) (stdlib: 1 - I_p(k + 1, n - k) without cancellation). */
export function binomialCdf(k: number, n: number, p: number): number {
  checkBinomial(k, n, p);
  if (k < 0) return 0;
  if (k >= n) return 1;
  return stdlibBinomialCdf(k, n, p);
}

/**
 * P[X >= k] for X ~ Binomial(n, p), computed as I_p(k, n - k + 1) (the binomial-beta identity,
 * stdlib betainc), so that small upper tails keep their relative accuracy.
 */
export function binomialTailAtLeast(k: number, n: number, p: number): number {
  checkBinomial(k, n, p);
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p === 0) return 0;
  if (p === 1) return 1;
  return stdlibBetainc(p, k, n - k + 1, true, false);
}

/**
 * The two-sided p-value of the exact binomial test of H0: "success probability = p" after
 * k successes in n trials, as in scipy.stats.binomtest(k, n, p, alternative="two-sided"):
 * the probability under H0 of every outcome no more likely than k (pmf <= pmf(k) * (1 + 1e-7),
 * scipy's relative tolerance), summed over both tails and capped at 1. This is the test of
 * Cohen et al.'s PREDICT (locuslab/smoothing code/core.py, `binom_test(nA, nA + nB, 0.5)`).
 */
export function binomialTestTwoSided(k: number, n: number, p = 0.5): number {
  check("n", n, DRAWS);
  check("k", k, { integer: true, min: 0, max: n });
  check("p", p, PROBABILITY);
  const pmf = (x: number): number => stdlibBinomialPmf(x, n, p);
  const d = pmf(k);
  const rerr = 1 + 1e-7;
  const mean = p * n;
  let pValue: number;
  if (k === mean) {
    pValue = 1;
  } else if (k < mean) {
    // First index ix above the mode with pmf(ix) <= d * rerr; y = number of such upper outcomes.
    const ix = searchDescending(pmf, d * rerr, Math.ceil(mean), n);
    const y = n - ix + (d * rerr === pmf(ix) ? 1 : 0);
    pValue = binomialCdf(k, n, p) + binomialTailAtLeast(n - y + 1, n, p);
  } else {
    // Last index ix below the mode with pmf(ix) <= d * rerr; y = number of such lower outcomes.
    const ix = searchAscending(pmf, d * rerr, 0, Math.floor(mean));
    const y = ix + 1;
    pValue = binomialCdf(y - 1, n, p) + binomialTailAtLeast(k, n, p);
  }
  return Math.min(1, pValue);
}

/**
 * Binary search over integers in [lo, hi] where a(i) is non-decreasing: the i with
 * a(i) <= d < a(i + 1) (lo - 1 when a(lo) > d), as scipy's _binary_search_for_binom_tst.
 */
function searchAscending(a: (i: number) => number, d: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const v = a(mid);
    if (v < d) lo = mid + 1;
    else if (v > d) hi = mid - 1;
    else return mid;
  }
  return a(lo) <= d ? lo : lo - 1;
}

/** The same search on the decreasing side of the mode (searching -a for -d, as scipy does). */
function searchDescending(a: (i: number) => number, d: number, lo: number, hi: number): number {
  return searchAscending((i) => -a(i), -d, lo, hi);
}
