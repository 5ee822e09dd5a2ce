import assert from "node:assert/strict";
import { test } from "node:test";
import { adaptiveConclusion } from "../../src/report/adaptive.js";
import { CONCLUSION_THRESHOLDS } from "../../src/report/conclusions.js";
import { adaptive, attack, tradeoffCell } from "../figures/records.js";

/** n = 10 and 100, K = 1 and 3, HSJA at 1000 queries; n = 10 at K = 3 hardened at `fewK3`. */
function grid(fewK3: number) {
  return [
    ...tradeoffCell(adaptive(10, "label"), "hsja", 1000, [2, 2, 2]),
    ...tradeoffCell(adaptive(10, "repeat:3"), "hsja", 1000, [fewK3, fewK3, fewK3]),
    ...tradeoffCell(adaptive(100, "label"), "hsja", 1000, [1, 1, 1]),
    ...tradeoffCell(adaptive(100, "repeat:3"), "hsja", 1000, [1.2, 1.2, 1.2]),
  ];
}

test("conclusion 4 survives when the attacker's best K at the smallest n still leaves at least 0.9 x the distortion at the largest n", () => {
  const c = adaptiveConclusion(grid(1.5));
  assert.equal(c.verdict, "holds");
  assert.equal(c.comparisons.length, 1);
  const [cmp] = c.comparisons;
  assert.deepEqual([cmp.fewer.n, cmp.fewer.k, cmp.fewer.meanDistortion, cmp.more.n, cmp.more.k, cmp.more.meanDistortion], [10, 3, 1.5, 100, 1, 1]);
  assert.equal(cmp.ratio, 1.5);
  assert.equal(c.numbers[0].label, "smallest ratio");
  assert.equal(c.numbers[0].value, 1.5);
  assert.match(c.numbers[1].label, /rs-3% Pa=0\.5 HSJA budget 1000, 3 images: L2\(n=10, best K=3: 1\.5\) \/ L2\(n=100, best K=1: 1\)/);
});

test("conclusion 4 does not survive when repeating queries makes the small n easy", () => {
  const c = adaptiveConclusion(grid(0.5));
  assert.equal(c.verdict, "does not hold");
  assert.equal(c.comparisons[0].ratio, 0.5);
});

test("without repeat:K records with hardening, or with too few hardened images, there is not enough data", () => {
  const none = adaptiveConclusion([attack(adaptive(10, "label"), "hsja", 0, 1)]);
  assert.equal(none.verdict, "not enough data");
  assert.match(none.note as string, /no records of a smoothed defense attacked through a label or repeat:K oracle with hardening/);
  const thin = adaptiveConclusion([
    ...tradeoffCell(adaptive(10, "label"), "hsja", 1000, [2, 2, null]),
    ...tradeoffCell(adaptive(100, "label"), "hsja", 1000, [1, 1, 1]),
  ]);
  assert.equal(thin.verdict, "not enough data");
  assert.match(thin.note as string, /at two values of n or more with >= 3 images hardened at every K of both/);
});

test("the comparison is paired: its means are over the images hardened at every K of both n", () => {
  // Image 3 is misclassified by the n = 100 defense and very far at n = 10: over all images the
  // ratio would be (1 + 1 + 1 + 9) / 4 / 2 = 1.5 ("holds"); on the common images 0-2 it is 1 / 2.
  const d100 = adaptive(100, "label");
  const c = adaptiveConclusion([
    ...tradeoffCell(adaptive(10, "label"), "hsja", 1000, [1, 1, 1, 9]),
    ...tradeoffCell(d100, "hsja", 1000, [2, 2, 2]),
    attack(d100, "hsja", 3, null, "misclassified"),
  ]);
  assert.equal(c.verdict, "does not hold");
  const [cmp] = c.comparisons;
  assert.deepEqual([cmp.images, cmp.fewer.meanDistortion, cmp.fewer.hardened, cmp.fewer.attacked, cmp.more.meanDistortion, cmp.more.attacked, cmp.ratio], [3, 1, 4, 4, 2, 3, 0.5]);
});

test("the best K is chosen on the common images, and an image missing at one K leaves every mean", () => {
  // At n = 10, K = 3 is not done on image 2 (a partial run): the common images are 0 and 1, where
  // K = 3 is best (0.5 vs 2); over all its own images K = 1 would look best (mean 2 vs 8 / 3).
  const c = adaptiveConclusion([
    ...tradeoffCell(adaptive(10, "label"), "hsja", 1000, [2, 2, 2]),
    ...tradeoffCell(adaptive(10, "repeat:3"), "hsja", 1000, [0.5, 0.5]),
    ...tradeoffCell(adaptive(100, "label"), "hsja", 1000, [1, 1, 7]),
    ...tradeoffCell(adaptive(100, "repeat:3"), "hsja", 1000, [3, 3, 3]),
  ], { ...CONCLUSION_THRESHOLDS, minImages: 2 });
  const [cmp] = c.comparisons;
  assert.deepEqual([cmp.images, cmp.fewer.k, cmp.fewer.meanDistortion, cmp.more.k, cmp.more.meanDistortion, cmp.ratio], [2, 3, 0.5, 1, 1, 0.5]);
  assert.equal(c.verdict, "does not hold");
  const strict = adaptiveConclusion([
    ...tradeoffCell(adaptive(10, "label"), "hsja", 1000, [2, 2, 2]),
    ...tradeoffCell(adaptive(10, "repeat:3"), "hsja", 1000, [0.5, 0.5]),
    ...tradeoffCell(adaptive(100, "label"), "hsja", 1000, [1, 1, 7]),
  ]);
  assert.equal(strict.verdict, "not enough data", "2 common images are fewer than the default 3");
});
