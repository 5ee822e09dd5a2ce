/**
 * The gradient probes of HSJA and PopSkipJump (official hsja.py approximate_gradient, which
 * popskip.py reuses): `count` points x + delta u / |u|, u Gaussian (L2) or uniform in [-1, 1]^d
 * (Linf), and the sums their answers feed into the Monte Carlo estimate. One place for both, so
 * they draw the same stream in the same order.
 */
import type { Random } from "../rng/random.js";

/**
 * Writes `count` probes around `x` into `probes` (d = x.length values each), drawing each
 * direction into `rv`. `normFloor` is added to |u| (HSJA's 1e-12; PopSkipJump none).
 */
export function drawProbes(random: Random, x: Float32Array, delta: number, linf: boolean, rv: Float32Array, probes: Float32Array, count: number, normFloor = 0): void {
  const d = x.length;
  for (let i = 0; i < count; i++) {
    if (linf) for (let k = 0; k < d; k++) rv[k] = 2 * random.nextFloat() - 1;
    else random.fillNormal(rv);
    let norm = 0;
    for (let k = 0; k < d; k++) norm += rv[k] * rv[k];
    const scale = delta / (Math.sqrt(norm) + normFloor);
    for (let k = 0, p = i * d; k < d; k++, p++) probes[p] = x[k] + scale * rv[k];
  }
}

/**
 * Adds each answered probe's direction u_i = (probe - x) / delta to `sumU` and f_i u_i to
 * `sumFU` (f_i = +1 when answered adversarial, else -1); returns how many were adversarial.
 */
export function accumulateProbes(answers: ArrayLike<number>, probes: Float32Array, x: Float32Array, delta: number, count: number, sumU: Float64Array | Float32Array, sumFU: Float64Array | Float32Array): number {
  const d = x.length;
  let adversarial = 0;
  for (let i = 0; i < count; i++) {
    const f = answers[i] === 1 ? 1 : -1;
    if (f === 1) adversarial++;
    for (let k = 0, p = i * d; k < d; k++, p++) {
      const u = (probes[p] - x[k]) / delta;
      sumU[k] += u;
      sumFU[k] += f * u;
    }
  }
  return adversarial;
}
