import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { LinearClassifier, OnnxClassifier } from "../../src/model/index.js";
import type { Classifier, Votes } from "../../src/model/index.js";
import { createRandom } from "../../src/rng/index.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";
import { normalCdf } from "../../src/stats/index.js";
import { script, Scripted, scriptedPoints } from "./scripted.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const spec = JSON.parse(readFileSync(fixture("linear.json"), "utf8")) as { w: number[]; b: number };
const shape = { channels: 1, height: 8, width: 8 };
const linear = () => new LinearClassifier(shape, Float32Array.from(spec.w), spec.b);
const norm = Math.sqrt(spec.w.reduce((s, v) => s + v * v, 0));

/** An image at signed L2 distance `delta` from the fixture's boundary (positive: class 1). */
function pointAt(delta: number): Float32Array {
  const base = new Float32Array(64).fill(0.5);
  const score = spec.w.reduce((s, v) => s + v * 0.5, spec.b);
  // move along w by (delta - score / ||w||) / ||w|| per unit of w
  const step = (delta - score / norm) / norm;
  return Float32Array.from(base, (x, i) => x + step * spec.w[i]);
}

function pack(points: Float32Array[]): Float32Array {
  const out = new Float32Array(points.length * 64);
  points.forEach((p, i) => out.set(p, i * 64));
  return out;
}

/** A three-class base classifier (class = which third of (-inf, inf) x0 + x1 falls in), to exercise ties and k > 2. */
class ThreeBands implements Classifier {
  readonly shape = shape;
  readonly numClasses = 3;
  readonly bounds = { lower: 0, upper: 1 };
  forwardPasses = 0;
  async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const s = batch[i * 64] + batch[i * 64 + 1];
      out[i] = s < 0.9 ? 0 : s < 1.1 ? 1 : 2;
    }
    this.forwardPasses += count;
    return out;
  }
  async votes(batch: Float32Array, count: number): Promise<Votes> {
    throw new Error(`not used (${batch.length}, ${count})`);
  }
}

test("votes casts n micro-decisions per point and counts the forward passes", async () => {
  const base = linear();
  const g = new SmoothedClassifier(base, { sigma: 0.25, n: 50, random: createRandom(1) });
  const votes = await g.votes(pack([pointAt(0.1), pointAt(-0.3)]), 2);
  assert.deepEqual(Array.from(votes.draws), [50, 50]);
  assert.equal(votes.counts[0] + votes.counts[1], 50);
  assert.equal(votes.forwardPasses, 100);
  assert.equal(g.forwardPasses, 100);
  assert.equal(base.forwardPasses, 100);
  assert.equal(g.numClasses, 2);
  assert.deepEqual(g.shape, shape);
});

test("the same seed gives the same votes whatever the batch size", async () => {
  const points = pack([pointAt(0.05), pointAt(-0.02), pointAt(0.4)]);
  let first: Int32Array | null = null;
  for (const batchSize of [1, 7, 64, 1000]) {
    const g = new SmoothedClassifier(linear(), { sigma: 0.5, n: 37, batchSize, random: createRandom(42) });
    const a = await g.votes(points, 3);
    const b = await g.votes(points, 3); // later calls draw fresh noise, also batch-size free
    const both = Int32Array.from([...a.counts, ...b.counts]);
    if (first) assert.deepEqual(both, first, `batchSize ${batchSize}`);
    first ??= both;
  }
  assert.notDeepEqual(first!.subarray(0, 6), first!.subarray(6));
});

test("Monte Carlo counts on the ONNX linear fixture match Phi(distance / sigma)", async () => {
  const model = await OnnxClassifier.load(fixture("linear.onnx"));
  const sigma = 0.5, n = 4000;
  const deltas = [-0.6, -0.2, 0, 0.15, 0.5];
  const g = new SmoothedClassifier(model, { sigma, n, random: createRandom(7) });
  const votes = await g.votes(pack(deltas.map(pointAt)), deltas.length);
  deltas.forEach((delta, i) => {
    const p = normalCdf(delta / sigma);
    const sd = Math.sqrt(n * p * (1 - p));
    const ones = votes.counts[i * 2 + 1];
    assert.ok(Math.abs(ones - n * p) <= 4.5 * sd, `delta ${delta}: ${ones} of ${n} votes for class 1, expected ${(n * p).toFixed(1)} +- ${(4.5 * sd).toFixed(1)}`);
  });
  assert.equal(model.forwardPasses, n * deltas.length);
  await model.dispose();
});

test("early stopping returns exactly the full vote's winner, never spending more", async () => {
  let saved = 0;
  for (const base of [linear, () => new ThreeBands()]) {
    for (let seed = 0; seed < 40; seed++) {
      const r = createRandom(1000 + seed);
      const points = pack(Array.from({ length: 6 }, () => pointAt((r.nextFloat() - 0.5) * 0.4)));
      const n = 1 + (seed % 4) * 20 + (seed % 2); // odd and even n, 1 .. 62
      const options = { sigma: 0.3, n, batchSize: 1 + (seed % 5) * 9, random: createRandom(seed) };
      const full = new SmoothedClassifier(base(), options);
      const early = new SmoothedClassifier(base(), { ...options, earlyStop: true });
      const a = await full.predict(points, 6);
      const b = await early.predict(points, 6);
      assert.deepEqual(b, a, `seed ${seed}, n ${n}`);
      assert.ok(early.forwardPasses <= full.forwardPasses);
      saved += full.forwardPasses - early.forwardPasses;
      // a settled winner needs more than half of the n votes
      const votes = await early.votes(points, 6);
      for (let i = 0; i < 6; i++) assert.ok(votes.draws[i] <= n && votes.draws[i] >= Math.ceil(n / 2), `draws ${votes.draws[i]} of ${n}`);
    }
  }
  assert.ok(saved > 0, "early stopping should save draws on these points");
});

test("a point far from the boundary stops after a bare majority of draws", async () => {
  const g = new SmoothedClassifier(linear(), { sigma: 0.1, n: 100, earlyStop: true, random: createRandom(3) });
  const votes = await g.votes(pointAt(2), 1);
  assert.deepEqual(Array.from(votes.draws), [51]);
  assert.equal(votes.counts[1], 51);
});

test("decideDiffering answers 'at least k of n differ from the label' like the full count", async () => {
  for (let seed = 0; seed < 30; seed++) {
    const r = createRandom(2000 + seed);
    const points = pack(Array.from({ length: 5 }, () => pointAt((r.nextFloat() - 0.5) * 0.6)));
    const n = 10 + seed * 3;
    const options = { sigma: 0.25, n, batchSize: 1 + seed * 7, random: createRandom(seed) };
    for (const label of [0, 1]) {
      const k = 1 + ((seed * 13) % n);
      const full = await new SmoothedClassifier(linear(), options).votes(points, 5);
      const fast = new SmoothedClassifier(linear(), options);
      const decided = await fast.decideDiffering(points, 5, label, k);
      for (let i = 0; i < 5; i++) {
        const wrong = n - full.counts[i * 2 + label];
        assert.equal(decided.decisions[i], wrong >= k ? 1 : 0, `seed ${seed} point ${i} label ${label} k ${k}`);
      }
      assert.ok(decided.forwardPasses <= 5 * n);
      assert.equal(fast.forwardPasses, decided.forwardPasses);
    }
  }
});

test("predict is the majority with ties to the smallest class, whatever the batching or early stopping", async () => {
  // Each point's 12 micro-decisions are scripted; votes per class (0, 1, 2) counted by hand.
  const scripts = [
    "222220111110", // [2, 5, 5]: 1 and 2 tie, 2 arrives first -> 1
    "210210210210", // [4, 4, 4]: three-way tie -> 0
    "222222000000", // [6, 0, 6]: 0 and 2 tie, 2 arrives first -> 0
    "222222111111", // [0, 6, 6]: 1 and 2 tie -> 1
    "122222111110", // [1, 6, 5]: no tie, 1 overtakes 2 at the end -> 1
    "012212121222", // [1, 4, 7]: no tie -> 2
  ].map(script);
  const counts = [2, 5, 5, 4, 4, 4, 6, 0, 6, 0, 6, 6, 1, 6, 5, 1, 4, 7];
  const expected = [1, 0, 0, 1, 1, 2];
  const points = scriptedPoints(scripts.length);
  const votes = await new SmoothedClassifier(new Scripted(3, scripts), { sigma: 0.01, n: 12, random: createRandom(5) }).votes(points, scripts.length);
  assert.deepEqual(Array.from(votes.counts), counts);
  for (const batchSize of [1, 5, 1000]) {
    for (const earlyStop of [false, true]) {
      const g = new SmoothedClassifier(new Scripted(3, scripts), { sigma: 0.01, n: 12, batchSize, earlyStop, random: createRandom(5) });
      assert.deepEqual(Array.from(await g.predict(points, scripts.length)), expected, `batchSize ${batchSize}, earlyStop ${earlyStop}`);
    }
  }
});

test("invalid options and inputs say what was expected", async () => {
  const random = createRandom(0);
  assert.throws(() => new SmoothedClassifier(linear(), { sigma: 0, n: 10, random }), /invalid sigma: expected a number > 0, got 0/);
  assert.throws(() => new SmoothedClassifier(linear(), { sigma: 0.1, n: 0, random }), /invalid n: expected an integer >= 1, got 0/);
  assert.throws(() => new SmoothedClassifier(linear(), { sigma: 0.1, n: 5, batchSize: 2.5, random }), /invalid batchSize: expected an integer >= 1, got 2.5/);
  const g = new SmoothedClassifier(linear(), { sigma: 0.1, n: 5, random });
  await assert.rejects(g.votes(new Float32Array(10), 1), /image size mismatch: expected 1 image\(s\) of 64 values \(64 in all\), got 10 values/);
  await assert.rejects(g.decideDiffering(new Float32Array(64), 1, 0, 6), /invalid k: expected an integer in \[1, 5\], got 6/);
});

test("g(sigma, n) over an ONNX model gives the same votes with onnxruntime inline or in a worker thread", async () => {
  const inline = await OnnxClassifier.load(fixture("linear.onnx"), { maxBatch: 50 });
  const threaded = await OnnxClassifier.load(fixture("linear.onnx"), { maxBatch: 50, worker: true });
  const points = pack([pointAt(0.02), pointAt(-0.1), pointAt(0.3)]);
  const a = await new SmoothedClassifier(inline, { sigma: 0.4, n: 301, batchSize: 64, random: createRandom(8) }).votes(points, 3);
  const b = await new SmoothedClassifier(threaded, { sigma: 0.4, n: 301, batchSize: 64, random: createRandom(8) }).votes(points, 3);
  assert.deepEqual(b, a);
  assert.equal(threaded.forwardPasses, 903);
  await inline.dispose();
  await threaded.dispose();
});
