import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { attackEntry, attackOptions } from "../../src/attacks/registry.js";
import { PSJ_DEFAULTS, psj, psjGridSize, psjTargetCos, psjThetaDet, validate, type PsjOptions } from "../../src/attacks/psj.js";
import { runAttack } from "../../src/attacks/run.js";
import type { AttackOutcome } from "../../src/attacks/types.js";
import type { ImageShape } from "../../src/model/classifier.js";
import { LinearClassifier } from "../../src/model/linear.js";
import { LabelOnlyOracle } from "../../src/oracle/index.js";
import type { OracleRule } from "../../src/oracle/rule.js";
import { createRandom } from "../../src/rng/index.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";
import { binomialTailAtLeast } from "../../src/stats/binomial.js";
import { normalCdf } from "../../src/stats/normal.js";
import { answeredPoints, assertBudgetSpent, CountingClassifier, LoggingOracle } from "./budget.js";
import { linearProblem } from "./linearProblem.js";

const square = (side: number): ImageShape => ({ channels: 1, height: side, width: side });

/** A linear problem at L2 distance 0.5 and a starting point 0.5 beyond the boundary, along its normal (as a data start would be). */
function problemWithStart(side: number, seed: number) {
  const problem = linearProblem(square(side), 0.5, seed);
  const w = problem.classifier.w;
  let norm = 0;
  for (const v of w) norm += v * v;
  norm = Math.sqrt(norm);
  const start = problem.image.map((v, k) => v + (1.0 * w[k]) / norm);
  return { ...problem, start };
}

function l2(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2;
  return Math.sqrt(s);
}

test("PSJ_DEFAULTS are the official defaultparams.py values", () => {
  assert.deepEqual({ ...PSJ_DEFAULTS }, {
    constraint: "l2", // rsbench: the study's norm (official distance = "linf"; optionsFor("linf") runs it)
    gamma: 1.0, // self.gamma = 1.0
    numIterations: 32, // self.num_iterations = 32
    spendBudget: true, // rsbench: the budget ends the run
    initNumEvals: 100, // self.initial_num_evals = 100
    maxNumEvals: 50000, // self.max_num_evals = 50000
    priorFrac: 1, // self.prior_frac = 1
    gridSize: 0, // self.grid_size = {'mnist': 100, 'cifar10': 300}, by image size
    initTrials: 10000, // initialize_starting_point: num_evals > 1e4
    batchSize: 100, // rsbench: memory only
  });
  assert.ok(Object.isFrozen(PSJ_DEFAULTS));
  // grid_size: 100 for MNIST-sized images, 300 from CIFAR-10's 3x32x32 up.
  assert.deepEqual([784, 3071, 3072, 3 * 224 * 224].map((d) => psjGridSize(d, 0)), [100, 100, 300, 300]);
  assert.equal(psjGridSize(784, 30), 30);
  assert.equal(psjThetaDet("l2", 1, 784), 1 / (28 * 784));
  assert.equal(psjThetaDet("linf", 1, 784), 1 / (784 * 784));
  const entry = attackEntry("psj");
  assert.equal(entry.defaultNorm, "l2");
  assert.deepEqual(entry.norms, ["l2", "linf"]);
  assert.equal(attackOptions(entry, "linf").constraint, "linf");
});

test("the target cosine follows HSJA's schedule: 100 probes, then int(min(100 sqrt(t + 1), max)) (scipy reference values)", () => {
  const reference = JSON.parse(readFileSync(new URL("../fixtures/psj-cosine.json", import.meta.url), "utf8")) as { cases: Array<{ fn: string; n?: number; d: number; value: number }> };
  const cos = (n: number, d: number) => reference.cases.find((c) => c.fn === "cos" && c.n === n && c.d === d)!.value;
  for (const d of [784, 3072]) {
    assert.ok(Math.abs(psjTargetCos(PSJ_DEFAULTS, d, 0) - cos(100, d)) < 1e-12);
    assert.ok(Math.abs(psjTargetCos(PSJ_DEFAULTS, d, 1) - cos(141, d)) < 1e-12); // int(100 sqrt 2)
    assert.ok(Math.abs(psjTargetCos(PSJ_DEFAULTS, d, 2) - cos(173, d)) < 1e-12); // int(100 sqrt 3)
  }
  assert.ok(Math.abs(psjTargetCos({ ...PSJ_DEFAULTS, maxNumEvals: 1000 }, 784, 10000) - cos(1000, 784)) < 1e-12);
});

test("invalid PSJ options are refused with what was expected", async () => {
  const bad = (o: Partial<PsjOptions>) => () => validate({ ...PSJ_DEFAULTS, ...o });
  assert.throws(bad({ priorFrac: 0.5 }), /invalid PSJ priorFrac: expected 1 .*got 0.5/);
  assert.throws(bad({ gridSize: -1 }), /invalid PSJ gridSize: expected an integer in \[0, 10000\]/);
  assert.throws(bad({ constraint: "l1" as never }), /invalid PSJ constraint: expected "l2" or "linf", got "l1"/);
  assert.throws(bad({ initNumEvals: 0 }), /invalid PSJ initNumEvals: expected an integer >= 1, got 0/);
  const problem = linearProblem(square(4), 0.5, 1);
  const oracle = new LabelOnlyOracle(problem.classifier, problem.image, 0);
  // Without a budget, spending it is not possible.
  await assert.rejects(psj(oracle, problem.image, 0, { numIterations: Infinity }, { random: createRandom(1), anomalies: {} }), /Infinity needs an oracle with a finite budget/);
});

test("deterministic 1x4x4 linear problem: PSJ reaches the true L2 and Linf distances within 3%", async () => {
  for (const seed of [1, 2]) {
    for (const norm of ["l2", "linf"] as const) {
      const p = problemWithStart(4, seed);
      const oracle = new LabelOnlyOracle(p.classifier, p.image, 0, { budget: 3000 });
      const out = await psj(oracle, p.image, 0, { constraint: norm }, { random: createRandom(seed), startingPoint: p.start, anomalies: {} });
      assert.equal(out.stopReason, "budget");
      let linf = 0;
      for (let k = 0; k < 16; k++) linf = Math.max(linf, Math.abs(out.adversarial![k] - p.image[k]));
      const ratio = norm === "l2" ? l2(out.adversarial!, p.image) / p.distanceL2 : linf / p.distanceLinf;
      assert.ok(Math.abs(ratio - 1) < 0.03, `seed ${seed} ${norm}: ${ratio} times the true distance`);
    }
  }
});

test("PSJ against g(0.1, 10) of a linear classifier (label rule): the final iterate lies within 10% of g's boundary distance, where P[g(x) != y] is 0.5 +- 0.15", async () => {
  // g(x) = 1 when at least 6 of 10 noisy labels are 1 (ties go to class 0); a noisy label is 1 with
  // probability Phi(r / sigma), r the signed distance to the hyperplane. P[g = 1] = 1/2 at
  // Phi(r / sigma) = 0.548306 (scipy: brentq(binom.sf(5, 10, p) - 0.5)), i.e. r = 0.1 * 0.121382:
  // g's boundary is 0.5 + 0.0121382 from the image.
  const sigma = 0.1, boundary = 0.5 + 0.0121382;
  for (const seed of [1, 2, 3]) {
    const p = problemWithStart(4, seed);
    const g = new SmoothedClassifier(p.classifier, { sigma, n: 10, random: createRandom(100 + seed) });
    const oracle = new LabelOnlyOracle(g, p.image, 0, { budget: 8000, rule: "label" });
    const out = await psj(oracle, p.image, 0, {}, { random: createRandom(seed), startingPoint: p.start, anomalies: {} });
    const ratio = l2(out.adversarial!, p.image) / boundary;
    assert.ok(Math.abs(ratio - 1) <= 0.1, `seed ${seed}: iterate at ${ratio} times g's boundary distance`);
    const flip = binomialTailAtLeast(6, 10, normalCdf(p.classifier.signedDistance(out.adversarial!, 0) / sigma));
    assert.ok(Math.abs(flip - 0.5) <= 0.15, `seed ${seed}: P[g(x) != y] = ${flip} at the iterate`);
  }
});

test("the budget is never exceeded under the label, repeat:K and shortcut rules", async () => {
  for (const rule of ["label", "repeat:3", "shortcut"] as OracleRule[]) {
    for (const budget of [1, 57, 700]) {
      const p = problemWithStart(4, 1);
      const base = new CountingClassifier(p.classifier);
      const g = new SmoothedClassifier(base, { sigma: 0.1, n: 10, random: createRandom(5) });
      const oracle = new LoggingOracle(g, p.image, 0, { budget, rule });
      // A coarse line-search grid keeps this fast; the accounting does not depend on it.
      const result = await runAttack(oracle, { name: "psj", attack: psj, options: { gridSize: 20 }, norm: "l2", random: createRandom(2), startingPoint: p.start });
      assert.equal(result.stopReason, "budget", `${rule} ${budget}`);
      assert.ok(result.queries <= budget, `${rule} ${budget}: ${result.queries} queries`);
      // Every call the attack made either fitted what was left or was refused whole.
      assert.ok(oracle.calls.every((c) => c.count >= 1), `${rule} ${budget}`);
      if (rule !== "repeat:3") assert.equal(answeredPoints(oracle), result.queries, `${rule} ${budget}`);
      const left = budget - result.queries;
      // The last call asks what is left: label and shortcut spend the budget exactly, repeat:3 to within 2 calls.
      if (rule === "repeat:3") assert.ok(left < 3 && (left === 0) === (result.unspent === null), `${rule} ${budget}: ${JSON.stringify(result.unspent)}`);
      else assert.deepEqual([left, result.unspent], [0, null], `${rule} ${budget}`);
    }
  }
  // A deterministic base: the base classifier saw exactly the budget.
  const p = problemWithStart(4, 2);
  const base = new CountingClassifier(p.classifier);
  const oracle = new LabelOnlyOracle(base, p.image, 0, { budget: 900 });
  const result = await runAttack(oracle, { name: "psj", attack: psj, options: {}, norm: "l2", random: createRandom(2), startingPoint: p.start });
  assertBudgetSpent("psj", result, base, 900);
});

test("the same seed gives the same run whatever the batch sizes (PSJ's and g's)", async () => {
  const runs: Array<{ outcome: AttackOutcome; queries: number; trace: string }> = [];
  for (const [batchSize, gBatch] of [[100, 64], [1, 3], [7, 1000], [256, 10]]) {
    const p = problemWithStart(4, 3);
    const g = new SmoothedClassifier(p.classifier, { sigma: 0.1, n: 10, random: createRandom(9), batchSize: gBatch });
    const oracle = new LabelOnlyOracle(g, p.image, 0, { budget: 1500, rule: "label" });
    const outcome = await psj(oracle, p.image, 0, { batchSize, gridSize: 20 }, { random: createRandom(4), startingPoint: p.start, anomalies: {} });
    runs.push({ outcome, queries: oracle.queries, trace: JSON.stringify(oracle.trace) });
  }
  for (const run of runs.slice(1)) {
    assert.deepEqual(run.outcome, runs[0].outcome);
    assert.equal(run.queries, runs[0].queries);
    assert.equal(run.trace, runs[0].trace);
  }
  assert.ok(runs[0].outcome.iterations >= 1);
});

test("without an adversarial starting point PSJ starts from uniform noise answered adversarial, and reports failure when none is", async () => {
  const p = linearProblem(square(4), 0.5, 1);
  const oracle = new LabelOnlyOracle(p.classifier, p.image, 0, { budget: 1000 });
  const out = await psj(oracle, p.image, 0, {}, { random: createRandom(1), anomalies: {} });
  assert.ok(out.adversarial !== null);
  assert.ok(p.classifier.signedDistance(out.adversarial, 0) > -0.02);
  // A benign starting point (the original itself) is asked once, counted, and replaced by noise.
  const benign = new LabelOnlyOracle(p.classifier, p.image, 0, { budget: 1000 });
  const context = { random: createRandom(1), startingPoint: p.image, anomalies: {} as Record<string, number> };
  const fromNoise = await psj(benign, p.image, 0, {}, context);
  assert.equal(context.anomalies.startingPointBenign, 1);
  assert.ok(fromNoise.adversarial !== null && p.classifier.signedDistance(fromNoise.adversarial, 0) > -0.02);
  // A classifier that never leaves class 0: nothing is adversarial.
  const constant = new LinearClassifier(square(4), new Float32Array(16), -1);
  const refusing = new LabelOnlyOracle(constant, p.image, 0, { budget: 100000 });
  const failed = await psj(refusing, p.image, 0, { initTrials: 50 }, { random: createRandom(1), anomalies: {} });
  assert.deepEqual(failed, { adversarial: null, iterations: 0, stopReason: "failed" });
  assert.equal(refusing.queries, 50);
});

test("onIterate sees each border point with its iteration and the queries left, and changes nothing", async () => {
  const run = async (observe: boolean) => {
    const p = problemWithStart(4, 5);
    const g = new SmoothedClassifier(p.classifier, { sigma: 0.1, n: 10, random: createRandom(11) });
    const oracle = new LabelOnlyOracle(g, p.image, 0, { budget: 3000, rule: "label" });
    const seen: Array<{ point: Float32Array; iteration: number; remaining: number }> = [];
    const onIterate = (point: Float32Array, iteration: number, remaining: number) => seen.push({ point: point.slice(), iteration, remaining });
    const outcome = await psj(oracle, p.image, 0, {}, { random: createRandom(6), startingPoint: p.start, anomalies: {}, ...(observe ? { onIterate } : {}) });
    return { outcome, seen, queries: oracle.queries, trace: JSON.stringify(oracle.trace) };
  };
  const plain = await run(false);
  const observed = await run(true);
  assert.deepEqual(observed.outcome, plain.outcome);
  assert.equal(observed.queries, plain.queries);
  assert.equal(observed.trace, plain.trace);
  const { seen, outcome } = observed;
  assert.equal(outcome.stopReason, "budget");
  assert.ok(outcome.iterations >= 2, `${outcome.iterations} iterations`);
  // The first line search is iteration 0; then one border point per completed iteration, the last one the outcome.
  assert.deepEqual(seen.map((s) => s.iteration), Array.from({ length: outcome.iterations + 1 }, (_, i) => i));
  assert.deepEqual(seen.at(-1)!.point, outcome.adversarial);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].remaining < seen[i - 1].remaining);
  assert.ok(seen[0].remaining < 3000 && seen.at(-1)!.remaining >= 0);
});
