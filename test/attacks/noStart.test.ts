/**
 * Where an attack starts and how a run that never had a start is recorded (issue 26 item 4,
 * issue 28 loose end 3), on an analytic classifier whose answers to each kind of draw are known.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ATTACKS, attackOptions } from "../../src/attacks/registry.js";
import { runAttack } from "../../src/attacks/run.js";
import { chooseStart, drawsLeaveClass, noiseLeavesClass } from "../../src/attacks/start.js";
import { SURFREE_DEFAULTS, surfreeStartDraw } from "../../src/attacks/surfree.js";
import { LinearClassifier } from "../../src/model/linear.js";
import { LabelOnlyOracle } from "../../src/oracle/labelOnly.js";
import { createRandom } from "../../src/rng/index.js";

// A colour 3x8x8 image of pixels 0.9 and 0.1, and w = x - 0.5 (+-0.4): score(z) = w.(z - 0.5) - 6.
// The image scores 0.16 * 192 - 6 = 24.7 (class 1). Uniform noise scores -6 +- 1.6 (class 0: it
// leaves the class). SurFree's draws x + 0.5 N(0, 1), clipped, keep about 0.18 of each +-0.4
// contrast: 0.4 * 0.18 * 192 - 6 = 7.8 +- 1.9 (class 1: they stay in the class).
const SHAPE = { channels: 3, height: 8, width: 8 };
const D = 192;
const image = Float32Array.from({ length: D }, (_, i) => ((i * 7) % 3 === 0 ? 0.9 : 0.1));
const w = Float32Array.from(image, (v) => v - 0.5);
const b = -w.reduce((s, v) => s + 0.5 * v, 0) - 6;
const model = () => new LinearClassifier(SHAPE, w, b);

test("the classifier: uniform noise leaves the image's class, SurFree's own draws stay in it", async () => {
  assert.equal(await noiseLeavesClass(model(), 1, createRandom(1)), true);
  assert.equal(await drawsLeaveClass(model(), image, 1, surfreeStartDraw(SURFREE_DEFAULTS), createRandom(1)), false);
});

test("start auto probes SurFree's own initialisation and falls back to data; HSJA's uniform probe still starts on its own", async () => {
  // Pool: the image itself (class 1, distance 0: never chosen) and a grey image (class 0).
  const grey = new Float32Array(D).fill(0.5);
  const images = new Float32Array(2 * D);
  images.set(image, 0);
  images.set(grey, D);
  const pool = { images, predictions: await model().predict(images, 2), indices: Int32Array.from([0, 1]) };
  assert.deepEqual([...pool.predictions], [1, 0]);
  const surfree = ATTACKS.surfree.startDraw(attackOptions(ATTACKS.surfree, "l2") as never);
  assert.equal(await chooseStart("auto", model(), image, 1, pool, createRandom(2), surfree), 1, "SurFree starts from the grey image");
  assert.equal(await chooseStart("auto", model(), image, 1, pool, createRandom(2)), -1, "HSJA (uniform noise) starts on its own");
});

test("a run that never had a start records stop reason 'no start', the anomaly noStart and the iterations it did (0), not -1", async () => {
  const oracle = new LabelOnlyOracle(model(), image, 1, { budget: 60 });
  const result = await runAttack(oracle, {
    name: "surfree", attack: ATTACKS.surfree.attack, options: attackOptions(ATTACKS.surfree, "l2"), norm: "l2", random: createRandom(5), needsStart: true,
  });
  assert.equal(result.success, false);
  assert.equal(result.stopReason, "no start");
  assert.equal(result.iterations, 0);
  assert.equal(result.anomalies.noStart, 1);
  assert.equal(result.queries, 60);
});

test("RayS ended by the budget mid-iteration records the iterations it completed, not -1", async () => {
  // The grey-ish image of class 1 near the boundary: RayS finds adversarial rays and iterates.
  const x = Float32Array.from(image, (v) => 0.5 + (v - 0.5) * 0.3);
  const oracle = new LabelOnlyOracle(model(), x, 1, { budget: 120 });
  const result = await runAttack(oracle, {
    name: "rays", attack: ATTACKS.rays.attack, options: attackOptions(ATTACKS.rays, "linf"), norm: "linf", random: createRandom(1),
  });
  assert.equal(result.success, true);
  assert.equal(result.stopReason, "budget");
  assert.ok(result.iterations >= 1, `iterations ${result.iterations}`);
});

test("under repeat:K an unspent budget's `requested` counts the queries the refused points could cost (K each), like `queries`", async () => {
  const x = Float32Array.from(image, (v) => 0.5 + (v - 0.5) * 0.3);
  // 121 calls at repeat:3: the last refused point asked for up to 3 calls with fewer left.
  const oracle = new LabelOnlyOracle(model(), x, 1, { budget: 121, rule: "repeat:3" });
  const result = await runAttack(oracle, {
    name: "rays", attack: ATTACKS.rays.attack, options: attackOptions(ATTACKS.rays, "linf"), norm: "linf", random: createRandom(1),
  });
  assert.ok(result.unspent !== null, "queries were left");
  assert.ok(result.unspent.requested > result.unspent.queries, `requested ${result.unspent.requested} > left ${result.unspent.queries}`);
  assert.equal(result.unspent.requested % 3, 0);
});
