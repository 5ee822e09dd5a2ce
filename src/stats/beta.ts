import type stdlibBetaincFunction from "@stdlib/math-base-special-betainc";
import type stdlibBetaincinvFunction from "@stdlib/math-base-special-betaincinv";
import { check, POSITIVE, PROBABILITY } from "./validate.js";
import { lazyFunction } from "../io/lazy.js";

/** stdlib, required on first use (src/io/lazy.ts). */
const stdlibBetainc = lazyFunction<typeof stdlibBetaincFunction>("@stdlib/math-base-special-betainc");
const stdlibBetaincinv = lazyFunction<typeof stdlibBetaincinvFunction>("@stdlib/math-base-special-betaincinv");

/** I_x(a, b), the regularized incomplete beta function (stdlib), for x in [0, 1] and a, b > 0. */
export function betaInc(x: number, a: number, b: number): number {
  checkBeta(x, "x", a, b);
  return stdlibBetainc(x, a, b, true, false);
}

/** 1 - I_x(a, b) computed directly (no cancellation when I_x(a, b) is close to 1). */
export function betaIncComplement(x: number, a: number, b: number): number {
  checkBeta(x, "x", a, b);
  return stdlibBetainc(x, a, b, true, true);
}

/**
 * I^-1_p(a, b): the x in [0, 1] with I_x(a, b) = p (stdlib betaincinv), i.e. the p-quantile of
 * Beta(a, b). This is the I^-1 of docs/paper.md eq. (5).
 */
export function betaIncInv(p: number, a: number, b: number): number {
  checkBeta(p, "p", a, b);
  return stdlibBetaincinv(p, a, b, false);
}

/**
 * The x with 1 - I_x(a, b) = q: the upper q-quantile of Beta(a, b) (scipy's beta.isf), accurate
 * when q is tiny, where betaIncInv(1 - q, a, b) would round 1 - q first.
 */
export function betaIncInvComplement(q: number, a: number, b: number): number {
  checkBeta(q, "q", a, b);
  return stdlibBetaincinv(q, a, b, true);
}

function checkBeta(x: number, name: string, a: number, b: number): void {
  check(name, x, PROBABILITY);
  check("a", a, POSITIVE);
  check("b", b, POSITIVE);
}
