import { deriveState } from "./hash.js";
import type { Random } from "./random.js";
import { ZIG_K, ZIG_W, ZIG_X, ZIGGURAT_R } from "./ziggurat.js";

const TWO_POW_M23 = 1 / 8388608; // 2^-23
const TWO_POW_M32 = 1 / 4294967296;
/**
 * fillNormal runs the hot loop over slices of at most this many values. With one long loop, the
 * first call of a large buffer is compiled on-stack (OSR) and V8 keeps running that slower OSR
 * code: 83M normals/s for 2^20-value buffers against 125M for small ones (bench/rng.bench.ts,
 * BENCHMARKS.md). Short calls get the regular optimised code at every size; the stream is unchanged.
 */
const FILL_CHUNK = 16384;

/**
 * xoshiro128** 1.0 (Blackman & Vigna 2018) with a 256-layer ziggurat Gaussian sampler.
 * Seeded from (seed, ...keys) through `deriveState`, so `new Xoshiro128(seed, [image, run])`
 * is the stream of one image in one run whatever else happens in the process.
 */
export class Xoshiro128 implements Random {
  readonly seed: number;
  /** The keys after the seed: `new Xoshiro128(seed, keys)` restarts this stream. */
  readonly keys: readonly number[];
  private readonly s: Uint32Array;

  constructor(seed: number, keys: readonly number[] = []) {
    this.s = deriveState(seed, keys); // validates seed and keys
    this.seed = seed;
    this.keys = keys;
  }

  nextUint32(): number {
    return next(this.s);
  }

  nextFloat(): number {
    return nextFloat(this.s);
  }

  normal(): number {
    const out = new Float64Array(1);
    fillNormalState64(this.s, out, 0, 1, 0, 1);
    return out[0];
  }

  /**
   * The live generator state (four words). Noise threads copy it out, advance the copy with
   * `fillNormalFromState` and copy it back, so a stream can be continued on another thread.
   */
  get state(): Uint32Array {
    return this.s;
  }

  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): void {
    const n = out.length;
    if (out instanceof Float32Array) {
      fillNormalFromState(this.s, out, mean, std);
    } else {
      for (let start = 0; start < n; start += FILL_CHUNK) fillNormalState64(this.s, out, start, Math.min(n, start + FILL_CHUNK), mean, std);
    }
  }

  fork(...keys: number[]): Random {
    return new Xoshiro128(this.seed, [...this.keys, ...keys]);
  }
}

/** A seeded generator for the stream (seed, ...keys). */
export function createRandom(seed: number, ...keys: number[]): Random {
  return new Xoshiro128(seed, keys);
}

/**
 * Fills `out` with N(mean, std^2) deviates from the xoshiro128** state `s` (advanced in place):
 * exactly the values `fillNormal` of a Xoshiro128 in that state gives. Any thread can run it.
 */
export function fillNormalFromState(s: Uint32Array, out: Float32Array, mean = 0, std = 1): void {
  const n = out.length;
  for (let start = 0; start < n; start += FILL_CHUNK) fillNormalState(s, out, start, Math.min(n, start + FILL_CHUNK), mean, std);
}

function next(s: Uint32Array): number {
  const s1 = s[1];
  const m = Math.imul(s1, 5);
  const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
  const t = s1 << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 11) | (s[3] >>> 21);
  return result;
}

function nextFloat(s: Uint32Array): number {
  const hi = next(s) >>> 5; // 27 bits
  const lo = next(s) >>> 6; // 26 bits
  return (hi * 67108864 + lo) / 9007199254740992;
}

/**
 * The hot loop of randomized smoothing. Module-level and monomorphic (one array type per copy)
 * with the generator state in locals: about 4x faster than the same code as a class method.
 * Layer index from the low 8 bits, signed abscissa from the high 24 bits (Doornik 2005).
 */
function fillNormalState(s: Uint32Array, out: Float32Array, start: number, end: number, mean: number, std: number): void {
  let s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
  const K = ZIG_K, W = ZIG_W; // locals: imported bindings are slower to read in a hot loop
  for (let k = start; k < end; k++) {
    let z = 0;
    for (;;) {
      const m = Math.imul(s1, 5);
      const u32 = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      const i = u32 & 0xff;
      const j = u32 >> 8;
      // Branch-free |j| (minus one for negative j): any |j| <= K[i] lies under the next
      // layer's edge, so the one extra value accepted on the negative side is still exact.
      if ((j ^ (j >> 31)) < K[i]) { z = j * W[i]; break; }
      s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
      z = slowPath(s, i, j * TWO_POW_M23);
      s0 = s[0]; s1 = s[1]; s2 = s[2]; s3 = s[3];
      if (z === z) break;
    }
    out[k] = mean + std * z;
  }
  s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
}

/** Same as fillNormalState for Float64Array (kept separate so each copy stays monomorphic). */
function fillNormalState64(s: Uint32Array, out: Float64Array, start: number, end: number, mean: number, std: number): void {
  let s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
  const K = ZIG_K, W = ZIG_W; // locals: imported bindings are slower to read in a hot loop
  for (let k = start; k < end; k++) {
    let z = 0;
    for (;;) {
      const m = Math.imul(s1, 5);
      const u32 = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
      const i = u32 & 0xff;
      const j = u32 >> 8;
      if ((j ^ (j >> 31)) < K[i]) { z = j * W[i]; break; }
      s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
      z = slowPath(s, i, j * TWO_POW_M23);
      s0 = s[0]; s1 = s[1]; s2 = s[2]; s3 = s[3];
      if (z === z) break;
    }
    out[k] = mean + std * z;
  }
  s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
}

/** Wedge or tail of the ziggurat for layer i and abscissa u in [-1, 1); NaN asks for a new draw. */
function slowPath(s: Uint32Array, i: number, u: number): number {
  if (i === 0) {
    // Tail beyond R (Marsaglia 1964): exponential proposals accepted against the normal density.
    let x: number, y: number;
    do {
      x = Math.log((next(s) + 0.5) * TWO_POW_M32) / ZIGGURAT_R;
      y = Math.log((next(s) + 0.5) * TWO_POW_M32);
    } while (-2 * y < x * x);
    return u < 0 ? x - ZIGGURAT_R : ZIGGURAT_R - x;
  }
  const x = u * ZIG_X[i];
  const f0 = Math.exp(-0.5 * (ZIG_X[i] * ZIG_X[i] - x * x));
  const f1 = Math.exp(-0.5 * (ZIG_X[i + 1] * ZIG_X[i + 1] - x * x));
  return f1 + nextFloat(s) * (f0 - f1) < 1 ? x : NaN;
}
