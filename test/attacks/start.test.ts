import assert from "node:assert/strict";
import { test } from "node:test";
import { labelStartPool, NOISE_PROBES, nearestOtherClass, noiseLeavesClass, START_POOL_SIZE } from "../../src/attacks/start.js";
import { LinearClassifier } from "../../src/model/linear.js";
import { createRandom } from "../../src/rng/index.js";

test("nearestOtherClass picks the nearest pool image of another class", () => {
  const image = new Float32Array([0, 0]);
  const pool = new Float32Array([0.1, 0, /**/ 3, 0, /**/ 0, 2, /**/ 0, 0, /**/ 1, 1]);
  // Pool image 0 is nearest but has the original's label; image 3 is a copy of the original.
  assert.equal(nearestOtherClass(image, 4, pool, Int32Array.from([4, 1, 2, 3, 5])), 4);
  assert.equal(nearestOtherClass(image, 1, pool, Int32Array.from([4, 1, 2, 3, 5])), 0);
});

test("nearestOtherClass returns -1 when no pool image qualifies", () => {
  const image = new Float32Array([0, 0]);
  assert.equal(nearestOtherClass(image, 2, new Float32Array([1, 1, 0, 0]), Int32Array.from([2, 7])), -1);
  assert.equal(nearestOtherClass(image, 2, new Float32Array(0), new Int32Array(0)), -1);
});

test("nearestOtherClass checks the pool size", () => {
  assert.throws(
    () => nearestOtherClass(new Float32Array(3), 0, new Float32Array(5), new Int32Array(2)),
    /starting-point pool: expected 2 images of 3 values \(6 in all\), got 5 values/,
  );
});

test("noiseLeavesClass says whether some uniform-noise image leaves the original's class", async () => {
  const shape = { channels: 1, height: 2, width: 2 };
  const w = new Float32Array([1, 1, 1, 1]);
  const alwaysZero = new LinearClassifier(shape, w, -10); // noise in [0, 1]^4 is always class 0
  assert.equal(await noiseLeavesClass(alwaysZero, 0, createRandom(1)), false);
  assert.equal(await noiseLeavesClass(alwaysZero, 1, createRandom(1)), true);
  assert.equal(alwaysZero.forwardPasses, 2 * NOISE_PROBES);
  // Half of the noise images are class 1 (w.x > 2 half of the time): some probe leaves class 0.
  const half = new LinearClassifier(shape, w, -2, { lower: 0, upper: 1 });
  assert.equal(await noiseLeavesClass(half, 0, createRandom(2)), true);
  // The probes are drawn inside the model's bounds: with bounds [5, 6] every probe scores > 18.
  const shifted = new LinearClassifier(shape, w, -18, { lower: 5, upper: 6 });
  assert.equal(await noiseLeavesClass(shifted, 1, createRandom(3)), false);
});

test("labelStartPool labels the first START_POOL_SIZE images in one call, or all of a smaller split", async () => {
  const shape = { channels: 1, height: 1, width: 2 };
  const classifier = new LinearClassifier(shape, new Float32Array([1, -1]), 0); // class 1 iff x0 > x1
  const split = (count: number) => ({
    images: Float32Array.from({ length: 2 * count }, (_, k) => (k % 2 === 0 ? (k / 2) % 3 : 1)),
    indices: Int32Array.from({ length: count }, (_, i) => 10 + i),
    count,
  });
  const asked: Array<number | undefined> = [];
  const big = await labelStartPool(classifier, async (count) => { asked.push(count); return split(count!); });
  assert.deepEqual(asked, [START_POOL_SIZE]);
  assert.equal(big.predictions.length, START_POOL_SIZE);
  assert.deepEqual([...big.predictions.slice(0, 6)], [0, 0, 1, 0, 0, 1]); // x0 = 0, 1, 2, 0, 1, 2 against x1 = 1
  assert.equal(big.indices[5], 15);
  assert.equal(classifier.forwardPasses, START_POOL_SIZE);
  // A split of 7 images: asking for 100 is a RangeError (as loadData), then the whole split is used.
  const small = await labelStartPool(classifier, async (count) => {
    if (count !== undefined && count > 7) throw new RangeError(`selection: expected at most 7 images, got ${count}`);
    return split(7);
  });
  assert.equal(small.predictions.length, 7);
  await assert.rejects(labelStartPool(classifier, async () => { throw new Error("disk on fire"); }), /disk on fire/);
});
