import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { LabeledImages } from "../../src/data/types.js";
import { LinearClassifier } from "../../src/model/index.js";
import { certifiedAccuracy, certifyImages, predictImages } from "../../src/smoothing/index.js";
import { maxCertifiableRadius } from "../../src/theory/index.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const spec = JSON.parse(readFileSync(fixture("linear.json"), "utf8")) as { w: number[]; b: number };
const shape = { channels: 1, height: 8, width: 8 };
const linear = () => new LinearClassifier(shape, Float32Array.from(spec.w), spec.b);
const norm = Math.sqrt(spec.w.reduce((s, v) => s + v * v, 0));

function pointAt(delta: number): Float32Array {
  const score = spec.w.reduce((s, v) => s + v * 0.5, spec.b);
  const step = (delta - score / norm) / norm;
  return Float32Array.from({ length: 64 }, (_, i) => 0.5 + step * spec.w[i]);
}

/** Images at signed distances `deltas` with the given labels and source indices. */
function set(deltas: number[], labels: number[], indices: number[]): LabeledImages {
  const images = new Float32Array(deltas.length * 64);
  deltas.forEach((d, i) => images.set(pointAt(d), i * 64));
  return { source: "linear", shape, count: deltas.length, images, labels: Int32Array.from(labels), indices: Int32Array.from(indices), classNames: ["0", "1"] };
}

const all = set([1.5, -1.5, 0.01, 1.2], [1, 0, 1, 0], [10, 11, 12, 13]); // the last label is wrong

test("certifyImages certifies far points, abstains near the boundary, and summarises", async () => {
  const seen: number[] = [];
  const options = { sigma: 0.5, n0: 50, n: 500, alpha: 0.01, seed: 3, onImage: (_row: unknown, done: number) => seen.push(done) };
  const { summary, images } = await certifyImages(linear(), all, options);
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.deepEqual(images.map((r) => r.index), [10, 11, 12, 13]);
  assert.deepEqual(images.map((r) => r.prediction), [1, 0, null, 1]);
  assert.deepEqual(images.map((r) => r.correct), [true, true, false, false]);
  for (const [i, delta] of [[0, 1.5], [1, 1.5]]) assert.ok(images[i].radius > 0.5 && images[i].radius < delta);
  assert.equal(images[2].radius, 0);
  assert.equal(summary.images, 4);
  assert.equal(summary.abstain, 1);
  assert.equal(summary.cleanAccuracy, 0.75);
  const radii = summary.certifiedAccuracy.map((a) => a.radius);
  assert.equal(radii[0], 0);
  assert.ok(radii[radii.length - 1] <= maxCertifiableRadius(500, 0.01, 0.5));
  assert.deepEqual(summary.certifiedAccuracy, certifiedAccuracy(images, radii));
  assert.equal(summary.certifiedAccuracy[0].accuracy, 0.5);
  assert.equal(summary.forwardPasses, 4 * 550 + 4);
});

test("a row depends only on (seed, image index): not on the other images or the batch size", async () => {
  const options = { sigma: 0.5, n0: 20, n: 200, alpha: 0.01, seed: 9 };
  const full = await certifyImages(linear(), all, options);
  const one = await certifyImages(linear(), set([0.01], [1], [12]), { ...options, batchSize: 7 });
  const strip = ({ seconds: _s, ...rest }: { seconds: number }) => rest;
  assert.deepEqual(strip(one.images[0]), strip(full.images[2]));
  const p1 = await predictImages(linear(), all, options);
  const p2 = await predictImages(linear(), set([0.01], [1], [12]), { ...options, batchSize: 3 });
  assert.deepEqual(strip(p2.images[0]), strip(p1.images[2]));
});

test("predictImages predicts far points and abstains on a coin flip", async () => {
  const { summary, images } = await predictImages(linear(), all, { sigma: 0.5, n: 300, alpha: 0.001, seed: 1 });
  assert.deepEqual(images.map((r) => r.prediction), [1, 0, null, 1]);
  assert.equal(summary.accuracy, 0.5);
  assert.equal(summary.abstain, 1);
  assert.equal(summary.forwardPasses, 1200);
});

test("certifyImages and predictImages pass onDraws through: each image's draws climb to its total", async () => {
  const draws: Array<[number, number]> = [];
  await certifyImages(linear(), set([1.5, -1.5], [1, 0], [0, 1]), { sigma: 0.5, n0: 10, n: 45, batchSize: 20, onDraws: (d, t) => draws.push([d, t]) });
  assert.deepEqual(draws.map(([d]) => d), [10, 30, 50, 55, 10, 30, 50, 55]);
  assert.ok(draws.every(([, t]) => t === 55));
  draws.length = 0;
  await predictImages(linear(), set([1.5], [1], [0]), { sigma: 0.5, n: 45, batchSize: 20, onDraws: (d, t) => draws.push([d, t]) });
  assert.deepEqual(draws, [[20, 45], [40, 45], [45, 45]]);
});
