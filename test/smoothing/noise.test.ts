import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { OnnxClassifier, type Classifier, type Votes } from "../../src/model/index.js";
import { createRandom, fmix32 } from "../../src/rng/index.js";
import type { Random } from "../../src/rng/index.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";
import { splitJobs, ThreadedNoise, type NoiseJob } from "../../src/smoothing/noise.js";

const shape = { channels: 1, height: 6, width: 5 };
const d = 30;

/**
 * A base classifier whose label is a hash of every bit of the image: two runs cast the same
 * votes only if they saw bit-identical noisy images (a one-bit change moves a vote with
 * probability 6/7). It can also keep every image it sees.
 */
class BitHash implements Classifier {
  readonly shape = shape;
  readonly numClasses = 7;
  readonly bounds = { lower: 0, upper: 1 };
  forwardPasses = 0;
  readonly seen: Float32Array[] = [];
  constructor(private readonly keep = false) {}
  async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    const bits = new Uint32Array(batch.buffer, batch.byteOffset, batch.length);
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      let h = 0x1234567;
      for (let t = 0; t < d; t++) h = fmix32(h ^ bits[i * d + t]);
      out[i] = h % this.numClasses;
      if (this.keep) this.seen.push(batch.slice(i * d, (i + 1) * d));
    }
    this.forwardPasses += count;
    return out;
  }
  async votes(): Promise<Votes> {
    throw new Error("not used");
  }
}

function points(count: number): Float32Array {
  const x = new Float32Array(count * d);
  const random = createRandom(99);
  for (let i = 0; i < x.length; i++) x[i] = random.nextFloat();
  return x;
}

async function votesOf(options: { noise?: "per-point" | "per-draw"; noiseThreads?: number; batchSize: number }, count = 5, n = 23): Promise<number[]> {
  const g = new SmoothedClassifier(new BitHash(), { sigma: 0.5, n, random: createRandom(7, 3), ...options });
  const first = await g.votes(points(count), count);
  const second = await g.votes(points(2), 2); // later calls continue with the next point streams
  return [...first.counts, ...second.counts];
}

test("per-point noise on threads casts exactly the votes of the calling thread, for any batch size and thread count", async () => {
  const reference = await votesOf({ batchSize: 1000 });
  assert.ok(reference.some((v) => v > 0) && new Set(reference).size > 2, "the hash classifier should spread the votes");
  for (const batchSize of [1, 7, 40]) {
    for (const noiseThreads of [0, 1, 2, 3]) {
      assert.deepEqual(await votesOf({ batchSize, noiseThreads }), reference, `batch ${batchSize}, ${noiseThreads} threads`);
    }
  }
});

test("per-draw noise casts the same votes for any batch size and thread count, and differs from per-point", async () => {
  const reference = await votesOf({ noise: "per-draw", batchSize: 1000 });
  for (const batchSize of [1, 7, 40]) {
    for (const noiseThreads of [0, 1, 2, 3]) {
      assert.deepEqual(await votesOf({ noise: "per-draw", batchSize, noiseThreads }), reference, `batch ${batchSize}, ${noiseThreads} threads`);
    }
  }
  assert.notDeepEqual(reference, await votesOf({ batchSize: 1000 }));
});

test("per-draw copy j of point p is x_p + sigma z with z from the stream (seed, ...keys, p, j)", async () => {
  const base = new BitHash(true);
  const g = new SmoothedClassifier(base, { sigma: 0.5, n: 4, random: createRandom(7, 3), noise: "per-draw", noiseThreads: 2, batchSize: 3 });
  const x = points(2);
  await g.votes(x, 2);
  assert.equal(base.seen.length, 8);
  for (let p = 0; p < 2; p++) {
    for (let j = 0; j < 4; j++) {
      const z = new Float32Array(d);
      createRandom(7, 3, p, j).fillNormal(z, 0, 0.5);
      const expected = Float32Array.from(z, (v, t) => v + x[p * d + t]);
      assert.deepEqual(base.seen[p * 4 + j], expected, `point ${p}, copy ${j}`);
    }
  }
});

test("per-point copies on threads continue the point's one stream, copy after copy", async () => {
  const base = new BitHash(true);
  const g = new SmoothedClassifier(base, { sigma: 0.5, n: 4, random: createRandom(7, 3), noiseThreads: 2, batchSize: 3 });
  const x = points(2);
  await g.votes(x, 2);
  for (let p = 0; p < 2; p++) {
    const z = new Float32Array(4 * d);
    createRandom(7, 3, p).fillNormal(z, 0, 0.5);
    for (let j = 0; j < 4; j++) {
      const expected = Float32Array.from(z.subarray(j * d, (j + 1) * d), (v, t) => v + x[p * d + t]);
      assert.deepEqual(base.seen[p * 4 + j], expected, `point ${p}, copy ${j}`);
    }
  }
});

test("early stopping gives the same decisions and draws on threads as in the calling thread", async () => {
  const run = async (noiseThreads: number, noise: "per-point" | "per-draw") => {
    const g = new SmoothedClassifier(new BitHash(), { sigma: 0.5, n: 60, random: createRandom(11), noise, noiseThreads, batchSize: 16, earlyStop: true });
    const v = await g.votes(points(6), 6);
    const t = await g.decideDiffering(points(6), 6, 2, 30);
    return { counts: [...v.counts], draws: [...v.draws], decisions: [...t.decisions], tdraws: [...t.draws] };
  };
  for (const noise of ["per-point", "per-draw"] as const) {
    const reference = await run(0, noise);
    assert.ok(reference.draws.some((v) => v < 60), "some point should stop early");
    assert.deepEqual(await run(3, noise), reference, noise);
  }
});

test("splitJobs keeps per-point jobs whole and cuts per-draw jobs into balanced parts covering every copy once", () => {
  const jobs: NoiseJob[] = [
    { point: 0, first: 5, count: 10, slot: 0 },
    { point: 1, first: 0, count: 1, slot: 10 },
    { point: 2, first: 0, count: 9, slot: 11 },
  ];
  const whole = splitJobs(jobs, 3, "per-point");
  assert.deepEqual(whole.flat(), jobs);
  assert.equal(whole.length, 2); // 10 copies in the first job already exceed a third of 20
  const cut = splitJobs(jobs, 4, "per-draw");
  assert.deepEqual(cut.map((part) => part.reduce((s, j) => s + j.count, 0)), [5, 5, 5, 5]);
  const copies = cut.flat().flatMap((j) => Array.from({ length: j.count }, (_, t) => `${j.point}:${j.first + t}@${j.slot + t}`));
  const expected = jobs.flatMap((j) => Array.from({ length: j.count }, (_, t) => `${j.point}:${j.first + t}@${j.slot + t}`));
  assert.deepEqual(copies, expected);
  assert.deepEqual(splitJobs([jobs[0]], 2, "per-point"), [[jobs[0]]]);
});

test("noise threads refuse streams they cannot rebuild and duplicate per-point jobs", async () => {
  const noise = new ThreadedNoise({ layout: "per-point", sigma: 1, d }, 2);
  const buffer = noise.allocate(2 * d);
  const x = noise.share(points(1));
  const fake = { ...createRandom(1) } as unknown as Random;
  await assert.rejects(async () => noise.fill(buffer, x, [{ point: 0, first: 0, count: 1, slot: 0 }], [fake]), /noise threads need Xoshiro128 streams \(from createRandom\), got Object for point 0/);
  const twice = [{ point: 0, first: 0, count: 1, slot: 0 }, { point: 0, first: 1, count: 1, slot: 1 }];
  await assert.rejects(async () => noise.fill(buffer, x, twice, [createRandom(1)]), /expected each point at most once per fill/);
  assert.throws(() => new SmoothedClassifier(new BitHash(), { sigma: 1, n: 1, random: createRandom(1), noiseThreads: -1 }), /invalid noiseThreads: expected an integer >= 0, got -1/);
  assert.throws(() => new SmoothedClassifier(new BitHash(), { sigma: 1, n: 1, random: createRandom(1), noise: "per-image" as never }), /invalid noise layout: expected one of per-point, per-draw, got "per-image"/);
});

test("an onnxruntime base model (in this thread or its worker) gets the threads' shared buffers and casts the same votes", async () => {
  const path = fileURLToPath(new URL("../fixtures/linear.onnx", import.meta.url));
  const x = new Float32Array(3 * 64).map((_, i) => 0.5 + 0.01 * Math.sin(i));
  const run = async (worker: boolean, noiseThreads: number) => {
    const base = await OnnxClassifier.load(path, { worker });
    const g = new SmoothedClassifier(base, { sigma: 0.5, n: 200, random: createRandom(5), noiseThreads, batchSize: 64 });
    const v = await g.votes(x, 3);
    await base.dispose();
    return [...v.counts];
  };
  const reference = await run(false, 0);
  assert.ok(reference.every((c) => c > 0), "both classes should get votes near the boundary");
  assert.deepEqual(await run(false, 2), reference);
  assert.deepEqual(await run(true, 2), reference);
});

test("noiseThreads defaults to the base model's hint, and an explicit value wins", () => {
  const hinted = Object.assign(new BitHash(), { noiseThreads: 3 });
  assert.equal(new SmoothedClassifier(hinted, { sigma: 1, n: 1, random: createRandom(1) }).noiseThreads, 3);
  assert.equal(new SmoothedClassifier(hinted, { sigma: 1, n: 1, random: createRandom(1), noiseThreads: 0 }).noiseThreads, 0);
  assert.equal(new SmoothedClassifier(new BitHash(), { sigma: 1, n: 1, random: createRandom(1) }).noiseThreads, 0);
});
