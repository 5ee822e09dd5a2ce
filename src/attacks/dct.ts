import type { ImageShape } from "../model/classifier.js";

/**
 * Fast orthonormal DCT-II / DCT-III (its inverse) of any length, and their separable 2-D forms
 * applied per channel of a CHW image. SurFree draws its directions in this basis.
 *
 * Orthonormal DCT-II (scipy `dct(x, norm="ortho")`):
 *   X[k] = c_k sum_n x[n] cos(pi k (2n + 1) / (2N)),  c_0 = sqrt(1/N), c_k = sqrt(2/N),
 * and DCT-III with the same scaling is its inverse (the transform matrix is orthogonal).
 *
 * The 1-D transform is Makhoul's O(N log N) algorithm (J. Makhoul, "A fast cosine transform in
 * one and two dimensions", IEEE TASSP 28(1), 1980): reorder v = [x0, x2, x4, ..., x5, x3, x1],
 * take one complex N-point FFT V, and X[k] = c_k Re(exp(-i pi k / (2N)) V[k]). The inverse runs
 * the same steps backwards, using V[k] = exp(i pi k / (2N)) (X_u[k] - i X_u[N - k]).
 * The FFT is a mixed-radix Stockham autosort FFT (radix 4, 2, 3 and a generic prime radix), so
 * every length works; its cost is O(N * sum of the prime factors of N), O(N log N) for the
 * image sizes in use (28 = 4 * 7, 32, 224 = 4^2 * 2 * 7, 30 = 2 * 3 * 5).
 * Plans (factorisation, twiddles, scratch) are cached per length; transforms allocate nothing.
 */

/** A complex FFT of one length: forward DFT X[k] = sum_n x[n] exp(-2 pi i k n / N), in place. */
class FftPlan {
  readonly factors: readonly number[];
  private readonly cos: Float64Array; // cos(2 pi j / N)
  private readonly sin: Float64Array; // sin(2 pi j / N)
  private readonly scratchRe: Float64Array;
  private readonly scratchIm: Float64Array;
  private readonly ar: Float64Array; // generic-radix inputs
  private readonly ai: Float64Array;
  /**
   * Per generic radix p: the p x p butterfly twiddles, re[k p + r] = cos(2 pi (r k mod p) / p) and
   * im = -sin(...), the very table values the butterfly would look up (so the same products).
   */
  private readonly radixTwiddles = new Map<number, { re: Float64Array; im: Float64Array }>();

  constructor(readonly n: number) {
    this.factors = factorize(n);
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      this.cos[j] = Math.cos((2 * Math.PI * j) / n);
      this.sin[j] = Math.sin((2 * Math.PI * j) / n);
    }
    this.scratchRe = new Float64Array(n);
    this.scratchIm = new Float64Array(n);
    const maxP = Math.max(1, ...this.factors);
    this.ar = new Float64Array(maxP);
    this.ai = new Float64Array(maxP);
    for (const p of this.factors) {
      if (p === 2 || p === 4 || this.radixTwiddles.has(p)) continue;
      const re = new Float64Array(p * p), im = new Float64Array(p * p);
      const pStep = n / p;
      for (let k = 0; k < p; k++) {
        for (let r = 0; r < p; r++) {
          const t = ((r * k) % p) * pStep;
          re[k * p + r] = this.cos[t];
          im[k * p + r] = -this.sin[t];
        }
      }
      this.radixTwiddles.set(p, { re, im });
    }
  }

  /** Forward DFT of (re, im), in place. */
  transform(re: Float64Array, im: Float64Array): void {
    const N = this.n;
    const cos = this.cos, sin = this.sin;
    let xr = re, xi = im, yr = this.scratchRe, yi = this.scratchIm;
    let n = N, s = 1;
    for (const p of this.factors) {
      const m = n / p;
      const step = N / n; // omega_n^j = W_N^(j * step)
      if (p === 4) {
        for (let q = 0; q < m; q++) {
          const t1 = q * step, t2 = 2 * t1, t3 = 3 * t1;
          const w1r = cos[t1], w1i = -sin[t1], w2r = cos[t2], w2i = -sin[t2], w3r = cos[t3], w3i = -sin[t3];
          for (let s0 = 0; s0 < s; s0++) {
            const i0 = s0 + s * q, i1 = i0 + s * m, i2 = i1 + s * m, i3 = i2 + s * m;
            const a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1];
            const a2r = xr[i2], a2i = xi[i2], a3r = xr[i3], a3i = xi[i3];
            const t0r = a0r + a2r, t0i = a0i + a2i, u1r = a0r - a2r, u1i = a0i - a2i;
            const t2r = a1r + a3r, t2i = a1i + a3i;
            const t3r = a1i - a3i, t3i = a3r - a1r; // (a1 - a3) * (-i)
            const o = s0 + s * 4 * q;
            yr[o] = t0r + t2r; yi[o] = t0i + t2i;
            const b1r = u1r + t3r, b1i = u1i + t3i;
            const b2r = t0r - t2r, b2i = t0i - t2i;
            const b3r = u1r - t3r, b3i = u1i - t3i;
            yr[o + s] = b1r * w1r - b1i * w1i; yi[o + s] = b1r * w1i + b1i * w1r;
            yr[o + 2 * s] = b2r * w2r - b2i * w2i; yi[o + 2 * s] = b2r * w2i + b2i * w2r;
            yr[o + 3 * s] = b3r * w3r - b3i * w3i; yi[o + 3 * s] = b3r * w3i + b3i * w3r;
          }
        }
      } else if (p === 2) {
        for (let q = 0; q < m; q++) {
          const wr = cos[q * step], wi = -sin[q * step];
          for (let s0 = 0; s0 < s; s0++) {
            const i0 = s0 + s * q, i1 = i0 + s * m;
            const ar = xr[i0], ai = xi[i0], br = xr[i1], bi = xi[i1];
            const o = s0 + s * 2 * q;
            yr[o] = ar + br; yi[o] = ai + bi;
            const dr = ar - br, di = ai - bi;
            yr[o + s] = dr * wr - di * wi; yi[o + s] = dr * wi + di * wr;
          }
        }
      } else if (p === 7) {
        // The generic butterfly below with its 7 inputs in registers (224 = 4 * 4 * 2 * 7,
        // 28 = 4 * 7): the same products and sums in the same order, so the same values.
        const { re: bwr, im: bwi } = this.radixTwiddles.get(7)!;
        for (let q = 0; q < m; q++) {
          const twStep = q * step;
          for (let s0 = 0; s0 < s; s0++) {
            const i0 = s0 + s * q, sm = s * m, o = s0 + s * 7 * q;
            const a0r = xr[i0], a1r = xr[i0 + sm], a2r = xr[i0 + 2 * sm], a3r = xr[i0 + 3 * sm], a4r = xr[i0 + 4 * sm], a5r = xr[i0 + 5 * sm], a6r = xr[i0 + 6 * sm];
            const a0i = xi[i0], a1i = xi[i0 + sm], a2i = xi[i0 + 2 * sm], a3i = xi[i0 + 3 * sm], a4i = xi[i0 + 4 * sm], a5i = xi[i0 + 5 * sm], a6i = xi[i0 + 6 * sm];
            let tw = 0;
            for (let k = 0, t = 0; k < 7; k++, t += 7) {
              let sr = 0, si = 0, wr = bwr[t], wi = bwi[t];
              sr += a0r * wr - a0i * wi; si += a0r * wi + a0i * wr; wr = bwr[t + 1]; wi = bwi[t + 1];
              sr += a1r * wr - a1i * wi; si += a1r * wi + a1i * wr; wr = bwr[t + 2]; wi = bwi[t + 2];
              sr += a2r * wr - a2i * wi; si += a2r * wi + a2i * wr; wr = bwr[t + 3]; wi = bwi[t + 3];
              sr += a3r * wr - a3i * wi; si += a3r * wi + a3i * wr; wr = bwr[t + 4]; wi = bwi[t + 4];
              sr += a4r * wr - a4i * wi; si += a4r * wi + a4i * wr; wr = bwr[t + 5]; wi = bwi[t + 5];
              sr += a5r * wr - a5i * wi; si += a5r * wi + a5i * wr; wr = bwr[t + 6]; wi = bwi[t + 6];
              sr += a6r * wr - a6i * wi; si += a6r * wi + a6i * wr;
              wr = cos[tw]; wi = -sin[tw];
              yr[o + s * k] = sr * wr - si * wi; yi[o + s * k] = sr * wi + si * wr;
              tw += twStep;
              if (tw >= N) tw -= N;
            }
          }
        }
      } else {
        const ar = this.ar, ai = this.ai;
        const { re: bwr, im: bwi } = this.radixTwiddles.get(p)!;
        for (let q = 0; q < m; q++) {
          const twStep = q * step; // < N / p: one subtraction keeps the index in range
          for (let s0 = 0; s0 < s; s0++) {
            for (let r = 0; r < p; r++) {
              const i = s0 + s * (q + r * m);
              ar[r] = xr[i]; ai[r] = xi[i];
            }
            const o = s0 + s * p * q;
            let tw = 0;
            for (let k = 0; k < p; k++) {
              let sr = 0, si = 0;
              for (let r = 0, t = k * p; r < p; r++, t++) {
                const wr = bwr[t], wi = bwi[t];
                sr += ar[r] * wr - ai[r] * wi;
                si += ar[r] * wi + ai[r] * wr;
              }
              const wr = cos[tw], wi = -sin[tw];
              yr[o + s * k] = sr * wr - si * wi;
              yi[o + s * k] = sr * wi + si * wr;
              tw += twStep;
              if (tw >= N) tw -= N;
            }
          }
        }
      }
      const tr = xr; xr = yr; yr = tr;
      const ti = xi; xi = yi; yi = ti;
      n = m;
      s *= p;
    }
    if (xr !== re) {
      re.set(xr);
      im.set(xi);
    }
  }
}

/** Radices for the Stockham FFT: 4s first, then a 2, then odd primes ascending. */
function factorize(n: number): number[] {
  const out: number[] = [];
  let m = n;
  while (m % 4 === 0) { out.push(4); m /= 4; }
  if (m % 2 === 0) { out.push(2); m /= 2; }
  for (let p = 3; p * p <= m; p += 2) {
    while (m % p === 0) { out.push(p); m /= p; }
  }
  if (m > 1) out.push(m);
  return out;
}

/** The orthonormal DCT-II and DCT-III of one length (see the module comment). */
export class DctPlan {
  private readonly fft: FftPlan;
  private readonly wr: Float64Array; // cos(pi k / (2N))
  private readonly wi: Float64Array; // sin(pi k / (2N))
  private readonly scale: Float64Array; // c_k
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`invalid DCT length: expected a positive integer, got ${n}`);
    this.fft = new FftPlan(n);
    this.wr = new Float64Array(n);
    this.wi = new Float64Array(n);
    this.scale = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.wr[k] = Math.cos((Math.PI * k) / (2 * n));
      this.wi[k] = Math.sin((Math.PI * k) / (2 * n));
      this.scale[k] = Math.sqrt((k === 0 ? 1 : 2) / n);
    }
    this.re = new Float64Array(n);
    this.im = new Float64Array(n);
  }

  /**
   * Orthonormal DCT-II of the n values src[srcOffset + i * srcStride] into
   * dst[dstOffset + k * dstStride]. src and dst may be the same array (in place).
   */
  forward(src: ArrayLike<number>, srcOffset: number, srcStride: number,
          dst: Float32Array | Float64Array, dstOffset: number, dstStride: number): void {
    const n = this.n, re = this.re, im = this.im;
    const half = (n + 1) >> 1;
    for (let i = 0; i < half; i++) re[i] = src[srcOffset + 2 * i * srcStride];
    for (let i = 0; i < n >> 1; i++) re[n - 1 - i] = src[srcOffset + (2 * i + 1) * srcStride];
    im.fill(0);
    this.fft.transform(re, im);
    const wr = this.wr, wi = this.wi, c = this.scale;
    for (let k = 0; k < n; k++) dst[dstOffset + k * dstStride] = c[k] * (re[k] * wr[k] + im[k] * wi[k]);
  }

  /**
   * Two DCT-IIs (sequences a and b, same stride) for the price of one complex FFT: a and b go in
   * as the real and imaginary parts, and V_a[k] = (Z[k] + conj Z[N-k]) / 2,
   * V_b[k] = (Z[k] - conj Z[N-k]) / 2i.
   */
  forward2(src: ArrayLike<number>, aOffset: number, bOffset: number, srcStride: number,
           dst: Float32Array | Float64Array, aDst: number, bDst: number, dstStride: number): void {
    const n = this.n, re = this.re, im = this.im;
    const half = (n + 1) >> 1;
    for (let i = 0; i < half; i++) {
      re[i] = src[aOffset + 2 * i * srcStride];
      im[i] = src[bOffset + 2 * i * srcStride];
    }
    for (let i = 0; i < n >> 1; i++) {
      re[n - 1 - i] = src[aOffset + (2 * i + 1) * srcStride];
      im[n - 1 - i] = src[bOffset + (2 * i + 1) * srcStride];
    }
    this.fft.transform(re, im);
    const wr = this.wr, wi = this.wi, c = this.scale;
    for (let k = 0; k < n; k++) {
      const j = k === 0 ? 0 : n - k;
      const zr = re[k], zi = im[k], cr = re[j], ci = -im[j];
      const ar = (zr + cr) / 2, ai = (zi + ci) / 2;
      const br = (zi - ci) / 2, bi = (cr - zr) / 2;
      dst[aDst + k * dstStride] = c[k] * (ar * wr[k] + ai * wi[k]);
      dst[bDst + k * dstStride] = c[k] * (br * wr[k] + bi * wi[k]);
    }
  }

  /** Two DCT-IIIs in one complex FFT: IDFT(V_a + i V_b) = v_a + i v_b, both real. */
  inverse2(src: ArrayLike<number>, aOffset: number, bOffset: number, srcStride: number,
           dst: Float32Array | Float64Array, aDst: number, bDst: number, dstStride: number): void {
    const n = this.n, re = this.re, im = this.im, wr = this.wr, wi = this.wi, c = this.scale;
    for (let k = 0; k < n; k++) {
      const ar0 = src[aOffset + k * srcStride] / c[k];
      const ai0 = k === 0 ? 0 : -src[aOffset + (n - k) * srcStride] / c[n - k];
      const br0 = src[bOffset + k * srcStride] / c[k];
      const bi0 = k === 0 ? 0 : -src[bOffset + (n - k) * srcStride] / c[n - k];
      const var_ = ar0 * wr[k] - ai0 * wi[k], vai = ar0 * wi[k] + ai0 * wr[k];
      const vbr = br0 * wr[k] - bi0 * wi[k], vbi = br0 * wi[k] + bi0 * wr[k];
      re[k] = var_ - vbi; // conj(V_a + i V_b)
      im[k] = -(vai + vbr);
    }
    this.fft.transform(re, im);
    const half = (n + 1) >> 1;
    for (let i = 0; i < half; i++) {
      dst[aDst + 2 * i * dstStride] = re[i] / n;
      dst[bDst + 2 * i * dstStride] = -im[i] / n;
    }
    for (let i = 0; i < n >> 1; i++) {
      dst[aDst + (2 * i + 1) * dstStride] = re[n - 1 - i] / n;
      dst[bDst + (2 * i + 1) * dstStride] = -im[n - 1 - i] / n;
    }
  }

  /** Orthonormal DCT-III (the inverse of `forward`), same addressing. */
  inverse(src: ArrayLike<number>, srcOffset: number, srcStride: number,
          dst: Float32Array | Float64Array, dstOffset: number, dstStride: number): void {
    const n = this.n, re = this.re, im = this.im, wr = this.wr, wi = this.wi, c = this.scale;
    // V[k] = exp(i pi k / 2N) (X_u[k] - i X_u[N - k]), conjugated for an inverse through the forward FFT.
    for (let k = 0; k < n; k++) {
      const zr = src[srcOffset + k * srcStride] / c[k];
      const zi = k === 0 ? 0 : -src[srcOffset + (n - k) * srcStride] / c[n - k];
      re[k] = zr * wr[k] - zi * wi[k];
      im[k] = -(zr * wi[k] + zi * wr[k]);
    }
    this.fft.transform(re, im);
    // v = conj(FFT(conj V)) / N; only the real part is needed.
    const half = (n + 1) >> 1;
    for (let i = 0; i < half; i++) dst[dstOffset + 2 * i * dstStride] = re[i] / n;
    for (let i = 0; i < n >> 1; i++) dst[dstOffset + (2 * i + 1) * dstStride] = re[n - 1 - i] / n;
  }
}

const plans = new Map<number, DctPlan>();

/** The cached plan for length n. */
export function dctPlan(n: number): DctPlan {
  let plan = plans.get(n);
  if (!plan) {
    plan = new DctPlan(n);
    plans.set(n, plan);
  }
  return plan;
}

/** Orthonormal 1-D DCT-II of x (a new array, or `out`). */
export function dct(x: ArrayLike<number>, out = new Float64Array(x.length)): Float64Array {
  dctPlan(x.length).forward(x, 0, 1, out, 0, 1);
  return out;
}

/** Orthonormal 1-D DCT-III of x, the inverse of `dct` (a new array, or `out`). */
export function idct(x: ArrayLike<number>, out = new Float64Array(x.length)): Float64Array {
  dctPlan(x.length).inverse(x, 0, 1, out, 0, 1);
  return out;
}

function check2d(src: ArrayLike<number>, dst: ArrayLike<number>, shape: ImageShape): void {
  const d = shape.channels * shape.height * shape.width;
  if (src.length !== d || dst.length !== d) {
    throw new RangeError(`2-D DCT of a ${shape.channels}x${shape.height}x${shape.width} image: expected ${d} values, got ${src.length} in and ${dst.length} out`);
  }
}

/**
 * Separable orthonormal 2-D DCT-II of each channel of a CHW image (scipy
 * `dct(dct(a, axis=-1, norm="ortho"), axis=-2, norm="ortho")`). `dst` may be `src`.
 */
export function dct2d(src: Float32Array | Float64Array, shape: ImageShape, dst: Float32Array | Float64Array = new Float64Array(src.length)) {
  check2d(src, dst, shape);
  const { channels, height: h, width: w } = shape;
  const rows = dctPlan(w), cols = dctPlan(h);
  for (let c = 0; c < channels; c++) {
    const base = c * h * w;
    let y = 0;
    for (; y + 1 < h; y += 2) rows.forward2(src, base + y * w, base + (y + 1) * w, 1, dst, base + y * w, base + (y + 1) * w, 1);
    if (y < h) rows.forward(src, base + y * w, 1, dst, base + y * w, 1);
    let x = 0;
    for (; x + 1 < w; x += 2) cols.forward2(dst, base + x, base + x + 1, w, dst, base + x, base + x + 1, w);
    if (x < w) cols.forward(dst, base + x, w, dst, base + x, w);
  }
  return dst;
}

/** Inverse of `dct2d` (orthonormal 2-D DCT-III per channel). `dst` may be `src`. */
export function idct2d(src: Float32Array | Float64Array, shape: ImageShape, dst: Float32Array | Float64Array = new Float64Array(src.length)) {
  check2d(src, dst, shape);
  const { channels, height: h, width: w } = shape;
  const rows = dctPlan(w), cols = dctPlan(h);
  for (let c = 0; c < channels; c++) {
    const base = c * h * w;
    let x = 0;
    for (; x + 1 < w; x += 2) cols.inverse2(src, base + x, base + x + 1, w, dst, base + x, base + x + 1, w);
    if (x < w) cols.inverse(src, base + x, w, dst, base + x, w);
    let y = 0;
    for (; y + 1 < h; y += 2) rows.inverse2(dst, base + y * w, base + (y + 1) * w, 1, dst, base + y * w, base + (y + 1) * w, 1);
    if (y < h) rows.inverse(dst, base + y * w, 1, dst, base + y * w, 1);
  }
  return dst;
}

/**
 * The low-frequency mask of SurFree: the first `floor(H W hi)` coefficients of an H x W DCT in
 * zig-zag order (anti-diagonals i + j = s, direction alternating), skipping the first
 * `floor(H W lo)`, as 1/0 in row-major order.
 * @see t-maho/SurFree surfree.py `get_zig_zag_mask(frequence_range, mask_shape)`; identical for
 * square shapes. (The official writes mask[j, i] on even anti-diagonals, which indexes out of
 * range when W > H; here the transposed position is taken only where it exists.)
 */
export function zigZagMask(height: number, width: number, frequencyRange: readonly [number, number]): Uint8Array {
  const [lo, hi] = frequencyRange;
  if (!(lo >= 0 && lo <= hi && hi <= 1)) {
    throw new RangeError(`invalid frequency range: expected 0 <= lo <= hi <= 1, got [${lo}, ${hi}]`);
  }
  const total = height * width;
  let keep = Math.floor(total * hi);
  let skip = Math.floor(total * lo);
  const mask = new Uint8Array(total);
  for (let s = 0; keep > 0 && s <= height + width - 2; s++) {
    // Anti-diagonal s, walked down the rows on odd s and up the rows on even s (as the official).
    for (let t = 0; t <= s && keep > 0; t++) {
      const row = s % 2 === 1 ? t : s - t;
      const col = s - row;
      if (row >= height || col >= width) continue;
      if (skip > 0) { skip--; continue; }
      mask[row * width + col] = 1;
      keep--;
    }
  }
  return mask;
}
