/**
 * Noise at GPU rates (issue 15), side by side in alternating rounds:
 * 1. On the shipped 28x28 model: raw onnxruntime (session.run on a ready batch) against g(sigma, n)
 *    with the noise drawn in the calling thread (today's default) and on noise threads: one point
 *    with the "per-draw" layout (the only one that splits a point over threads), and 100 points
 *    with the default "per-point" layout (threads share out the points).
 * 2. Noise only at 3x224x224 (ResNet input size): g(sigma, n) over a base model that costs
 *    nothing, so the rate is the sampler's: noisy images per second, inline and on threads.
 * Thread counts: RSBENCH_NOISE_THREADS (comma-separated), by default 1 and 2.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ort from "onnxruntime-node";
import type { Classifier, ImageShape, Votes } from "../src/model/index.js";
import { imageSize, OnnxClassifier, ONNX_DEFAULTS } from "../src/model/index.js";
import { createRandom } from "../src/rng/index.js";
import { SmoothedClassifier, type NoiseLayout } from "../src/smoothing/index.js";
import { quick, rawSession, sideBySide, type Rate } from "./measure.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const MODEL = `${root}models/fashion-mnist-standard.onnx`;
const SIGMA = 0.25;
const ROUNDS = quick() ? 3 : 5;
const SECONDS = quick() ? 0.5 : 1;

/** Thread counts to measure. */
export function noiseThreadCounts(): number[] {
  const text = process.env.RSBENCH_NOISE_THREADS ?? "1,2";
  const counts = text.split(",").map(Number);
  if (!counts.every((t) => Number.isInteger(t) && t >= 1)) throw new RangeError(`invalid RSBENCH_NOISE_THREADS: expected comma-separated integers >= 1, got ${JSON.stringify(text)}`);
  return counts;
}

/** A base model that answers class 0 at once: what is left of g(sigma, n) is the noise and its bookkeeping. */
export class FreeClassifier implements Classifier {
  readonly numClasses = 2;
  readonly bounds = { lower: 0, upper: 1 };
  forwardPasses = 0;
  constructor(readonly shape: ImageShape) {}
  async predict(_batch: Float32Array, count: number): Promise<Int32Array> {
    this.forwardPasses += count;
    return new Int32Array(count);
  }
  async votes(): Promise<Votes> {
    throw new Error("not used");
  }
}

/** g(sigma, n) on `points` copies of x, `n` draws each: a case of sideBySide, counting forward passes. */
export function smoothedCase(base: Classifier, options: { n: number; points: number; batchSize: number; noise: NoiseLayout; noiseThreads: number }): () => Promise<number> {
  const g = new SmoothedClassifier(base, { sigma: SIGMA, n: options.n, batchSize: options.batchSize, noise: options.noise, noiseThreads: options.noiseThreads, random: createRandom(2) });
  const x = new Float32Array(options.points * imageSize(base.shape)).fill(0.5);
  return async () => (await g.votes(x, options.points)).forwardPasses;
}

function report(rates: Record<string, Rate>, reference: string, unit: string): void {
  const r = rates[reference];
  for (const [name, rate] of Object.entries(rates)) {
    console.log(`  ${name.padEnd(44)} ${Math.round(rate.wall).toString().padStart(8)} ${unit}/s wall (x${(rate.wall / r.wall).toFixed(2)})  ${Math.round(rate.cpu).toString().padStart(8)} per CPU s (x${(rate.cpu / r.cpu).toFixed(2)})`);
  }
}

async function model28(threads: number[]): Promise<void> {
  if (!existsSync(MODEL)) {
    console.log(`skipped: ${MODEL} is missing`);
    return;
  }
  const batch = 1000;
  const base = await OnnxClassifier.load(MODEL, { threads: ONNX_DEFAULTS.threads, maxBatch: batch });
  const session = await rawSession(MODEL);
  const input = new Float32Array(batch * imageSize(base.shape));
  createRandom(1).fillNormal(input, 0.5, SIGMA);
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", input, [batch, 1, 28, 28]) };
  const cases: Record<string, () => Promise<number>> = {
    "raw onnxruntime": async () => { await session.run(feeds); return batch; },
    "g, 1 point, noise in this thread": smoothedCase(base, { n: 4 * batch, points: 1, batchSize: batch, noise: "per-point", noiseThreads: 0 }),
  };
  for (const t of threads) cases[`g, 1 point, per-draw, ${t} noise thread(s)`] = smoothedCase(base, { n: 4 * batch, points: 1, batchSize: batch, noise: "per-draw", noiseThreads: t });
  cases["g, 100 points, noise in this thread"] = smoothedCase(base, { n: 40, points: 100, batchSize: batch, noise: "per-point", noiseThreads: 0 });
  for (const t of threads) cases[`g, 100 points, per-point, ${t} noise thread(s)`] = smoothedCase(base, { n: 40, points: 100, batchSize: batch, noise: "per-point", noiseThreads: t });
  for (const c of Object.values(cases)) await c(); // warm-up: JIT, arenas, thread start
  console.log(`models/fashion-mnist-standard.onnx (1x28x28, batch ${batch}, ${ONNX_DEFAULTS.threads} onnxruntime threads, sigma ${SIGMA}; median of ${ROUNDS} alternating ${SECONDS} s rounds; forward passes/s, ratio to raw)`);
  report(await sideBySide(cases, ROUNDS, SECONDS), "raw onnxruntime", "images");
  await session.release();
  await base.dispose();
}

async function noiseOnly(threads: number[]): Promise<void> {
  const shape = { channels: 3, height: 224, width: 224 };
  const base = new FreeClassifier(shape);
  const batch = 64;
  const cases: Record<string, () => Promise<number>> = {
    "noise in this thread": smoothedCase(base, { n: 4 * batch, points: 1, batchSize: batch, noise: "per-point", noiseThreads: 0 }),
  };
  for (const t of threads) cases[`per-draw, ${t} noise thread(s)`] = smoothedCase(base, { n: 4 * batch, points: 1, batchSize: batch, noise: "per-draw", noiseThreads: t });
  for (const c of Object.values(cases)) await c();
  console.log(`noise only, 3x224x224 (150528 normals per image), batch ${batch}, one point, n = ${4 * batch}; noisy images/s, ratio to this thread`);
  report(await sideBySide(cases, ROUNDS, SECONDS), "noise in this thread", "images");
}

export default async function run(): Promise<void> {
  const threads = noiseThreadCounts();
  await model28(threads);
  await noiseOnly(threads);
}
