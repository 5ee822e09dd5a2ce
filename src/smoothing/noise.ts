import type { Worker } from "node:worker_threads";
import { moduleWorker, siblingModule } from "../io/worker.js";
import { deriveState } from "../rng/hash.js";
import type { Random } from "../rng/random.js";
import { fillNormalFromState, Xoshiro128 } from "../rng/xoshiro.js";

/**
 * How the noise of g(sigma, n) is laid out in the random streams. Both give, for a given seed,
 * the same votes whatever the batch size, the early stopping or the number of noise threads.
 *
 * - "per-point" (the default, what every stored run used): point p draws its noisy copies one
 *   after the other from its own stream. The ziggurat sampler rejects a varying number of words,
 *   so where copy j starts in the stream is known only after drawing copies 0 .. j-1: threads can
 *   share out the points of a call, but never the copies of one point.
 * - "per-draw": copy j of point p has its own substream, `stream_p.fork(j)`. Any thread can draw
 *   any copy, so even a single point (CERTIFY's 100,000 copies, an attack's one-point queries)
 *   is split over every thread. Different numbers from "per-point", hence a separate name, kept
 *   in configs and records.
 */
export const NOISE_LAYOUTS = ["per-point", "per-draw"] as const;
/** How noise draws are laid out over a batch of points and draws. */
export type NoiseLayout = (typeof NOISE_LAYOUTS)[number];
/** The noise layout used unless told otherwise. */
export const DEFAULT_NOISE_LAYOUT: NoiseLayout = "per-point";

/** The layout named by `value`, or a RangeError listing the layouts. */
export function parseNoiseLayout(value: unknown, what = "noise layout"): NoiseLayout {
  if (typeof value === "string" && (NOISE_LAYOUTS as readonly string[]).includes(value)) return value as NoiseLayout;
  throw new RangeError(`invalid ${what}: expected one of ${NOISE_LAYOUTS.join(", ")}, got ${JSON.stringify(value)}`);
}

/** `count` noisy copies of point `point` (its copies `first` .. first + count - 1), written from image `slot` of a buffer on. */
export interface NoiseJob {
  readonly point: number;
  readonly first: number;
  readonly count: number;
  readonly slot: number;
}

/** What every filler needs: the layout, sigma and the image size d. */
export interface NoiseSpec {
  readonly layout: NoiseLayout;
  readonly sigma: number;
  readonly d: number;
}

/** Writes x_p + N(0, sigma^2 I) for every job into `buffer`, advancing the point streams of "per-point". */
export interface NoiseFiller {
  fill(buffer: Float32Array, points: Float32Array, jobs: readonly NoiseJob[], streams: readonly Random[]): Promise<void> | void;
  /** A buffer of `length` floats that the filler can write (shared memory for threads). */
  allocate(length: number): Float32Array;
  /** `points` where the filler can read them (a shared copy for threads, else the array itself). */
  share(points: Float32Array): Float32Array;
}

/** Adds point x (d values) to each of the `count` images of `block`, in float32 as the buffer stores them. */
export function addPoint(block: Float32Array, x: Float32Array, count: number, d: number): void {
  for (let j = 0, o = 0; j < count; j++) {
    for (let t = 0; t < d; t++, o++) block[o] += x[t];
  }
}

/** Fills one job in this thread from the point's stream (any Random). */
function fillJob(spec: NoiseSpec, buffer: Float32Array, points: Float32Array, job: NoiseJob, stream: Random): void {
  const { d, sigma } = spec;
  const x = points.subarray(job.point * d, (job.point + 1) * d);
  const block = buffer.subarray(job.slot * d, (job.slot + job.count) * d);
  if (spec.layout === "per-point") {
    stream.fillNormal(block, 0, sigma);
  } else {
    for (let t = 0; t < job.count; t++) stream.fork(job.first + t).fillNormal(block.subarray(t * d, (t + 1) * d), 0, sigma);
  }
  addPoint(block, x, job.count, d);
}

/** Noise drawn in the calling thread, job after job. */
export class InlineNoise implements NoiseFiller {
  constructor(readonly spec: NoiseSpec) {}

  fill(buffer: Float32Array, points: Float32Array, jobs: readonly NoiseJob[], streams: readonly Random[]): void {
    for (const job of jobs) fillJob(this.spec, buffer, points, job, streams[job.point]);
  }

  allocate(length: number): Float32Array {
    return new Float32Array(length);
  }

  share(points: Float32Array): Float32Array {
    return points;
  }
}

/** One job as a noise thread receives it: the stream as (seed, keys) and, for "per-point", its state at `state[4 * index]`. */
export interface NoiseTask {
  readonly id: number;
  readonly spec: NoiseSpec;
  readonly buffer: Float32Array;
  readonly points: Float32Array;
  readonly jobs: readonly NoiseJob[];
  readonly seeds: readonly number[];
  readonly keys: readonly (readonly number[])[];
  /** Shared stream states of "per-point", four words per job, advanced in place. */
  readonly states: Uint32Array;
}

/** What a noise thread runs for a task: the same values as fillJob with Xoshiro128 streams. */
export function runNoiseTask(task: NoiseTask): void {
  const { spec, buffer, points, jobs } = task;
  const { d, sigma } = spec;
  jobs.forEach((job, i) => {
    const x = points.subarray(job.point * d, (job.point + 1) * d);
    const block = buffer.subarray(job.slot * d, (job.slot + job.count) * d);
    if (spec.layout === "per-point") {
      fillNormalFromState(task.states.subarray(4 * i, 4 * i + 4), block, 0, sigma);
    } else {
      for (let t = 0; t < job.count; t++) {
        fillNormalFromState(deriveState(task.seeds[i], [...task.keys[i], job.first + t]), block.subarray(t * d, (t + 1) * d), 0, sigma);
      }
    }
    addPoint(block, x, job.count, d);
  });
}

/**
 * Shares the jobs out over `parts` threads, about the same number of copies each. "per-draw"
 * cuts jobs anywhere; "per-point" keeps each job whole (a point's stream is sequential).
 */
export function splitJobs(jobs: readonly NoiseJob[], parts: number, layout: NoiseLayout): NoiseJob[][] {
  const total = jobs.reduce((s, j) => s + j.count, 0);
  const out: NoiseJob[][] = Array.from({ length: parts }, () => []);
  let part = 0, taken = 0; // copies handed to parts before `part`, plus those in it
  const quota = (k: number) => Math.round(((k + 1) * total) / parts);
  for (const job of jobs) {
    if (layout === "per-point") {
      while (part < parts - 1 && taken >= quota(part)) part++;
      out[part].push(job);
      taken += job.count;
      continue;
    }
    let done = 0;
    while (done < job.count) {
      while (part < parts - 1 && taken >= quota(part)) part++;
      const m = part === parts - 1 ? job.count - done : Math.min(job.count - done, quota(part) - taken);
      out[part].push({ point: job.point, first: job.first + done, count: m, slot: job.slot + done });
      done += m;
      taken += m;
    }
  }
  return out.filter((p) => p.length > 0);
}

/** A started noise thread: answers tasks in order and does not keep the process alive while idle. */
class NoiseThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 0;

  constructor() {
    this.worker = moduleWorker(siblingModule(import.meta.url, "noiseWorker"));
    this.worker.unref();
    this.worker.on("message", (m: { id: number; error?: string }) => {
      const request = this.waiting.get(m.id);
      if (!request) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (m.error === undefined) request.resolve();
      else request.reject(new Error(`noise thread failed: ${m.error}`));
    });
    const failAll = (error: Error) => {
      for (const request of this.waiting.values()) request.reject(error);
      this.waiting.clear();
    };
    this.worker.on("error", (error) => failAll(new Error(`noise thread crashed: ${error.message}`)));
    this.worker.on("exit", (code) => failAll(new Error(`noise thread exited with code ${code}`)));
  }

  run(task: Omit<NoiseTask, "id">): Promise<void> {
    const id = this.nextId++;
    const answer = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.worker.ref();
    this.worker.postMessage({ ...task, id });
    return answer;
  }
}

/** Noise threads are started once per process and shared by every sampler (starting one costs ~0.1 s). */
const THREADS: NoiseThread[] = [];

function noiseThreads(count: number): NoiseThread[] {
  while (THREADS.length < count) THREADS.push(new NoiseThread());
  return THREADS.slice(0, count);
}

/**
 * Noise drawn on `threads` worker threads into shared memory, so the calling thread is free (it
 * waits for the model meanwhile). The same values as InlineNoise for the same layout and streams,
 * which must be Xoshiro128 (createRandom's): a thread rebuilds them from their seed and keys.
 */
export class ThreadedNoise implements NoiseFiller {
  constructor(readonly spec: NoiseSpec, readonly threads: number) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`invalid noise threads: expected an integer >= 1, got ${threads}`);
  }

  async fill(buffer: Float32Array, points: Float32Array, jobs: readonly NoiseJob[], streams: readonly Random[]): Promise<void> {
    const perPoint = this.spec.layout === "per-point";
    if (perPoint && new Set(jobs.map((j) => j.point)).size !== jobs.length) {
      throw new RangeError("per-point noise on threads: expected each point at most once per fill (its stream is sequential), got a point twice");
    }
    const parts = splitJobs(jobs, this.threads, this.spec.layout);
    const workers = noiseThreads(parts.length);
    const states = parts.map((part) => new Uint32Array(new SharedArrayBuffer(16 * part.length)));
    const xoshiro = (p: number): Xoshiro128 => {
      const stream = streams[p];
      if (!(stream instanceof Xoshiro128)) throw new TypeError(`noise threads need Xoshiro128 streams (from createRandom), got ${stream?.constructor?.name ?? typeof stream} for point ${p}`);
      return stream;
    };
    await Promise.all(parts.map((part, k) => {
      const chosen = part.map((job) => xoshiro(job.point));
      if (perPoint) chosen.forEach((s, i) => states[k].set(s.state, 4 * i));
      return workers[k].run({
        spec: this.spec, buffer, points, jobs: part, states: states[k],
        seeds: chosen.map((s) => s.seed), keys: chosen.map((s) => s.keys),
      });
    }));
    // Continue each point's stream where its thread left it.
    if (perPoint) parts.forEach((part, k) => part.forEach((job, i) => xoshiro(job.point).state.set(states[k].subarray(4 * i, 4 * i + 4))));
  }

  allocate(length: number): Float32Array {
    return new Float32Array(new SharedArrayBuffer(4 * length));
  }

  share(points: Float32Array): Float32Array {
    const copy = this.allocate(points.length);
    copy.set(points);
    return copy;
  }
}

/** In the calling thread for `threads` = 0, else on that many noise threads. */
export function noiseFiller(spec: NoiseSpec, threads: number): NoiseFiller {
  if (!Number.isSafeInteger(threads) || threads < 0) throw new RangeError(`invalid noise threads: expected an integer >= 0, got ${threads}`);
  return threads === 0 ? new InlineNoise(spec) : new ThreadedNoise(spec, threads);
}
