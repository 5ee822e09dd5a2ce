import { normalQuantile } from "../stats/normal.js";
import { check, DRAWS, OPEN_UNIT, POSITIVE, PROBABILITY } from "../stats/validate.js";

/**
 * The certified L2 radius of the smoothed classifier g_sigma at x, R(x, sigma) = sigma Phi^-1(pA),
 * where pA is (a lower bound on) the probability of the top class under N(0, sigma^2 I) noise.
 * Returns 0 when pA <= 1/2: there is no certificate (Cohen et al.'s CERTIFY abstains there),
 * and Infinity when pA = 1.
 * @see docs/paper.md eq. (2); Cohen, Rosenfeld, Kolter 2019, Theorem 1.
 */
export function certifiedRadius(pA: number, sigma: number): number {
  check("pA", pA, PROBABILITY);
  check("sigma", sigma, POSITIVE);
  return pA <= 0.5 ? 0 : sigma * normalQuantile(pA);
}

/**
 * The largest radius CERTIFY can ever return with N estimation draws at confidence 1 - alpha:
 * when all N draws vote for the top class the Clopper-Pearson lower bound is alpha^(1/N)
 * (the alpha-quantile of Beta(N, 1)), so R_max = sigma Phi^-1(alpha^(1/N)). Computed as
 * -sigma Phi^-1(1 - alpha^(1/N)) with 1 - alpha^(1/N) = -expm1(ln(alpha) / N), which keeps its
 * digits when alpha^(1/N) is close to 1 (N = 100000: 1 - alpha^(1/N) ~ 7e-5).
 * @see docs/paper.md eq. (2) and Cohen's defaults (N = 100000, alpha = 0.001).
 */
export function maxCertifiableRadius(N: number, alpha: number, sigma: number): number {
  check("N", N, DRAWS);
  check("alpha", alpha, OPEN_UNIT);
  check("sigma", sigma, POSITIVE);
  const miss = -Math.expm1(Math.log(alpha) / N); // 1 - alpha^(1/N)
  return miss >= 0.5 ? 0 : -sigma * normalQuantile(miss);
}
