import type { Classifier, Votes } from "../model/classifier.js";
import { imageSize, MAX_BATCH_VALUES } from "../model/classifier.js";
import type { Random } from "../rng/random.js";
import { DEFAULT_NOISE_LAYOUT, noiseFiller, parseNoiseLayout, type NoiseFiller, type NoiseJob, type NoiseLayout } from "./noise.js";

/**
 * Says, for point i after `drawn` draws with vote row `counts[offset ..]`, how many more draws it
 * needs before its outcome could be settled (0 = stop). The full vote is `n - drawn`.
 */
export type StopRule = (counts: Int32Array, offset: number, drawn: number, point: number) => number;

/**
 * The Monte Carlo engine of g(sigma, n): votes of the base classifier on x + N(0, sigma^2 I)
 * for several points, with their noisy copies packed into base calls of up to `batchSize`
 * images and one reused buffer. Point i draws its noise from its own stream `streams[i]`, draw
 * after draw, so the noise (and the result) does not depend on the batch size, on the other
 * points, or on where a point stops early. The noise is in pixel space and not clipped to the
 * bounds, as in Cohen et al. (locuslab/smoothing code/core.py `_sample_noise`).
 *
 * The noise of a full buffer is drawn by a NoiseFiller (noise.ts): in this thread, or on noise
 * threads while the base model works on the other buffer. The layout says how copies map to
 * streams ("per-point", the default, or "per-draw"); the thread count never changes a value.
 */
export class NoisySampler {
  /** Two reused buffers of noisy images and the point each image belongs to. */
  private slots: Array<{ buffer: Float32Array; owner: Int32Array }> = [];
  private readonly d: number;

  private readonly filler: NoiseFiller;

  constructor(
    readonly base: Classifier,
    readonly sigma: number,
    readonly batchSize: number,
    readonly layout: NoiseLayout = DEFAULT_NOISE_LAYOUT,
    /** Noise threads; 0 draws in the calling thread. */
    readonly threads = 0,
  ) {
    this.d = imageSize(base.shape);
    this.filler = noiseFiller({ layout: parseNoiseLayout(layout), sigma, d: this.d }, threads);
  }

  /**
   * Votes of each of the `count` points of `points` (packed CHW images), drawing noise from
   * `streams[i]` until `rule` says stop; at most `n` draws per point. `onDraws`, when given, is
   * called after each base call with the draws answered so far by this call of `sample`, all
   * points together (for progress; it never changes a result).
   */
  async sample(input: Float32Array, count: number, streams: readonly Random[], n: number, rule: StopRule, onDraws?: (drawn: number) => void): Promise<Votes> {
    const d = this.d;
    const k = this.base.numClasses;
    const counts = new Int32Array(count * k);
    const draws = new Int32Array(count);
    const need = new Int32Array(count);
    let active: number[] = [];
    for (let i = 0; i < count; i++) {
      need[i] = Math.min(rule(counts, i * k, 0, i), n);
      if (need[i] > 0) active.push(i);
    }
    const size = Math.min(this.batchSize, active.reduce((s, i) => s + need[i], 0));
    if (size === 0) return { counts, draws, forwardPasses: 0 };
    const slots = this.slotsFor(size);
    const capacity = slots[0].owner.length;
    const points = this.filler.share(input);
    const generated = new Int32Array(count); // copies of each point drawn so far
    let jobs: NoiseJob[] = [];
    let slot = 0;
    let filled = 0;
    let passes = 0;
    let pending: Promise<void> | null = null;

    // Double buffering: a slot's noise is drawn while the base model works on the other slot
    // (by noise threads, or by this thread while an off-thread base runs); at most one base
    // call is in flight.
    const submit = async (): Promise<void> => {
      const { buffer, owner } = slots[slot];
      const drawing = Promise.resolve(this.filler.fill(buffer, points, jobs, streams));
      drawing.catch(() => {}); // handled where it is awaited (after the base call in flight)
      jobs = [];
      if (pending) await pending;
      await drawing;
      const m = filled;
      pending = this.base.predict(buffer.subarray(0, m * d), m).then((labels) => {
        for (let s = 0; s < m; s++) {
          const p = owner[s];
          counts[p * k + labels[s]]++;
          draws[p]++;
        }
        passes += m;
        onDraws?.(passes);
      });
      pending.catch(() => {}); // handled where it is awaited
      slot ^= 1;
      filled = 0;
    };

    // Rounds: each active point draws exactly what it needs before it could stop, then the rule looks again.
    while (active.length > 0) {
      for (const p of active) {
        let left = need[p];
        while (left > 0) {
          const m = Math.min(left, capacity - filled);
          jobs.push({ point: p, first: generated[p], count: m, slot: filled });
          generated[p] += m;
          slots[slot].owner.fill(p, filled, filled + m);
          filled += m;
          left -= m;
          if (filled === capacity) await submit();
        }
      }
      if (filled > 0) await submit();
      if (pending) await pending;
      pending = null;
      const next: number[] = [];
      for (const p of active) {
        need[p] = Math.min(rule(counts, p * k, draws[p], p), n - draws[p]);
        if (need[p] > 0) next.push(p);
      }
      active = next;
    }
    return { counts, draws, forwardPasses: passes };
  }

  /**
   * The two buffers, (re)allocated to hold min(batchSize, max(size, m)) images each, where the
   * head room m is 64 images but at most MAX_BATCH_VALUES / 4 values: an attack's one-image
   * queries at 3x224x224 then hold 6 images per buffer (3.6 MB), not 64 (38.5 MB).
   */
  private slotsFor(size: number): Array<{ buffer: Float32Array; owner: Int32Array }> {
    if (this.slots.length === 0 || this.slots[0].owner.length < size) {
      const headRoom = Math.max(1, Math.min(64, Math.floor(MAX_BATCH_VALUES / 4 / this.d)));
      const images = Math.min(this.batchSize, Math.max(size, headRoom));
      this.slots = [0, 1].map(() => ({ buffer: this.filler.allocate(images * this.d), owner: new Int32Array(images) }));
    }
    return this.slots;
  }
}
