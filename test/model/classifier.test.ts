import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultBatchSize, LinearClassifier, MAX_BATCH_VALUES, OnnxClassifier } from "../../src/model/index.js";
import { createRandom } from "../../src/rng/index.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";

test("defaultBatchSize keeps 1000 images up to 4194 values each and caps larger images at 2^22 values", () => {
  assert.equal(MAX_BATCH_VALUES, 4194304);
  assert.equal(defaultBatchSize(784), 1000);
  assert.equal(defaultBatchSize(4194), 1000);
  assert.equal(defaultBatchSize(3 * 224 * 224), 27);
  assert.equal(defaultBatchSize(3 * 224 * 224, 10), 10);
  assert.equal(defaultBatchSize(2 ** 23), 1, "never below one image");
});

test("OnnxClassifier and SmoothedClassifier take the capped batch by default and an explicit one as given", async () => {
  const small = await OnnxClassifier.load(new URL("../fixtures/linear.onnx", import.meta.url).pathname);
  assert.equal(small.maxBatch, 1000);
  const big = await OnnxClassifier.load(new URL("../fixtures/tiny224.onnx", import.meta.url).pathname, { maxBatch: 64 });
  assert.equal(big.maxBatch, 64);
  const shape = { channels: 3, height: 224, width: 224 };
  const linear = new LinearClassifier(shape, new Float32Array(3 * 224 * 224), 0);
  assert.equal(new SmoothedClassifier(linear, { sigma: 0.1, n: 1, random: createRandom(1) }).batchSize, 27);
  assert.equal(new SmoothedClassifier(linear, { sigma: 0.1, n: 1, batchSize: 500, random: createRandom(1) }).batchSize, 500);
  await small.dispose();
  await big.dispose();
});
