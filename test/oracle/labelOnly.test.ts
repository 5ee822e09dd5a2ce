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

test("onQueries sees the queries spent after each answered call and the budget, not a refused call; answers unchanged", async () => {
  const seen: [number, number][] = [];
  const oracle = new LabelOnlyOracle(model, original, 0, { budget: 3, onQueries: (used, budget) => seen.push([used, budget]) });
  const batch = new Float32Array([0.4, 0.5, 0.5, 0.5, 0.9, 0.5, 0.5, 0.5]);
  assert.deepEqual(Array.from(await oracle.isAdversarial(batch, 2)), [0, 1]);
  await assert.rejects(oracle.isAdversarial(batch, 2), BudgetExhaustedError);
  assert.deepEqual(Array.from(await oracle.isAdversarial(batch, 1)), [0]);
  assert.deepEqual(seen, [[2, 3], [3, 3]]);
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

test("snapshots hold the best L2 and Linf points answered by the first q queries, as an independent replay of the queries finds them", async () => {
  // 40 points in batches of 1 to 5; the model's answer (x0 > 0.5) and the distortions computed here, not by the oracle.
  let state = 7;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const points = Array.from({ length: 40 }, () => Float32Array.from([0.2 + 0.8 * next(), 0.5 + 0.4 * (next() - 0.5), 0.5 + 0.4 * (next() - 0.5), 0.5]));
  const snapshots = [1, 3, 10, 17, 30, 39];
  const oracle = new LabelOnlyOracle(model, original, 0, { budget: 40, snapshots: [30, 3, 10, 1, 17, 39] });
  for (let i = 0, size = 1; i < points.length; i += size, size = (size % 5) + 1) {
    const batch = points.slice(i, i + size);
    const flat = new Float32Array(batch.length * 4);
    batch.forEach((p, j) => flat.set(p, j * 4));
    await oracle.isAdversarial(flat, batch.length);
  }
  const dist = (p: Float32Array, norm: "l2" | "linf") => {
    const d = Array.from(p, (v, j) => Math.abs(v - original[j]));
    return norm === "l2" ? Math.hypot(...d) : Math.max(...d);
  };
  for (const q of snapshots) {
    const held = oracle.bestAt(q);
    for (const norm of ["l2", "linf"] as const) {
      const found = points.slice(0, q).filter((p) => p[0] > 0.5);
      const expected = found.length === 0 ? null : found.reduce((a, b) => (dist(b, norm) < dist(a, norm) ? b : a));
      const point = norm === "l2" ? held.l2Point : held.linfPoint;
      if (expected === null) {
        assert.equal(point, null, `q ${q} ${norm}: nothing adversarial yet`);
        assert.equal(held[norm], Infinity);
        continue;
      }
      assert.deepEqual(point && Array.from(point), Array.from(expected), `q ${q} ${norm}: the best point`);
      assert.ok(Math.abs(held[norm] - dist(expected, norm)) < 1e-6, `q ${q} ${norm}: ${held[norm]} vs ${dist(expected, norm)}`);
      assert.equal(held[norm], distortionAt(oracle.trace, q, norm), `q ${q} ${norm}: the trace reads the same`);
    }
  }
  assert.notDeepEqual(oracle.bestAt(3).l2Point, oracle.bestAt(39).l2Point, "the fixture improves after 3 queries");
  assert.throws(() => oracle.bestAt(5), /no snapshot at 5 queries: the oracle keeps 1, 3, 10, 17, 30, 39/);
  assert.throws(() => new LabelOnlyOracle(model, original, 0, { budget: 40, snapshots: [41] }), /invalid snapshot budget: expected an integer in \[1, 40\], got 41/);
  assert.throws(() => new LabelOnlyOracle(model, original, 0, { budget: 40, snapshots: [2.5] }), /invalid snapshot budget/);
});
