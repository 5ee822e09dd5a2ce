import assert from "node:assert/strict";
import { test } from "node:test";
import { orthonormalDirections } from "../../src/figures/geometry.js";
import { computeSlice } from "../../src/figures/index.js";
import { createRandom } from "../../src/rng/index.js";
import { linearProblem } from "./linearFixture.js";

test("the base panel is the exact side of the hyperplane at every grid point", async () => {
  const P = linearProblem(0.5);
  const slice = await computeSlice([{ name: "base", classifier: P.base }], P.image, P.label, createRandom(2), { resolution: 21, extent: 2 });
  const [u, v] = orthonormalDirections(P.d, 2, createRandom(2));
  assert.equal(slice.coordinates.length, 21);
  assert.equal(slice.coordinates[0], -2);
  assert.equal(slice.coordinates[20], 2);
  assert.equal(slice.coordinates[10], 0);
  let ones = 0;
  for (let j = 0; j < 21; j++) {
    for (let i = 0; i < 21; i++) {
      const x = P.image.map((xo, k) => xo + slice.coordinates[i] * u[k] + slice.coordinates[j] * v[k]);
      const expected = P.base.score(x, 0) > 0 ? 1 : 0;
      assert.equal(slice.panels[0].labels[j * 21 + i], expected, `label at (${i}, ${j})`);
      ones += expected;
    }
  }
  assert.ok(ones > 0 && ones < 441, "the slice shows the boundary");
  assert.equal(slice.panels[0].labels[10 * 21 + 10], P.label, "the image at the centre keeps its label");
});

test("the automatic extent is twice the distance to the boundary along the nearest axis", async () => {
  const P = linearProblem(0.5);
  const slice = await computeSlice([{ name: "base", classifier: P.base }], P.image, P.label, createRandom(4), { resolution: 5 });
  const axes = orthonormalDirections(P.d, 2, createRandom(4));
  // along a unit direction a with w . a > 0 the boundary is at 0.5 / (w . a)
  const nearest = Math.min(...axes.map((a) => 0.5 / Math.abs(a.reduce((s, x, k) => s + x * P.w[k], 0))));
  assert.ok(Math.abs(slice.extent - 2 * nearest) < 1e-4 * nearest, `extent ${slice.extent}, expected ${2 * nearest}`);
});

test("g(sigma, 200) agrees with a flat base boundary away from it; g(sigma, 10) frays more", async () => {
  const P = linearProblem(0.5);
  const sigma = 0.25;
  const slice = await computeSlice(
    [
      { name: "base", classifier: P.base },
      { name: "RS n=10", classifier: P.smoothed(sigma, 10) },
      { name: "RS n=200", classifier: P.smoothed(sigma, 200) },
    ],
    P.image, P.label, createRandom(2), { resolution: 31, extent: 3 },
  );
  const disagree = (k: number) => slice.panels[k].labels.filter((l, q) => l !== slice.panels[0].labels[q]).length;
  assert.deepEqual(slice.panels.map((p) => p.name), ["base", "RS n=10", "RS n=200"]);
  assert.ok(disagree(2) <= 0.05 * 961, `n=200 disagrees at ${disagree(2)} of 961 points`);
  assert.ok(disagree(1) > disagree(2), `n=10 disagrees at ${disagree(1)}, n=200 at ${disagree(2)}`);
});

test("errors say what was expected", async () => {
  const P = linearProblem(0.5);
  await assert.rejects(computeSlice([], P.image, 0, createRandom(1)), /invalid panels: expected at least one classifier, got none/);
  await assert.rejects(computeSlice([{ name: "base", classifier: P.base }], P.image, 0, createRandom(1), { resolution: 1 }), /invalid resolution: expected an integer >= 2, got 1/);
  await assert.rejects(computeSlice([{ name: "base", classifier: P.base }], P.image, 0, createRandom(1), { extent: -1 }), /invalid extent: expected a number > 0, got -1/);
  await assert.rejects(
    computeSlice([{ name: "base", classifier: P.base }], P.image, 0, createRandom(1), { maxDistance: 0.01 }),
    /no boundary within distance 0.01 along the slice axes: expected one to set the extent automatically, got none \(pass extent\)/,
  );
});

test("className prints a digit class once ('5', not '5 5') and a named class with its number", async () => {
  const { className } = await import("../../src/figures/specs.js");
  const digits = Array.from({ length: 10 }, (_, i) => String(i));
  assert.equal(className(5, digits), "5");
  assert.equal(className(3, ["t-shirt", "trouser", "pullover", "dress"]), "3 dress");
  assert.equal(className(7), "7");
});
