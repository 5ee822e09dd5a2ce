import type erfcinvFunction from "@stdlib/math-base-special-erfcinv";
import type stdlibNormalCdfFunction from "@stdlib/stats-base-dists-normal-cdf";
import { check, PROBABILITY } from "./validate.js";
import { lazyFunction } from "../io/lazy.js";

/** stdlib, required on first use (src/io/lazy.ts). */
const erfcinv = lazyFunction<typeof erfcinvFunction>("@stdlib/math-base-special-erfcinv");
const stdlibNormalCdf = lazyFunction<typeof stdlibNormalCdfFunction>("@stdlib/stats-base-dists-normal-cdf");

/**
 * Phi(x), the standard normal cumulative distribution function (stdlib, through erfc).
 * Accurate in relative terms in the lower tail; for the upper tail use `normalSf`.
 * Phi(-Infinity) = 0 and Phi(Infinity) = 1.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) throw new RangeError(`invalid x: expected a number, got ${x}`);
  return stdlibNormalCdf(x, 0, 1);
}

/** 1 - Phi(x) without cancellation (= Phi(-x)). */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

/**
 * Phi^-1(p), the standard normal quantile, for p in [0, 1] (-Infinity at 0, Infinity at 1).
 * Computed as -sqrt(2) erfcinv(2p) with stdlib's erfcinv rather than with
 * @stdlib/stats-base-dists-normal-quantile, which evaluates sqrt(2) erfinv(2p - 1): the
 * subtraction loses the low digits of small p (relative error 4e-7 at p = 1e-12, -Infinity at
 * p = 1e-300), while erfcinv(2p) stays accurate to ~1e-15 down to the smallest doubles.
 */
export function normalQuantile(p: number): number {
  check("p", p, PROBABILITY);
  if (p === 0.5) return 0;
  return -Math.SQRT2 * erfcinv(2 * p);
}
