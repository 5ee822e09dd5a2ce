import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { LinearClassifier, ModelError, OnnxClassifier } from "../../src/model/index.js";
import { createRandom } from "../../src/rng/index.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const spec = JSON.parse(readFileSync(fixture("linear.json"), "utf8")) as { w: number[]; b: number };
const shape = { channels: 1, height: 8, width: 8 };
const reference = new LinearClassifier(shape, Float32Array.from(spec.w), spec.b);

function randomImages(count: number, seed: number): Float32Array {
  const x = new Float32Array(count * 64);
  const random = createRandom(seed);
  for (let i = 0; i < x.length; i++) x[i] = random.nextFloat();
  return x;
}

test("load reads names, shape and classes from the model", async () => {
  const model = await OnnxClassifier.load(fixture("linear.onnx"));
  assert.equal(model.inputName, "image");
  assert.equal(model.outputName, "logits");
  assert.deepEqual(model.shape, shape);
  assert.equal(model.numClasses, 2);
  assert.deepEqual(model.bounds, { lower: 0, upper: 1 });
  assert.equal(model.forwardPasses, 0);
  await model.dispose();
});

test("predict agrees with the analytic linear classifier and counts forward passes", async () => {
  const model = await OnnxClassifier.load(fixture("linear.onnx"), { maxBatch: 7 }); // forces chunking
  const x = randomImages(50, 1);
  const expected = await reference.predict(x, 50);
  const labels = await model.predict(x, 50);
  assert.deepEqual(Array.from(labels), Array.from(expected));
  assert.ok(labels.includes(0) && labels.includes(1), "the fixture images should cover both classes");
  assert.equal(model.forwardPasses, 50);
  const votes = await model.votes(x.subarray(0, 64 * 3), 3);
  assert.deepEqual(Array.from(votes.draws), [1, 1, 1]);
  assert.equal(votes.forwardPasses, 3);
  assert.equal(model.forwardPasses, 53);
  await model.dispose();
});

test("normalisation (x - mean) / std is applied inside, callers stay in pixel space", async () => {
  const mean = 0.25, std = 0.5;
  const model = await OnnxClassifier.load(fixture("linear.onnx"), { mean: [mean], std: [std] });
  // w . ((x - m) / s) + b = (w / s) . x + (b - m sum(w) / s)
  const sumW = spec.w.reduce((a, v) => a + v, 0);
  const equivalent = new LinearClassifier(shape, Float32Array.from(spec.w, (v) => v / std), spec.b - (mean * sumW) / std);
  const x = randomImages(40, 2);
  assert.deepEqual(Array.from(await model.predict(x, 40)), Array.from(await equivalent.predict(x, 40)));
  await model.dispose();
});

test("an empty batch costs nothing", async () => {
  const model = await OnnxClassifier.load(fixture("linear.onnx"));
  assert.equal((await model.predict(new Float32Array(0), 0)).length, 0);
  assert.equal(model.forwardPasses, 0);
  await model.dispose();
});

test("load errors say what was expected and what was received", async () => {
  const cases: Array<[string, RegExp]> = [
    ["missing.onnx", /model file not found: expected an ONNX file at ".*missing\.onnx", got no such file/],
    ["not_a_model.onnx", /not an ONNX model: expected a valid ONNX file at ".*not_a_model\.onnx", but onnxruntime could not load it/],
    ["two_inputs.onnx", /expected a model with exactly one input, got 2 \(image, other\)/],
    ["int_input.onnx", /expected a float32 input, got int64 for input "image"/],
    ["rank2_input.onnx", /expected a 4-D NCHW input \[batch, channels, height, width\], got 2-D \[batch, 64\] for input "image"/],
    ["output_3d.onnx", /expected output "logits" of shape \[batch, classes\], got \[batch, 2, 1\]/],
  ];
  for (const [name, message] of cases) {
    await assert.rejects(OnnxClassifier.load(fixture(name)), (error: unknown) => {
      assert.ok(error instanceof ModelError, `${name}: expected a ModelError`);
      assert.match(error.message, message);
      return true;
    });
  }
});

test("a shape option that disagrees with the model is rejected", async () => {
  await assert.rejects(
    OnnxClassifier.load(fixture("linear.onnx"), { shape: { channels: 3, height: 32, width: 32 } }),
    /image shape mismatch: the model takes 1x8x8 images, got shape 3x32x32/,
  );
  await assert.rejects(OnnxClassifier.load(fixture("linear.onnx"), { mean: [0, 0], std: [1, 1] }), /invalid mean: expected 1 finite values \(one per channel\), got \[0, 0\]/);
  await assert.rejects(OnnxClassifier.load(fixture("linear.onnx"), { std: [0] }), /invalid std: expected 1 positive values \(one per channel\), got \[0\]/);
});

test("NaN and infinite outputs are errors, not labels", async () => {
  for (const [name, value] of [["nan_output.onnx", "NaN"], ["inf_output.onnx", "Infinity"]]) {
    const model = await OnnxClassifier.load(fixture(name));
    await assert.rejects(model.predict(randomImages(3, 3), 3), new RegExp(`model output "logits" is not finite: expected finite scores, got ${value} for image 0 of the batch`));
    await model.dispose();
  }
});

test("an image of the wrong size is rejected", async () => {
  const model = await OnnxClassifier.load(fixture("linear.onnx"));
  await assert.rejects(model.predict(new Float32Array(3 * 32 * 32), 1), /image size mismatch: expected 1 image\(s\) of shape 1x8x8 \(64 values\), got 3072 values/);
  assert.equal(model.forwardPasses, 0);
  await model.dispose();
});

test("the worker-thread mode gives the same labels, counts and errors", async () => {
  const inline = await OnnxClassifier.load(fixture("linear.onnx"), { mean: [0.25], std: [0.5], maxBatch: 16 });
  const threaded = await OnnxClassifier.load(fixture("linear.onnx"), { mean: [0.25], std: [0.5], maxBatch: 16, worker: true });
  const x = randomImages(70, 4);
  assert.deepEqual(await threaded.predict(x, 70), await inline.predict(x, 70));
  assert.equal(threaded.forwardPasses, 70);
  await assert.rejects(threaded.predict(new Float32Array(5), 1), /image size mismatch/);
  await inline.dispose();
  await threaded.dispose();
  const nan = await OnnxClassifier.load(fixture("nan_output.onnx"), { worker: true });
  await assert.rejects(nan.predict(randomImages(3, 5), 3), /model output "logits" is not finite: expected finite scores, got NaN for image 0 of the batch/);
  await nan.dispose();
});

test("a model exported with a fixed batch of 1 runs one image per call and gives the linear model's labels (issue 26)", async () => {
  const linear = new LinearClassifier({ channels: 1, height: 8, width: 8 }, Float32Array.from(spec.w), spec.b);
  const batch = new Float32Array(7 * 64);
  createRandom(4).fillNormal(batch, 0.5, 0.3);
  for (const worker of [false, true]) {
    const model = await OnnxClassifier.load(fixture("fixed_batch.onnx"), { maxBatch: 100, worker });
    assert.equal(model.maxBatch, 1, "one image per onnxruntime run, whatever maxBatch asks");
    assert.deepEqual([...(await model.predict(batch, 7))], [...(await linear.predict(batch, 7))]);
    assert.equal(model.forwardPasses, 7);
    await model.dispose();
  }
});

test("a model with dynamic height and width needs a shape, and the error says how to give one; with it, it classifies (issue 26)", async () => {
  await assert.rejects(OnnxClassifier.load(fixture("own_dynamic_hw.onnx")),
    /expected fixed channels, height and width, got \[batch, 3, height, width\] for input "input" .*; give the image shape: --shape C,H,W on the command line, "shape": \[C, H, W\] in a config's defense/);
  const model = await OnnxClassifier.load(fixture("own_dynamic_hw.onnx"), { shape: { channels: 3, height: 32, width: 32 } });
  assert.deepEqual(model.shape, { channels: 3, height: 32, width: 32 });
  assert.equal(model.numClasses, 10);
  await model.dispose();
});

test("a channels-last (NHWC) model is refused naming the layout, not as an image of 32 channels (issue 26)", async () => {
  await assert.rejects(OnnxClassifier.load(fixture("own_nhwc.onnx")),
    /input "input" \[batch, 32, 32, 3\] in ".*own_nhwc\.onnx" looks channels-last \(NHWC: 32x32 images of 3 channel\(s\)\): expected NCHW \[batch, channels, height, width\]; re-export the model to take NCHW input \(e\.g\. \[batch, 3, 32, 32\]/);
});
