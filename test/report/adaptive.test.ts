import assert from "node:assert/strict";
import { test } from "node:test";
import { adaptiveConclusion } from "../../src/report/adaptive.js";
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
  assert.match(c.numbers[1].label, /rs-3% Pa=0\.5 HSJA budget 1000: L2\(n=10, best K=3: 1\.5\) \/ L2\(n=100, best K=1: 1\)/);
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
  assert.match(thin.note as string, /hardened points on >= 3 images at two values of n/);
});
