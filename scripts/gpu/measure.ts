/**
 * The Node.js half of the GPU measurement (issue 15; docs/gpu.md), one run, side by side:
 * 1. the environment (Node, onnxruntime-node, its backends, the Vulkan loader and drivers);
 * 2. raw onnxruntime throughput on the device (session.run on a ready batch), per batch size;
 * 3. g(sigma, n) throughput on the same model and batch (noise on noise threads, "per-draw",
 *    and, at the largest batch, in the calling thread as today's default), as a ratio to raw;
 * 4. one HSJA attack (L2, 2000 queries) on g(sigma, n = 10), one image;
 * 5. label agreement with the CPU provider: the model on seeded random images (top-1 labels and
 *    the largest logit difference), and fashion-mnist-standard on real test images if given.
 * Results go to --out as JSON after every phase, so a run stopped early keeps what it measured.
 * Runs on the CPU too (--device cpu, any small model): that is how it is tested here.
 */
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import { ATTACKS } from "../../src/attacks/registry.js";
import { runAttack } from "../../src/attacks/run.js";
import { deviceSessionOptions, imageSize, OnnxClassifier, parseDevice, probeVulkan, type Device } from "../../src/model/index.js";
import { LabelOnlyOracle } from "../../src/oracle/labelOnly.js";
import { createRandom } from "../../src/rng/index.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";
import { sideBySide } from "../../bench/measure.js";

export interface MeasureOptions {
  readonly model: string;
  readonly device: Device;
  readonly batches: readonly number[];
  /** Seconds per measured round; each case gets `rounds` alternating rounds. */
  readonly seconds: number;
  readonly rounds: number;
  readonly sigma: number;
  readonly noiseThreads: number;
  /** HSJA budget and the n of g(sigma, n) it attacks. */
  readonly queries: number;
  readonly attackN: number;
  /** Random images of the agreement check. */
  readonly agreementImages: number;
  /** Raw float32 images of fashion-mnist-standard's test split and their labels (see pack.sh), or null. */
  readonly fashion: { readonly model: string; readonly images: string; readonly labels: string } | null;
  /** Stop starting phases after this many seconds. */
  readonly budgetSeconds: number;
  readonly out: string | null;
  readonly log: (line: string) => void;
}

type Report = Record<string, unknown>;

/** Seeded images in the model's bounds: smooth random blobs, not white noise, so that labels vary. */
function images(count: number, d: number, seed: number): Float32Array {
  const x = new Float32Array(count * d);
  const random = createRandom(seed);
  for (let i = 0; i < count; i++) {
    const a = random.nextFloat(), f = 1 + 8 * random.nextFloat(), phase = 6.283 * random.nextFloat();
    for (let t = 0; t < d; t++) x[i * d + t] = Math.min(1, Math.max(0, a + 0.3 * Math.sin(f * (t / d) * 6.283 + phase) + 0.1 * (random.nextFloat() - 0.5)));
  }
  return x;
}

async function session(path: string, device: Device, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all", ...deviceSessionOptions(device) });
}

/** Logits of `count` images, in chunks of `chunk`. */
async function logits(s: ort.InferenceSession, x: Float32Array, count: number, dims: readonly number[], chunk: number): Promise<Float32Array[]> {
  const d = imageSize({ channels: dims[0], height: dims[1], width: dims[2] });
  const out: Float32Array[] = [];
  for (let start = 0; start < count; start += chunk) {
    const m = Math.min(chunk, count - start);
    const result = await s.run({ [s.inputNames[0]]: new ort.Tensor("float32", x.slice(start * d, (start + m) * d), [m, ...dims]) });
    const scores = Float32Array.from(result[s.outputNames[0]].data as Float32Array);
    const k = scores.length / m;
    for (let i = 0; i < m; i++) out.push(scores.subarray(i * k, (i + 1) * k));
  }
  return out;
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let c = 1; c < v.length; c++) if (v[c] > v[best]) best = c;
  return best;
}

/** Top-1 agreement and the largest |logit difference| relative to the largest |logit|, device against CPU. */
function compare(device: Float32Array[], cpu: Float32Array[]): { images: number; agree: number; agreement: number; maxAbsDiff: number; maxRelDiff: number } {
  let agree = 0, maxAbs = 0, maxRel = 0;
  device.forEach((v, i) => {
    if (argmax(v) === argmax(cpu[i])) agree++;
    let scale = 0, diff = 0;
    for (let c = 0; c < v.length; c++) { scale = Math.max(scale, Math.abs(cpu[i][c])); diff = Math.max(diff, Math.abs(v[c] - cpu[i][c])); }
    maxAbs = Math.max(maxAbs, diff);
    maxRel = Math.max(maxRel, diff / (scale || 1));
  });
  return { images: device.length, agree, agreement: agree / device.length, maxAbsDiff: maxAbs, maxRelDiff: maxRel };
}

export async function measure(options: MeasureOptions): Promise<Report> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const report: Report = { options: { ...options, log: undefined }, started: new Date().toISOString() };
  const save = () => { if (options.out) writeFileSync(options.out, JSON.stringify(report, null, 2) + "\n"); };
  const phase = async (name: string, body: () => Promise<unknown>): Promise<void> => {
    if (elapsed() > options.budgetSeconds) {
      report[name] = { skipped: `time budget of ${options.budgetSeconds} s spent` };
    } else {
      const t0 = performance.now();
      try {
        report[name] = { ...(await body() as object), seconds: (performance.now() - t0) / 1000 };
      } catch (error) {
        report[name] = { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), seconds: (performance.now() - t0) / 1000 };
      }
    }
    options.log(`${name}: ${JSON.stringify(report[name])}`);
    save();
  };

  await phase("environment", async () => ({
    node: process.version, onnxruntime: ort.env.versions, backends: ort.listSupportedBackends?.(), cpus: cpus().length, cpu: cpus()[0]?.model, vulkan: probeVulkan(),
  }));

  const threads = Math.max(1, availableParallelism() - 1);
  let base: OnnxClassifier | null = null;
  await phase("load", async () => {
    base = await OnnxClassifier.load(options.model, { device: options.device, threads, maxBatch: Math.max(...options.batches) });
    return { shape: base.shape, classes: base.numClasses, device: options.device, onnxruntimeThreads: threads };
  });
  if (base === null) {
    save();
    return report;
  }
  const model: OnnxClassifier = base;
  const dims = [model.shape.channels, model.shape.height, model.shape.width];
  const d = imageSize(model.shape);
  const x = images(1, d, 1);

  await phase("throughput", async () => {
    const raw = await session(options.model, options.device, threads);
    const rows = [];
    for (const batch of options.batches) {
      const input = images(batch, d, 2);
      const feeds = { [raw.inputNames[0]]: new ort.Tensor("float32", input, [batch, ...dims]) };
      const g = new SmoothedClassifier(model, { sigma: options.sigma, n: 4 * batch, batchSize: batch, noise: "per-draw", noiseThreads: options.noiseThreads, random: createRandom(3) });
      const cases: Record<string, () => Promise<number>> = {
        raw: async () => { await raw.run(feeds); return batch; },
        threaded: async () => (await g.votes(x, 1)).forwardPasses,
      };
      if (batch === Math.max(...options.batches)) {
        const inline = new SmoothedClassifier(model, { sigma: options.sigma, n: 4 * batch, batchSize: batch, random: createRandom(3) });
        cases.inline = async () => (await inline.votes(x, 1)).forwardPasses;
      }
      for (const c of Object.values(cases)) await c(); // warm-up: shader compilation, arenas, threads
      const rates = await sideBySide(cases, options.rounds, options.seconds);
      const row = {
        batch,
        rawImagesPerSecond: rates.raw.wall,
        smoothedPerDrawThreadedPerSecond: rates.threaded.wall,
        ratioThreaded: rates.threaded.wall / rates.raw.wall,
        ...(rates.inline ? { smoothedInlinePerSecond: rates.inline.wall, ratioInline: rates.inline.wall / rates.raw.wall } : {}),
      };
      rows.push(row);
      options.log(`  batch ${batch}: ${JSON.stringify(row)}`);
    }
    await raw.release();
    return { noiseThreads: options.noiseThreads, sigma: options.sigma, rows };
  });

  await phase("hsja", async () => {
    const n = options.attackN;
    const g = new SmoothedClassifier(model, { sigma: options.sigma, n, batchSize: 1000, noise: "per-draw", noiseThreads: options.noiseThreads, random: createRandom(4) });
    const label = (await g.predict(x, 1))[0];
    // A start in another class: the first of 64 seeded images (blobs, then uniform noise) that g
    // labels otherwise; a randomly initialised ResNet sends most inputs to a few classes.
    const candidates = images(64, d, 5);
    const noise = createRandom(8);
    for (let t = 32 * d; t < 64 * d; t++) candidates[t] = noise.nextFloat();
    const others = await g.predict(candidates, 64);
    const k = others.findIndex((c) => c !== label);
    const oracle = new LabelOnlyOracle(g, x, label, { budget: options.queries, pa: 0.5 });
    const entry = ATTACKS.hsja;
    const result = await runAttack(oracle, {
      name: "hsja", attack: entry.attack, options: entry.optionsFor("l2"), norm: "l2", random: createRandom(6),
      startingPoint: k >= 0 ? candidates.subarray(k * d, (k + 1) * d) : undefined,
    });
    return { n, label, start: k >= 0 ? `seeded image ${k}` : "hsja's own", success: result.success, l2: result.l2, queries: result.queries, forwardPasses: result.forwardPasses, attackSeconds: result.seconds };
  });

  await phase("agreement", async () => {
    const [device, cpu] = await Promise.all([session(options.model, options.device, threads), session(options.model, "cpu", threads)]);
    const x = images(options.agreementImages, d, 7);
    const chunk = Math.min(64, options.agreementImages);
    const result = compare(await logits(device, x, options.agreementImages, dims, chunk), await logits(cpu, x, options.agreementImages, dims, chunk));
    await Promise.all([device.release(), cpu.release()]);
    return result;
  });

  if (options.fashion) {
    const fashion = options.fashion;
    await phase("agreementFashionMnist", async () => {
      const { readFileSync } = await import("node:fs");
      const buffer = readFileSync(fashion.images);
      const x = new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
      const labels = Int32Array.from(readFileSync(fashion.labels));
      const count = labels.length;
      const [device, cpu] = await Promise.all([session(fashion.model, options.device, threads), session(fashion.model, "cpu", threads)]);
      const dl = await logits(device, x, count, [1, 28, 28], 100), cl = await logits(cpu, x, count, [1, 28, 28], 100);
      const accuracy = (l: Float32Array[]) => l.filter((v, i) => argmax(v) === labels[i]).length / count;
      await Promise.all([device.release(), cpu.release()]);
      return { ...compare(dl, cl), accuracyDevice: accuracy(dl), accuracyCpu: accuracy(cl) };
    });
  }
  await model.dispose();
  report.totalSeconds = elapsed();
  save();
  return report;
}

/** Parses the command line (see docs/gpu.md). */
export function parseMeasureArgs(argv: readonly string[], log: (line: string) => void): MeasureOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      model: { type: "string" }, device: { type: "string", default: "webgpu" }, batches: { type: "string", default: "64,128,256" },
      seconds: { type: "string", default: "4" }, rounds: { type: "string", default: "3" }, sigma: { type: "string", default: "0.25" },
      "noise-threads": { type: "string" }, queries: { type: "string", default: "2000" }, n: { type: "string", default: "10" },
      "agreement-images": { type: "string", default: "256" }, fashion: { type: "string" }, budget: { type: "string", default: "330" }, out: { type: "string" },
    },
  });
  if (!values.model) throw new RangeError("missing --model: expected the path of an ONNX model");
  const number = (flag: string, text: string, integer: boolean) => {
    const v = Number(text);
    if (!(Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) throw new RangeError(`invalid --${flag}: expected ${integer ? "an integer" : "a number"} > 0, got ${JSON.stringify(text)}`);
    return v;
  };
  const fashionDir = values.fashion;
  return {
    model: values.model,
    device: parseDevice(values.device, "--device"),
    batches: values.batches!.split(",").map((b) => number("batches", b, true)),
    seconds: number("seconds", values.seconds!, false),
    rounds: number("rounds", values.rounds!, true),
    sigma: number("sigma", values.sigma!, false),
    noiseThreads: values["noise-threads"] === undefined ? Math.max(1, availableParallelism() - 1) : number("noise-threads", values["noise-threads"], true),
    queries: number("queries", values.queries!, true),
    attackN: number("n", values.n!, true),
    agreementImages: number("agreement-images", values["agreement-images"]!, true),
    fashion: fashionDir ? { model: "models/fashion-mnist-standard.onnx", images: `${fashionDir}/fashion-mnist-test.f32`, labels: `${fashionDir}/fashion-mnist-test.labels` } : null,
    budgetSeconds: number("budget", values.budget!, false),
    out: values.out ?? null,
    log,
  };
}

const isEntry = process.argv[1] !== undefined && /measure\.(ts|js|mjs)$/.test(process.argv[1]);
if (isEntry) {
  const log = (line: string) => process.stdout.write(line + "\n");
  const report = await measure(parseMeasureArgs(process.argv.slice(2), log));
  // Non-zero when a phase failed, so the one command says so.
  process.exitCode = Object.values(report).some((v) => typeof v === "object" && v !== null && "error" in v) ? 1 : 0;
}
