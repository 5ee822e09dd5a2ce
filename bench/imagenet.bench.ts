/**
 * g(sigma, n) at realistic size (issue 13), side by side in alternating rounds:
 * 1. ResNet-18 (and ResNet-50 with RSBENCH_BENCH_RESNET50=1: minutes more on 2 cores) at 3x224x224, built by bench/resnet.ts (skipped
 *    without python3 + torch): raw onnxruntime (session.run on a ready batch, no noise) against
 *    g(sigma, n) on one point with n = BATCHES batches per call, the noise drawn in the calling thread
 *    and on one noise thread ("per-draw", the layout that splits one point over threads), same
 *    batch (the default cap, 27 images) and onnxruntime threads (2). Target: g / raw >= 0.95.
 * 2. The physical bound of g / raw on the shipped 28x28 model, where the noise is about a third of
 *    the cost: model CPU time / (model + noise CPU time) per image, the model's from raw
 *    onnxruntime and the noise's from g(sigma, n) over a base model that costs nothing; the same
 *    bound at 224 on ResNet-18; next to it, the measured g / raw.
 * Rates per CPU second count every thread of the process (onnxruntime's and the noise thread's).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ort from "onnxruntime-node";
import { imageSize, OnnxClassifier, ONNX_DEFAULTS, type ImageShape } from "../src/model/index.js";
import { createRandom } from "../src/rng/index.js";
import { quick, rawSession, sideBySide, type Rate } from "./measure.js";
import { FreeClassifier, smoothedCase } from "./noise.bench.js";
import { ensureResnet, type ResnetArch } from "./resnet.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const MODEL_28 = `${root}models/fashion-mnist-standard.onnx`;
const SIGMA = 0.25;
const ROUNDS = quick() ? 3 : 5;
const SECONDS = quick() ? 0.5 : 1;
/**
 * Batches per g call: with two or more, the noise of the next batch is drawn while onnxruntime
 * runs the current one (the sampler's double buffering; onnxruntime-node runs off the JS thread).
 * CERTIFY's n = 100,000 is thousands of batches.
 */
const BATCHES = 2;

/** Raw onnxruntime on a ready batch of `batch` noisy images: a case of sideBySide. */
async function rawCase(path: string, shape: ImageShape, batch: number): Promise<{ run: () => Promise<number>; release: () => Promise<void> }> {
  const session = await rawSession(path);
  const dims = [shape.channels, shape.height, shape.width];
  const input = new Float32Array(batch * imageSize(shape));
  createRandom(1).fillNormal(input, 0.5, SIGMA);
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", input, [batch, ...dims]) };
  return { run: async () => { await session.run(feeds); return batch; }, release: () => session.release() };
}

function show(rates: Record<string, Rate>, reference: string): void {
  const r = rates[reference];
  for (const [name, rate] of Object.entries(rates)) {
    console.log(`  ${name.padEnd(46)} ${rate.wall.toFixed(1).padStart(9)} images/s wall (x${(rate.wall / r.wall).toFixed(3)})  ${rate.cpu.toFixed(1).padStart(9)} per CPU s (x${(rate.cpu / r.cpu).toFixed(3)})`);
  }
}

/** model CPU / (model + noise CPU) per image, from the two rates per CPU second. */
function bound(model: Rate, noise: Rate): number {
  return (1 / model.cpu) / (1 / model.cpu + 1 / noise.cpu);
}

async function resnet(arch: ResnetArch, name: string): Promise<void> {
  const path = ensureResnet(arch);
  if (!path) return;
  const model = await OnnxClassifier.load(path);
  const batch = model.maxBatch;
  const raw = await rawCase(path, model.shape, batch);
  const cases: Record<string, () => Promise<number>> = {
    "raw onnxruntime": raw.run,
    "g, noise in this thread": smoothedCase(model, { n: BATCHES * batch, points: 1, batchSize: batch, noise: "per-point", noiseThreads: 0 }),
    "g, per-draw, 1 noise thread": smoothedCase(model, { n: BATCHES * batch, points: 1, batchSize: batch, noise: "per-draw", noiseThreads: 1 }),
    "noise only (base model free)": smoothedCase(new FreeClassifier(model.shape), { n: BATCHES * batch, points: 1, batchSize: batch, noise: "per-point", noiseThreads: 0 }),
  };
  for (const c of Object.values(cases)) await c(); // warm-up: JIT, arenas, thread start
  console.log(`${name} 3x224x224 (${path.replace(root, "")}, random weights), batch ${batch}, ${ONNX_DEFAULTS.threads} onnxruntime threads, sigma ${SIGMA}, one point, n = ${BATCHES * batch} per call; median of ${ROUNDS} alternating ${SECONDS} s rounds`);
  const rates = await sideBySide(cases, ROUNDS, SECONDS);
  show(rates, "raw onnxruntime");
  console.log(`  physical bound model / (model + noise), CPU time: ${bound(rates["raw onnxruntime"], rates["noise only (base model free)"]).toFixed(3)}; target g / raw >= 0.95`);
  await raw.release();
  await model.dispose();
}

async function model28(): Promise<void> {
  if (!existsSync(MODEL_28)) {
    console.log(`skipped: ${MODEL_28} is missing`);
    return;
  }
  const batch = 1000;
  const model = await OnnxClassifier.load(MODEL_28, { maxBatch: batch });
  const raw = await rawCase(MODEL_28, model.shape, batch);
  const cases: Record<string, () => Promise<number>> = {
    "raw onnxruntime": raw.run,
    "g, noise in this thread": smoothedCase(model, { n: BATCHES * batch, points: 1, batchSize: batch, noise: "per-point", noiseThreads: 0 }),
    "noise only (base model free)": smoothedCase(new FreeClassifier(model.shape), { n: BATCHES * batch, points: 1, batchSize: batch, noise: "per-point", noiseThreads: 0 }),
  };
  for (const c of Object.values(cases)) await c();
  console.log(`models/fashion-mnist-standard.onnx (1x28x28, ${imageSize(model.shape)} normals per image), batch ${batch}, ${ONNX_DEFAULTS.threads} onnxruntime threads, sigma ${SIGMA}, one point, n = ${BATCHES * batch}; median of ${ROUNDS} alternating ${SECONDS} s rounds`);
  const rates = await sideBySide(cases, ROUNDS, SECONDS);
  show(rates, "raw onnxruntime");
  console.log(`  physical bound model / (model + noise), CPU time: ${bound(rates["raw onnxruntime"], rates["noise only (base model free)"]).toFixed(3)} (g / raw per CPU s measured: ${(rates["g, noise in this thread"].cpu / rates["raw onnxruntime"].cpu).toFixed(3)})`);
  await raw.release();
  await model.dispose();
}

export default async function run(): Promise<void> {
  await model28();
  await resnet("resnet18", "ResNet-18");
  if (process.env.RSBENCH_BENCH_RESNET50 === "1") await resnet("resnet50", "ResNet-50");
  else console.log("(ResNet-50: RSBENCH_BENCH_RESNET50=1 npm run bench -- imagenet)");
}
