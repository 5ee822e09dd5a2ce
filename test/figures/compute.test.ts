import assert from "node:assert/strict";
import { test } from "node:test";
import type { FigureInput } from "../../src/experiments/store/records.js";
import { computeFig1, computeFig2, computeFig3, figureOptions, type AdversarialProfile, type DichotomySpread, type Slice } from "../../src/figures/index.js";
import { createRandom } from "../../src/rng/index.js";
import { linearProblem } from "./linearFixture.js";

function input(options: Record<string, unknown>, label = 0): FigureInput {
  const P = linearProblem(0.5);
  return { base: P.base, image: P.image, imageIndex: 4, label, sigma: 0.25, random: createRandom(8, 4), batchSize: 100, options };
}

test("the runner's adapters compute Fig. 1-3 along the attack's direction, deterministically", async () => {
  const fig1 = (await computeFig1(input({ draws: 300, points: 9, attackBudget: 300 }))) as AdversarialProfile;
  assert.equal(fig1.figure, "fig1");
  // The attack's adversarial example lies past the hyperplane: the base boundary along its direction is at >= 0.5.
  assert.ok(fig1.baseDistance >= 0.5 - 1e-6 && fig1.baseDistance < 5, `baseDistance ${fig1.baseDistance}`);
  assert.deepEqual(await computeFig1(input({ draws: 300, points: 9, attackBudget: 300 })), fig1);

  const fig2 = (await computeFig2(input({ ns: [10], resolution: 7, attackBudget: 300 }))) as Slice;
  assert.deepEqual(fig2.panels.map((p) => p.name), ["base classifier", "RS σ=0.25 n=10"]);
  assert.ok(fig2.panels[0].labels.includes(1), "the slice along the attack's direction reaches the boundary");

  const fig3 = (await computeFig3(input({ ns: [10, 50], repetitions: 10, referenceDraws: 300, steps: 8, attackBudget: 300 }))) as DichotomySpread;
  assert.deepEqual(fig3.series.map((s) => s.n), [10, 50]);
  assert.ok(fig3.baseDistance !== null && Math.abs(fig3.baseDistance - fig1.baseDistance) < 0.02 * fig3.segmentLength);
});

test("an image the base classifier gets wrong is skipped with the reason", async () => {
  for (const compute of [computeFig1, computeFig2, computeFig3]) {
    const out = (await compute(input({}, 1))) as { figure: string; skipped: string };
    assert.match(out.skipped, /the base classifier misclassifies image 4 \(label 1, predicted 0\)/);
  }
});

test("figure options: defaults, random direction, and errors naming the option", async () => {
  assert.deepEqual(figureOptions("fig2", {}).ns, [10, 200]);
  const random = (await computeFig1(input({ draws: 100, points: 5, direction: "random" }))) as AdversarialProfile;
  assert.equal(random.figure, "fig1");
  assert.throws(() => figureOptions("fig1", { n: [5] }), /unknown option figures.options.fig1.n: expected one of ns, pa, draws/);
  assert.throws(() => figureOptions("fig3", { ns: [0] }), /invalid figures.options.fig3.ns: expected a non-empty array of positive integers, got \[0\]/);
  assert.throws(() => figureOptions("fig1", { direction: "up" }), /invalid figures.options.fig1.direction: expected one of "attack", "random", got "up"/);
  assert.throws(() => figureOptions("fig1", { attack: "fgsm" }), /invalid figures.options.fig1.attack: expected one of "hsja", "surfree", "rays", "psj"/);
  assert.deepEqual(figureOptions("fig1", { tMin: -2 }).tMin, -2);
});
