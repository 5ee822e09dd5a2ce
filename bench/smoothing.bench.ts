/**
 * Smoothing benchmarks (issue 2, "Performance"):
 * 1. g(sigma, n) throughput in base forward passes per second, divided by raw onnxruntime
 *    throughput (session.run on a ready batch) on the same model, batch size and threads.
 *    Measured side by side, alternating rounds, median of each.
 * 2. Early stopping at n = 100: share of forward passes saved for a point far from and a point
 *    near the boundary of the analytic linear fixture, for the majority vote and for the
 *    oracle's level-Pa (Pa = 0.5) threshold.
 * Models: the linear fixture, plus every real model given in RSBENCH_BENCH_MODELS (comma-separated
 * .onnx paths) or, by default, the shipped models/fashion-mnist-standard.onnx and
 * models/mnist-standard.onnx that exist.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ort from "onnxruntime-node";
import { imageSize, LinearClassifier, OnnxClassifier, ONNX_DEFAULTS } from "../src/model/index.js";
import { createRandom } from "../src/rng/index.js";
import { SmoothedClassifier } from "../src/smoothing/index.js";
import { median, quick, rate, rawSession } from "./measure.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const LINEAR = `${root}test/fixtures/linear.onnx`;
const BATCH = 1000;
const THREADS = ONNX_DEFAULTS.threads;
const SIGMA = 0.25;
const ROUNDS = quick() ? 3 : 5;

async function throughput(path: string, label: string): Promise<void> {
  const model = await OnnxClassifier.load(path, { threads: THREADS, maxBatch: BATCH });
  const threaded = await OnnxClassifier.load(path, { threads: THREADS, maxBatch: BATCH, worker: true });
  const d = imageSize(model.shape);
  const session = await rawSession(path, THREADS);
  const input = new Float32Array(BATCH * d);
  createRandom(1).fillNormal(input, 0.5, SIGMA);
  const tensor = new ort.Tensor("float32", input, [BATCH, model.shape.channels, model.shape.height, model.shape.width]);
  const feeds = { [session.inputNames[0]]: tensor };
  const x = new Float32Array(d).fill(0.5);
  const g = new SmoothedClassifier(model, { sigma: SIGMA, n: 4 * BATCH, batchSize: BATCH, random: createRandom(2) });
  const gw = new SmoothedClassifier(threaded, { sigma: SIGMA, n: 4 * BATCH, batchSize: BATCH, random: createRandom(2) });
  const seconds = quick() ? 0.5 : 1;
  for (let i = 0; i < 3; i++) { // warm-up (JIT, onnxruntime arenas)
    await session.run(feeds);
    await g.votes(x, 1);
    await gw.votes(x, 1);
  }
  const raw: Array<{ wall: number; cpu: number }> = [], inline: typeof raw = [], worker: typeof raw = [];
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(await rate(async () => { await session.run(feeds); return BATCH; }, seconds));
    inline.push(await rate(async () => (await g.votes(x, 1)).forwardPasses, seconds));
    worker.push(await rate(async () => (await gw.votes(x, 1)).forwardPasses, seconds));
  }
  const m = (rows: typeof raw, key: "wall" | "cpu") => median(rows.map((r) => r[key]));
  const line = (key: "wall" | "cpu", unit: string) => {
    const r = m(raw, key), s = m(inline, key), w = m(worker, key);
    return `  per ${unit}: raw onnxruntime ${Math.round(r)} images; g(sigma, n) ${Math.round(s)} forward passes, ratio ${(s / r).toFixed(3)}; ` +
      `g(sigma, n) with onnxruntime in a worker thread ${Math.round(w)}, ratio ${(w / r).toFixed(3)}`;
  };
  console.log(`${label} (${model.shape.channels}x${model.shape.height}x${model.shape.width}, batch ${BATCH}, ${THREADS} onnxruntime threads, sigma ${SIGMA}, median of ${ROUNDS} alternating ${seconds} s rounds)`);
  console.log(line("wall", "wall-clock second"));
  console.log(line("cpu", "CPU second of the process"));
  await session.release();
  await model.dispose();
  await threaded.dispose();
}

async function earlyStopping(): Promise<void> {
  const spec = JSON.parse(readFileSync(`${root}test/fixtures/linear.json`, "utf8")) as { w: number[]; b: number };
  const shape = { channels: 1, height: 8, width: 8 };
  const norm = Math.sqrt(spec.w.reduce((s, v) => s + v * v, 0));
  const score0 = spec.w.reduce((s, v) => s + v * 0.5, spec.b);
  const pointAt = (delta: number) => Float32Array.from({ length: 64 }, (_, i) => 0.5 + ((delta - score0 / norm) / norm) * spec.w[i]);
  const n = 100, points = 2000, sigma = 0.5;
  for (const [name, delta] of [["far (distance 2 sigma)", 2 * sigma], ["near (distance 0.1 sigma)", 0.1 * sigma]] as const) {
    const x = pointAt(delta);
    const batch = new Float32Array(points * 64);
    for (let i = 0; i < points; i++) batch.set(x, i * 64);
    const base = new LinearClassifier(shape, Float32Array.from(spec.w), spec.b);
    const majority = new SmoothedClassifier(base, { sigma, n, earlyStop: true, random: createRandom(3) });
    await majority.predict(batch, points);
    const threshold = new SmoothedClassifier(base, { sigma, n, random: createRandom(3) });
    await threshold.decideDiffering(batch, points, 0, 50); // class 0 is the wrong side: Pa = 0.5 of n = 100
    const saved = (passes: number) => `${(100 * (1 - passes / (n * points))).toFixed(1)}% saved`;
    console.log(`early stopping, n = ${n}, ${name}: majority vote ${saved(majority.forwardPasses)}, level-Pa 0.5 oracle ${saved(threshold.forwardPasses)} (${points} points)`);
  }
}

export default async function run(): Promise<void> {
  await throughput(LINEAR, "linear fixture");
  const models = process.env.RSBENCH_BENCH_MODELS
    ? process.env.RSBENCH_BENCH_MODELS.split(",").filter((p) => p !== "")
    : ["fashion-mnist-standard", "mnist-standard"].map((m) => `${root}models/${m}.onnx`).filter((p) => existsSync(p));
  for (const path of models) await throughput(path, path.replace(root, ""));
  await earlyStopping();
}
