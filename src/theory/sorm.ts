import { normalCdf } from "../stats/normal.js";
import { check, FINITE } from "../stats/validate.js";

/**
 * SORM (second-order reliability method, Breitung 1984) approximation of pi_0(x), the
 * probability that f(x + sigma N) falls on the far side of the boundary of f, for x at distance
 * delta = beta sigma from that boundary, with signed principal curvatures kappa_i (i = 1..d-1)
 * of the boundary at the point closest to x, measured in the noise-scaled space (x / sigma,
 * where the noise is N(0, I); sigma times the curvatures in pixel space), negative when the
 * boundary is convex towards x:
 *   pi_0(x) ~= Phi(-beta) prod_i 1 / sqrt(1 + beta kappa_i).
 * A flat boundary (all kappa_i = 0) gives Phi(-beta). The approximation needs
 * 1 + beta kappa_i > 0 for every i; the product is accumulated in log space so that
 * millions of curvatures neither overflow nor underflow.
 * @see docs/paper.md eq. (3).
 */
export function sormPi0(beta: number, kappas: readonly number[]): number {
  check("beta", beta, { min: 0, max: Number.MAX_VALUE });
  let logProduct = 0;
  for (let i = 0; i < kappas.length; i++) {
    const k = check(`kappa[${i}]`, kappas[i], FINITE);
    const factor = 1 + beta * k;
    if (!(factor > 0)) {
      throw new RangeError(
        `invalid kappa[${i}]: SORM needs 1 + beta * kappa > 0, got 1 + ${beta} * ${k} = ${factor}; ` +
          `expected kappa > ${-1 / beta}`,
      );
    }
    logProduct -= 0.5 * Math.log1p(beta * k);
  }
  return normalCdf(-beta) * Math.exp(logProduct);
}
