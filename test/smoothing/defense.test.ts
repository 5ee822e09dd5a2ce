import assert from "node:assert/strict";
import { test } from "node:test";
import type { Classifier, Decider } from "../../src/model/classifier.js";
import { LinearClassifier } from "../../src/model/index.js";
import { LabelOnlyOracle } from "../../src/oracle/index.js";
import { createRandom } from "../../src/rng/index.js";
import { defend, defensePa, isRandomized, SmoothedClassifier, UNDEFENDED_PA } from "../../src/smoothing/index.js";

const shape = { channels: 1, height: 1, width: 4 };
const base = new LinearClassifier(shape, new Float32Array([1, 0, 0, 0]), -0.5); // class 1 iff x0 > 0.5
const original = new Float32Array([0.2, 0.5, 0.5, 0.5]);

test("defend(base, none) is the base classifier; defend(base, gaussian) is g(sigma, n) with the defense's sigma and n", () => {
  assert.equal(defend(base, { kind: "none" }, { random: createRandom(1) }), base);
  const g = defend(base, { kind: "gaussian", sigma: 0.25, n: 7, pa: 0.8, rule: "shortcut" }, { random: createRandom(1), batchSize: 3 });
  assert.ok(g instanceof SmoothedClassifier);
  assert.equal((g as SmoothedClassifier).sigma, 0.25);
  assert.equal((g as SmoothedClassifier).n, 7);
  assert.equal((g as SmoothedClassifier).batchSize, 3);
  assert.equal(defensePa({ kind: "none" }), UNDEFENDED_PA);
  assert.equal(defensePa({ kind: "gaussian", sigma: 0.25, n: 7, pa: 0.8, rule: "shortcut" }), 0.8);
  assert.deepEqual([isRandomized({ kind: "none" }), isRandomized({ kind: "gaussian", sigma: 1, n: 1, pa: 0.5, rule: "shortcut" })], [false, true]);
});

test("the oracle answers through a classifier's own decider when it has one, and counts what it reports", async () => {
  const asked: number[] = [];
  // A classifier whose votes say "class 0" always, but whose decider says "adversarial" for every
  // other point at a made-up cost: the oracle must follow the decider, not the votes.
  const custom: Classifier = {
    shape, numClasses: 2, bounds: base.bounds, forwardPasses: 0,
    predict: async (_b, count) => new Int32Array(count),
    votes: async (_b, count) => ({ counts: new Int32Array(count * 2).map((_, i) => (i % 2 === 0 ? 1 : 0)), draws: new Int32Array(count).fill(1), forwardPasses: count }),
    decider(pa: number): Decider {
      asked.push(pa);
      return { decide: async (_b, count) => ({ decisions: Uint8Array.from({ length: count }, (_, i) => i % 2), forwardPasses: 5 * count }) };
    },
  };
  const oracle = new LabelOnlyOracle(custom, original, 0, { budget: 10, pa: 0.7 });
  assert.deepEqual(asked, [0.7]);
  assert.deepEqual(Array.from(await oracle.isAdversarial(new Float32Array(16).fill(0.3), 4)), [0, 1, 0, 1]);
  assert.equal(oracle.queries, 4);
  assert.equal(oracle.forwardPasses, 20);
  // Without a decider the votes decide: never adversarial here, one pass per point.
  const { decider: _d, ...plain } = custom;
  const voting = new LabelOnlyOracle(plain as Classifier, original, 0, { budget: 10 });
  assert.deepEqual(Array.from(await voting.isAdversarial(new Float32Array(8).fill(0.3), 2)), [0, 0]);
  assert.equal(voting.forwardPasses, 2);
});

test("g(sigma, n)'s decider gives the full vote count's answers at level Pa for the same noise", async () => {
  const points = new Float32Array(6 * 4);
  for (let i = 0; i < 6; i++) points.set([0.3 + 0.08 * i, 0.5, 0.5, 0.5], 4 * i);
  for (const pa of [0.5, 0.8]) {
    const n = 10;
    const fast = new SmoothedClassifier(base, { sigma: 0.2, n, random: createRandom(4) });
    const full = new SmoothedClassifier(base, { sigma: 0.2, n, random: createRandom(4) });
    const decided = await fast.decider(pa).decide(points, 6, 0);
    const votes = await full.votes(points, 6);
    const k = Math.ceil(n * pa);
    assert.deepEqual(Array.from(decided.decisions), Array.from({ length: 6 }, (_, i) => (votes.draws[i] - votes.counts[2 * i] >= k ? 1 : 0)));
    assert.ok(decided.forwardPasses <= votes.forwardPasses);
  }
});
