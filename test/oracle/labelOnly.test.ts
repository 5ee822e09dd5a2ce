import assert from "node:assert/strict";
import { test } from "node:test";
import { LinearClassifier } from "../../src/model/index.js";
import { BudgetExhaustedError, LabelOnlyOracle, distortionAt } from "../../src/oracle/index.js";

const shape = { channels: 1, height: 1, width: 4 };
const w = new Float32Array([1, 0, 0, 0]);
const model = new LinearClassifier(shape, w, -0.5); // class 1 iff x0 > 0.5
const original = new Float32Array([0.2, 0.5, 0.5, 0.5]); // class 0, distance 0.3

test("isAdversarial answers per point and counts one query per point", async () => {
  const oracle = new LabelOnlyOracle(model, original, 0, { budget: 10 });
  const batch = new Float32Array([0.4, 0.5, 0.5, 0.5, 0.9, 0.5, 0.5, 0.5]);
  assert.deepEqual(Array.from(await oracle.isAdversarial(batch, 2)), [0, 1]);
  assert.equal(oracle.queries, 2);
  assert.equal(oracle.remaining, 8);
  assert.ok(Math.abs(oracle.best.l2 - 0.7) < 1e-6);
});

test("a call that would exceed the budget is refused whole", async () => {
  const oracle = new LabelOnlyOracle(model, original, 0, { budget: 3 });
  await oracle.isAdversarial(new Float32Array(8).fill(0.9), 2);
  await assert.rejects(oracle.isAdversarial(new Float32Array(8).fill(0.9), 2), BudgetExhaustedError);
  assert.equal(oracle.queries, 2);
  await oracle.isAdversarial(new Float32Array(4).fill(0.9), 1);
  assert.equal(oracle.remaining, 0);
});

test("the trace gives the best distortion at any budget", async () => {
  const oracle = new LabelOnlyOracle(model, original, 0);
  await oracle.isAdversarial(new Float32Array([1, 0.5, 0.5, 0.5]), 1); // l2 0.8
  await oracle.isAdversarial(new Float32Array([0.1, 0.5, 0.5, 0.5]), 1); // not adversarial
  await oracle.isAdversarial(new Float32Array([0.6, 0.5, 0.5, 0.5]), 1); // l2 0.4
  assert.equal(distortionAt(oracle.trace, 0, "l2"), Infinity);
  assert.ok(Math.abs(distortionAt(oracle.trace, 2, "l2") - 0.8) < 1e-6);
  assert.ok(Math.abs(distortionAt(oracle.trace, 3, "l2") - 0.4) < 1e-6);
});

test("invalid options name the parameter", () => {
  assert.throws(() => new LabelOnlyOracle(model, original, 0, { pa: 1.5 }), /invalid pa: expected a number in \(0, 1\), got 1.5/);
  assert.throws(() => new LabelOnlyOracle(model, original, 5), /invalid label/);
  assert.throws(() => new LabelOnlyOracle(model, new Float32Array(3), 0), /original image has 3 values, expected 4/);
});
