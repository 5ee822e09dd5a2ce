import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { json, rsbench } from "./zooRun.js";

test("rsbench evaluate --json prints clean and smoothed accuracies, reproducibly", async () => {
  const args = ["evaluate", "--model", "mnist-standard", "--data", "mnist", "--sigma", "0.1,0.3", "--n", "8", "--count", "30", "--seed", "2", "--json"];
  const [a, b] = await Promise.all([rsbench(...args), rsbench(...args)]);
  const out = json(a);
  assert.deepEqual(json(b), out);
  assert.equal(out.clean.images, 30);
  assert.ok(out.clean.accuracy > 0.8);
  assert.deepEqual(out.smoothed.map((s: { sigma: number; n: number }) => [s.sigma, s.n]), [[0.1, 8], [0.3, 8]]);
  for (const s of out.smoothed) assert.ok(s.accuracy >= 0 && s.accuracy <= 1);
  assert.equal(out.forwardPasses, 30 + 2 * 30 * 8);
});

test("rsbench evaluate rejects an unknown model or dataset listing the valid ones, and bad flags", async () => {
  const model = await rsbench("evaluate", "--model", "vgg", "--data", "mnist");
  assert.equal(model.code, 2, "a bad input is a usage error (issue 26)");
  assert.match(model.stderr, /unknown model "vgg": expected one of fashion-mnist-standard, .*mnist-advtrain, or a path to an \.onnx file/);
  const data = await rsbench("evaluate", "--model", "mnist-standard", "--data", "svhn");
  assert.equal(data.code, 2);
  assert.match(data.stderr, /unknown dataset "svhn": expected one of fashion-mnist, mnist/);
  const sigma = await rsbench("evaluate", "--model", "mnist-standard", "--data", "mnist", "--sigma", "0.1,-1");
  assert.equal(sigma.code, 2);
  assert.match(sigma.stderr, /invalid --sigma: expected a number > 0, got "-1"/);
});

test("rsbench evaluate states both shapes when a folder's images do not fit the model, and --resize fixes it", async () => {
  const root = await mkdtemp(join(tmpdir(), "rsbench-eval-"));
  try {
    for (const label of ["0", "1"]) {
      await mkdir(join(root, label));
      await sharp(Buffer.alloc(32 * 32, 128), { raw: { width: 32, height: 32, channels: 1 } }).toColourspace("b-w").png().toFile(join(root, label, "a.png"));
    }
    const bad = await rsbench("evaluate", "--model", "mnist-standard", "--data", root);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /has shape 1x32x32 but 1x28x28 is expected; convert the images \(rsbench's --resize flag, a config's "resize": true in its data block/);
    const ok = json(await rsbench("evaluate", "--model", "mnist-standard", "--data", root, "--resize", "--json"));
    assert.equal(ok.clean.images, 2);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
