import assert from "node:assert/strict";
import { test } from "node:test";
import type { Classifier } from "../../src/model/classifier.js";
import { LinearClassifier } from "../../src/model/index.js";
import { BudgetExhaustedError, LabelOnlyOracle, labelCalls, oracleRuleOf, parseOracleRule } from "../../src/oracle/index.js";
import { createRandom } from "../../src/rng/index.js";
import { defend, SmoothedClassifier } from "../../src/smoothing/index.js";
import { binomialTailAtLeast, normalCdf } from "../../src/stats/index.js";

const shape = { channels: 1, height: 1, width: 4 };
const model = () => new LinearClassifier(shape, new Float32Array([1, 0, 0, 0]), -0.5); // class 1 iff x0 > 0.5
const original = new Float32Array([0.2, 0.5, 0.5, 0.5]);
const at = (t: number) => new Float32Array([0.5 + t, 0.5, 0.5, 0.5]); // signed distance t to the boundary

/** Counts the calls of g (points given to predict) and refuses any other way in: the label rules read labels only. */
function countingCalls(inner: Classifier) {
  let calls = 0;
  const classifier: Classifier = {
    shape: inner.shape, numClasses: inner.numClasses, bounds: inner.bounds,
    get forwardPasses() { return inner.forwardPasses; },
    predict: (batch, count) => { calls += count; return inner.predict(batch, count); },
    votes: () => { throw new Error("the label rules must not read vote counts"); },
    decider: () => { throw new Error("the label rules must not ask for the shortcut's decider"); },
  };
  return { classifier, calls: () => calls };
}

test("oracle rules parse by name: shortcut, label, repeat:K with 1 <= K <= 1000", () => {
  assert.deepEqual(["shortcut", "label", "repeat:1", "repeat:9", "repeat:1000"].map(oracleRuleOf), ["shortcut", "label", "repeat:1", "repeat:9", "repeat:1000"]);
  for (const bad of ["Label", "repeat:0", "repeat:", "repeat:03", "repeat:2.5", "repeat:1001", "repeat:-1", 3, null]) assert.equal(oracleRuleOf(bad), undefined, String(bad));
  assert.deepEqual(["shortcut", "label", "repeat:5"].map((r) => labelCalls(parseOracleRule(r))), [null, 1, 5]);
  assert.throws(() => parseOracleRule("votes"), { name: "RangeError", message: 'invalid oracle rule: expected "shortcut", "label" or "repeat:K" with K an integer in [1, 1000], got "votes"' });
});

test("label answers with one call's majority label only, whatever the vote counts and Pa say", async () => {
  // A classifier whose labels say "class 0" while its votes say every draw is wrong.
  const lying: Classifier = {
    shape, numClasses: 2, bounds: { lower: 0, upper: 1 }, forwardPasses: 0,
    predict: async (_b, count) => new Int32Array(count),
    votes: async (_b, count) => ({ counts: new Int32Array(count * 2).map((_, i) => (i % 2 === 0 ? 0 : 5)), draws: new Int32Array(count).fill(5), forwardPasses: 5 * count }),
  };
  const label = new LabelOnlyOracle(lying, original, 0, { rule: "label", pa: 0.8 });
  assert.deepEqual(Array.from(await label.isAdversarial(at(0.3), 1)), [0]);
  const shortcut = new LabelOnlyOracle(lying, original, 0, { pa: 0.8 });
  assert.deepEqual(Array.from(await shortcut.isAdversarial(at(0.3), 1)), [1], "the shortcut reads the (lying) vote counts");
  // Against g(sigma, n): the answers are the labels of the same noise, at any Pa, one call per step.
  for (const pa of [0.3, 0.5, 0.8]) {
    const points = new Float32Array(40 * 4).fill(0.5);
    for (let i = 0; i < 40; i++) points[i * 4] = 0.4 + 0.005 * i;
    const g = countingCalls(new SmoothedClassifier(model(), { sigma: 0.1, n: 10, random: createRandom(11) }));
    const oracle = new LabelOnlyOracle(g.classifier, original, 0, { rule: "label", pa, budget: 40 });
    const answers = await oracle.isAdversarial(points, 40);
    const labels = await new SmoothedClassifier(model(), { sigma: 0.1, n: 10, random: createRandom(11) }).predict(points, 40);
    assert.deepEqual(Array.from(answers), Array.from(labels, (l) => (l !== 0 ? 1 : 0)), `pa ${pa}`);
    assert.equal(g.calls(), 40);
    assert.deepEqual([oracle.queries, oracle.steps, oracle.remaining], [40, 40, 0]);
  }
});

/**
 * A classifier whose j-th call on a point answers bit j of the point's pattern (x0 * 2^10, read
 * from the lowest bit): 1 = the wrong label (class 1). Calls are counted per point, in any order.
 */
function scripted() {
  const asked = new Map<number, number>();
  let calls = 0;
  const classifier: Classifier = {
    shape, numClasses: 2, bounds: { lower: 0, upper: 1 }, forwardPasses: 0,
    async predict(batch, count) {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const pattern = Math.round(batch[i * 4] * 1024);
        const j = asked.get(pattern) ?? 0;
        asked.set(pattern, j + 1);
        out[i] = (pattern >> j) & 1;
        calls++;
      }
      return out;
    },
    votes: () => { throw new Error("not used"); },
  };
  return { classifier, calls: () => calls };
}

test("repeat:K answers 'at least ceil(K Pa) of K labels differ', stopping each step once decided", async () => {
  for (const [k, pa] of [[5, 0.5], [5, 0.8], [9, 0.5], [4, 0.5], [1, 0.5]] as const) {
    const need = Math.ceil(k * pa - 1e-9);
    const patterns = Array.from({ length: 64 }, (_, i) => (i * 37) % 1024);
    const batch = new Float32Array(patterns.length * 4);
    patterns.forEach((p, i) => { batch[i * 4] = p / 1024; });
    // Reference: read the bits one call at a time, stopping as soon as the answer is decided.
    let expectedCalls = 0;
    const expected = patterns.map((p) => {
      let wrong = 0;
      for (let j = 0; j < k; j++) {
        wrong += (p >> j) & 1;
        expectedCalls++;
        if (wrong >= need) return 1;
        if (wrong + (k - j - 1) < need) return 0;
      }
      return 0;
    });
    const g = scripted();
    const oracle = new LabelOnlyOracle(g.classifier, original, 0, { rule: `repeat:${k}`, pa });
    assert.deepEqual(Array.from(await oracle.isAdversarial(batch, patterns.length)), expected, `K ${k} pa ${pa}`);
    assert.equal(g.calls(), expectedCalls, `K ${k} pa ${pa}: calls`);
    assert.equal(oracle.queries, expectedCalls);
    assert.equal(oracle.steps, patterns.length);
  }
});

test("repeat:K charges every call to the budget and never exceeds it (calls counted through g's labels, passes through the base)", async () => {
  for (const [k, budget] of [[3, 200], [5, 101], [9, 50]] as const) {
    const base = model();
    const g = countingCalls(defend(base, { kind: "gaussian", sigma: 0.1, n: 10, pa: 0.5, rule: `repeat:${k}` }, { random: createRandom(k) }));
    const oracle = new LabelOnlyOracle(g.classifier, original, 0, { rule: `repeat:${k}`, budget });
    const random = createRandom(100 + k);
    let refused = 0;
    while (refused < 3) {
      // Batches of 1-6 steps; after the first refusal, single steps until one is refused with nothing affordable left.
      const count = refused > 0 ? 1 : 1 + Math.floor(random.nextFloat() * 6);
      const points = new Float32Array(count * 4).fill(0.5);
      for (let i = 0; i < count; i++) points[i * 4] = 0.45 + 0.1 * random.nextFloat(); // near the boundary: some steps need all K calls
      const before = g.calls();
      try {
        await oracle.isAdversarial(points, count);
      } catch (error) {
        assert.ok(error instanceof BudgetExhaustedError);
        assert.equal(error.message, `query budget exhausted: ${oracle.queries} of ${budget} queries used, ${count} more requested (up to ${k} calls each)`);
        assert.equal(g.calls(), before, "a refused step spends nothing");
        assert.ok(count > oracle.remaining);
        refused = oracle.remaining === 0 ? 3 : refused + 1;
      }
      assert.ok(g.calls() <= budget, `K ${k}: ${g.calls()} calls > budget ${budget}`);
    }
    // The attack sees the steps it can still afford in the worst case; what is left is less than one step's K calls.
    assert.equal(oracle.queries, g.calls());
    assert.ok(budget - oracle.queries < k, `K ${k}: ${budget - oracle.queries} calls left`);
    assert.equal(oracle.remaining, Math.floor((budget - oracle.queries) / k));
    assert.ok(oracle.steps < oracle.queries && oracle.steps * k >= oracle.queries, `${oracle.steps} steps, ${oracle.queries} calls`);
    assert.equal(oracle.forwardPasses, base.forwardPasses);
    assert.ok(base.forwardPasses <= 10 * g.calls());
  }
});

test("repeat:K at a point of the smoothed linear classifier answers 'adversarial' with probability P[Bin(K, q) >= ceil(K Pa)], q the exact P[g != y]", async () => {
  const sigma = 0.25, n = 10, t = 0.01, steps = 3000;
  // One call is wrong (label 0 at signed distance t > 0) when at least 6 of its 10 draws say 1 (ties go to class 0).
  const q = binomialTailAtLeast(n / 2 + 1, n, normalCdf(t / sigma));
  for (const [k, pa] of [[3, 0.5], [5, 0.8]] as const) {
    const expected = binomialTailAtLeast(Math.ceil(k * pa), k, q);
    const g = new SmoothedClassifier(model(), { sigma, n, random: createRandom(7, k) });
    const oracle = new LabelOnlyOracle(g, original, 0, { rule: `repeat:${k}`, pa });
    const points = new Float32Array(steps * 4);
    for (let i = 0; i < steps; i++) points.set(at(t), i * 4);
    const answers = await oracle.isAdversarial(points, steps);
    const rate = answers.reduce((a, b) => a + b, 0) / steps;
    const tolerance = 4.5 * Math.sqrt((expected * (1 - expected)) / steps);
    assert.ok(Math.abs(rate - expected) < tolerance, `K ${k} pa ${pa}: rate ${rate}, exact ${expected}, tolerance ${tolerance}`);
  }
});
