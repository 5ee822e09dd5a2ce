/**
 * A small, fast experiment environment for tests: the analytic linear ONNX fixture
 * (test/fixtures/linear.onnx, 1x8x8, two classes), seeded synthetic images labelled by it (every
 * 7th label flipped, so some images are misclassified), a simple seeded attack, a bisection
 * calibration, the real CERTIFY and the real figure computations.
 */
import { readFileSync } from "node:fs";
import type { Attack } from "../../src/attacks/types.js";
import type { LabeledImages } from "../../src/data/types.js";
import type { DataConfig } from "../../src/experiments/plan/config.js";
import type { ExperimentEnvironment } from "../../src/experiments/execute/environment.js";
import { FIGURE_COMPUTATIONS } from "../../src/figures/compute.js";
import type { Classifier } from "../../src/model/classifier.js";
import { LinearClassifier } from "../../src/model/linear.js";
import { OnnxClassifier } from "../../src/model/onnx.js";
import { createRandom } from "../../src/rng/index.js";
import { certifyItem } from "../../src/experiments/execute/shipped.js";
import { SmoothedClassifier } from "../../src/smoothing/smoothed.js";

const FIXTURE = new URL("../fixtures/linear.onnx", import.meta.url);
const WEIGHTS = JSON.parse(readFileSync(new URL("../fixtures/linear.json", import.meta.url), "utf8")) as { shape: number[]; w: number[]; b: number };
const SHAPE = { channels: 1, height: 8, width: 8 };
const POOL = 200;

/** The synthetic pool: pixels 0.5 + N(0, 0.15^2) clipped, labelled by the linear rule, every 7th flipped. */
function pool(): LabeledImages {
  const random = createRandom(7);
  const d = 64;
  const images = new Float32Array(POOL * d);
  random.fillNormal(images, 0.5, 0.15);
  for (let i = 0; i < images.length; i++) images[i] = Math.min(1, Math.max(0, images[i]));
  const linear = new LinearClassifier(SHAPE, Float32Array.from(WEIGHTS.w), WEIGHTS.b);
  const labels = new Int32Array(POOL);
  for (let i = 0; i < POOL; i++) labels[i] = (linear.score(images, i) > 0 ? 1 : 0) ^ (i % 7 === 3 ? 1 : 0);
  return { source: "synthetic", shape: SHAPE, count: POOL, images, labels, indices: Int32Array.from({ length: POOL }, (_, i) => i), classNames: ["neg", "pos"] };
}

function select(all: LabeledImages, data: DataConfig): LabeledImages {
  let picks: number[];
  if (data.sample !== undefined) {
    const random = createRandom(data.seed ?? 0);
    const order = Array.from({ length: all.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random.nextFloat() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    picks = order.slice(0, data.sample);
  } else {
    const offset = data.offset ?? 0;
    picks = Array.from({ length: Math.min(data.count ?? all.count, all.count - offset) }, (_, i) => offset + i);
  }
  const d = 64;
  const images = new Float32Array(picks.length * d);
  picks.forEach((k, i) => images.set(all.images.subarray(k * d, (k + 1) * d), i * d));
  return { ...all, count: picks.length, images, labels: Int32Array.from(picks, (k) => all.labels[k]), indices: Int32Array.from(picks) };
}

export interface ProbeOptions {
  /** Binary-search steps per direction. */
  readonly steps: number;
  /** Milliseconds to wait before each query (a slow model, so tests can kill a run mid-way). */
  readonly delayMs: number;
}

/**
 * A minimal decision-based attack: random Gaussian directions, a step out to the box edge, then a
 * binary search towards the image while the point stays adversarial; until the budget ends it.
 */
export const probe: Attack<ProbeOptions> = async (oracle, image, _label, options, context) => {
  const d = image.length;
  const point = new Float32Array(d);
  const direction = new Float32Array(d);
  const { lower, upper } = oracle.bounds;
  let iterations = 0;
  for (;;) {
    context.random.fillNormal(direction);
    let lo = 0, hi = 1, found = false;
    for (let s = 0; s < options.steps + 1; s++) {
      const t = s === 0 ? hi : (lo + hi) / 2;
      for (let k = 0; k < d; k++) point[k] = Math.min(upper, Math.max(lower, image[k] + t * direction[k]));
      if (options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const adversarial = (await oracle.isAdversarial(point, 1))[0] === 1;
      if (s === 0) { if (!adversarial) break; found = true; continue; }
      if (adversarial) hi = t; else lo = t;
    }
    if (!found) context.anomalies.missed = (context.anomalies.missed ?? 0) + 1;
    iterations++;
  }
};

/** Models loaded by this module's environments in this thread, by name (tests of how often a run loads a model). */
export const MODEL_LOADS = new Map<string, number>();

export function createEnvironment(): ExperimentEnvironment {
  const all = pool();
  return {
    async loadModel(name, { threads }): Promise<Classifier> {
      MODEL_LOADS.set(name, (MODEL_LOADS.get(name) ?? 0) + 1);
      if (name === "broken") {
        // Loads (so the config resolves) but fails on every call: a work item that fails.
        const model = await OnnxClassifier.load(FIXTURE.pathname, { threads });
        const fail = async (): Promise<never> => { throw new Error("the broken fixture model fails on every call"); };
        return { shape: model.shape, numClasses: model.numClasses, bounds: model.bounds, forwardPasses: 0, predict: fail, votes: fail };
      }
      if (name !== "linear") throw new Error(`unknown fixture model ${JSON.stringify(name)}: expected "linear"`);
      return OnnxClassifier.load(FIXTURE.pathname, { threads });
    },
    async loadData(data) {
      if (data.dataset !== "synthetic") throw new Error(`unknown fixture dataset ${JSON.stringify(data.dataset)}: expected "synthetic"`);
      return select(all, data);
    },
    attacks: {
      probe: { attack: probe, defaults: { steps: 6, delayMs: 0 }, norms: ["l2", "linf"], defaultNorm: "l2" },
    },
    // Bisection on sigma for the smoothed accuracy clean - drop (accuracy falls with sigma on this data).
    async calibrate(base, data, { drop, n, batchSize, random, noise }) {
      const accuracyAt = async (classifier: Classifier) => {
        const labels = await classifier.predict(data.images, data.count);
        let hits = 0;
        for (let i = 0; i < data.count; i++) if (labels[i] === data.labels[i]) hits++;
        return hits / data.count;
      };
      const clean = await accuracyAt(base);
      let lo = 0, hi = 2, smoothed = clean;
      for (let step = 0; step < 12; step++) {
        const sigma = (lo + hi) / 2;
        smoothed = await accuracyAt(new SmoothedClassifier(base, { sigma, n, batchSize, random: random.fork(step), ...(noise === undefined ? {} : { noise }) }));
        if (clean - smoothed > drop) hi = sigma; else lo = sigma;
      }
      return { sigma: (lo + hi) / 2, cleanAccuracy: clean, smoothedAccuracy: smoothed, images: data.count, n };
    },
    // The real CERTIFY, through the shipped environment's adapter.
    certify: certifyItem,
    // The real Fig. 1-3 computations: on the linear model they run in milliseconds.
    figures: FIGURE_COMPUTATIONS,
  };
}
