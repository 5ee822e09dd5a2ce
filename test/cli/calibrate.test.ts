import assert from "node:assert/strict";
import { test } from "node:test";
import { json, rsbench } from "./zooRun.js";

test("rsbench calibrate --json finds the sigma losing the given accuracy and states images and draws", async () => {
  const out = json(await rsbench("calibrate", "--model", "mnist-standard", "--data", "mnist", "--drop", "0.1", "--n", "5", "--count", "40", "--steps", "3", "--json"));
  assert.equal(out.images, 40);
  assert.equal(out.n, 5);
  assert.ok(out.sigma > 0 && out.sigma < out.upper);
  assert.ok(out.smoothedAccuracy >= out.cleanAccuracy - 0.1);
  const upper = out.steps.find((s: { sigma: number }) => s.sigma === out.upper);
  assert.ok(upper.accuracy < out.cleanAccuracy - 0.1);
});

test("rsbench calibrate rejects a drop outside (0, 1), naming the flag", async () => {
  const run = await rsbench("calibrate", "--model", "mnist-standard", "--data", "mnist", "--drop", "1.5");
  assert.equal(run.code, 2);
  assert.match(run.stderr, /invalid --drop: expected a number in \(0, 1\), got "1.5"/);
});
