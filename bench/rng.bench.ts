/**
 * Gaussian sampler throughput: normals per second of `fillNormal` on a Float32Array (the noise
 * buffers of randomized smoothing), side by side with a Box-Muller baseline driven by the same
 * xoshiro128** generator, so that the ratio isolates the Gaussian transform.
 * Target (issue 2): >= 100M normals/s.
 */
import { createRandom } from "../src/rng/index.js";
import { quick } from "./measure.js";

const SIZE = 1 << 20; // one call fills 2^20 values (4 MiB), like a batch of noisy images
const TRIALS = quick() ? 5 : 15;
const CALLS_PER_TRIAL = 8;
const TWO_POW_M32 = 1 / 4294967296;
const TWO_PI = 2 * Math.PI;

/**
 * Box-Muller with the generator inlined in a module-level loop (the same treatment as the
 * library's ziggurat): two uniforms u1 in (0, 1], u2 in [0, 1) give two normals.
 */
function boxMuller(s: Uint32Array, out: Float32Array): void {
  let s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
  const n = out.length;
  for (let k = 0; k < n; k += 2) {
    let m = Math.imul(s1, 5);
    const a = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    let t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    m = Math.imul(s1, 5);
    const b = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = (s3 << 11) | (s3 >>> 21);
    const r = Math.sqrt(-2 * Math.log((a + 1) * TWO_POW_M32));
    const theta = TWO_PI * b * TWO_POW_M32;
    out[k] = r * Math.cos(theta);
    if (k + 1 < n) out[k + 1] = r * Math.sin(theta);
  }
  s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
}

interface Rate {
  /** Normals per wall-clock second. */
  wall: number;
  /** Normals per second of CPU time of this process (user + system): what one core delivers
   * when other jobs share the machine (the CI and dev machines have 2 busy cores). */
  cpu: number;
}

/** Normals per second of `fill` over one trial (CALLS_PER_TRIAL calls of SIZE values). */
function rate(fill: () => void): Rate {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let c = 0; c < CALLS_PER_TRIAL; c++) fill();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu0);
  const cpu = (used.user + used.system) / 1e6;
  return { wall: (CALLS_PER_TRIAL * SIZE) / wall, cpu: (CALLS_PER_TRIAL * SIZE) / cpu };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export default async function (): Promise<void> {
  const out = new Float32Array(SIZE);
  const out64 = new Float64Array(SIZE);
  const random = createRandom(1);
  const state = Uint32Array.of(0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x2b7e1516);
  const ziggurat = (): void => random.fillNormal(out);
  const ziggurat64 = (): void => random.fillNormal(out64);
  const baseline = (): void => boxMuller(state, out);
  // Warm-up: let the JIT optimise every loop before timing.
  for (let i = 0; i < 3; i++) { rate(ziggurat); rate(ziggurat64); rate(baseline); }
  // Interleaved trials, so that load from other processes hits all three alike; report medians.
  const z: Rate[] = [], z64: Rate[] = [], b: Rate[] = [];
  for (let i = 0; i < TRIALS; i++) { z.push(rate(ziggurat)); z64.push(rate(ziggurat64)); b.push(rate(baseline)); }
  const med = (rs: Rate[]): Rate => ({ wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)) });
  const best = (rs: Rate[]): number => Math.max(...rs.map((r) => r.cpu));
  const mz = med(z), mz64 = med(z64), mb = med(b);
  const m = (x: number): string => `${(x / 1e6).toFixed(1)}M`;
  const line = (label: string, a: string, c: string, d: string): void => {
    process.stdout.write(`${label.padEnd(52)}${a.padStart(12)}${c.padStart(12)}${d.padStart(12)}\n`);
  };
  line("normals/s", "wall", "CPU", "best CPU");
  line("fillNormal, Float32Array (xoshiro128** + ziggurat)", m(mz.wall), m(mz.cpu), m(best(z)));
  line("fillNormal, Float64Array", m(mz64.wall), m(mz64.cpu), m(best(z64)));
  line("Box-Muller baseline, Float32Array (same generator)", m(mb.wall), m(mb.cpu), m(best(b)));
  const ratio = (x: number, y: number): string => `${(x / y).toFixed(2)}x`;
  line("ratio ziggurat / Box-Muller (Float32Array)", ratio(mz.wall, mb.wall), ratio(mz.cpu, mb.cpu), ratio(best(z), best(b)));
  const met = (x: number): string => (x >= 1e8 ? "met" : "not met");
  line("target >= 100M normals/s (Float32Array)", met(mz.wall), met(mz.cpu), met(best(z)));
  process.stdout.write(
    `(${TRIALS} interleaved trials of ${CALLS_PER_TRIAL} x 2^20 normals after warm-up: medians of wall-clock and\n` +
      ` CPU-time (user + system of this process) rates, and the best CPU-time trial, the least disturbed by other load)\n`,
  );
}
