import assert from "node:assert/strict";
import { test } from "node:test";
import { adaptiveConclusion } from "../../src/report/adaptive.js";
import { headline, headlineText } from "../../src/report/headline.js";
import { BOOTSTRAP_SETTINGS, CONCLUSION_THRESHOLDS } from "../../src/report/conclusions.js";
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
  // Every image gives the same ratio: the interval is the point, and clears 0.9.
  assert.deepEqual([c.numbers.length, c.numbers[0].value, c.numbers[0].low, c.numbers[0].high, c.numbers[0].images], [1, 1.5, 1.5, 1.5, 3]);
  assert.match(c.numbers[0].label, /rs-3% Pa=0\.5 HSJA budget 1000, 3 images: L2\(n=10, best K=3: 1\.5\) \/ L2\(n=100, best K=1: 1\)/);
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
    ...tradeoffCell(adaptive(10, "repeat:3"), "hsja", 1000, [2, 2, 2]),
    ...tradeoffCell(adaptive(100, "label"), "hsja", 1000, [1, 1, 1]),
  ]);
  assert.equal(thin.verdict, "not enough data");
  assert.match(thin.note as string, /at two values of n or more with >= 3 images hardened at every K of both/);
});

test("label-rule cells alone (e.g. PopSkipJump in a paper grid) are no repeating attacker: not enough data, whatever their ratio", () => {
  const records = [
    ...tradeoffCell(adaptive(10, "label"), "psj", 1000, [1, 1, 1]),
    ...tradeoffCell(adaptive(100, "label"), "psj", 1000, [2, 2, 2]),
  ];
  const labelOnly = adaptiveConclusion(records);
  assert.equal(labelOnly.verdict, "not enough data");
  assert.deepEqual(labelOnly.comparisons, []);
  assert.match(labelOnly.note as string, /no records attacked through a repeat:K oracle with K > 1/);
  // The headline says nothing about a repeating attacker the run does not have.
  assert.doesNotMatch(headlineText(headline(records)), /repeats queries/);
});

test("the comparison is paired: its means are over the images hardened at every K of both n", () => {
  // Image 3 is misclassified by the n = 100 defense and very far at n = 10: over all images the
  // ratio would be (1 + 1 + 1 + 9) / 4 / 2 = 1.5 ("holds"); on the common images 0-2 it is 1 / 2.
  const d100 = adaptive(100, "label");
  // A repeat:3 cell at both n, farther than label everywhere (the attacker's best K stays 1).
  const c = adaptiveConclusion([
    ...tradeoffCell(adaptive(10, "label"), "hsja", 1000, [1, 1, 1, 9]),
    ...tradeoffCell(adaptive(10, "repeat:3"), "hsja", 1000, [5, 5, 5, 5]),
    ...tradeoffCell(d100, "hsja", 1000, [2, 2, 2]),
    ...tradeoffCell(adaptive(100, "repeat:3"), "hsja", 1000, [5, 5, 5]),
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

/**
 * Eight images; at n = 10 the attacker's best K is K = 1 (K = 3 leaves 3 on every image), at
 * n = 100 it is K = 1 (1 on every image, K = 3 leaves 1.5): the ratio is the mean of `fewer`.
 */
function spread(fewer: readonly number[]) {
  return [
    ...tradeoffCell(adaptive(10, "label"), "hsja", 1000, fewer),
    ...tradeoffCell(adaptive(10, "repeat:3"), "hsja", 1000, fewer.map(() => 3)),
    ...tradeoffCell(adaptive(100, "label"), "hsja", 1000, fewer.map(() => 1)),
    ...tradeoffCell(adaptive(100, "repeat:3"), "hsja", 1000, fewer.map(() => 1.5)),
  ];
}

test("the adaptive verdict reads a 95% paired bootstrap interval: straddling 0.9 is inconclusive, with the images that would decide it", () => {
  // Ratio = mean of the eight values = 1.0, deviations +-0.5, +-0.4, +-0.3, +-0.2: the bootstrap
  // standard error of a mean is sqrt(sum d^2 / 8 / 8) = sqrt(1.08 / 64) = 0.130, so the 95%
  // interval is about 1 -+ 1.96 * 0.130 = [0.745, 1.255] (normal theory; symmetric data, so BCa
  // moves it little): it straddles the threshold 0.9, while the point estimate 1.0 would "hold".
  const c = adaptiveConclusion(spread([0.5, 1.5, 0.6, 1.4, 0.7, 1.3, 0.8, 1.2]));
  const [cmp] = c.comparisons;
  assert.deepEqual([cmp.images, cmp.fewer.k, cmp.more.k], [8, 1, 1]);
  assert.ok(Math.abs(cmp.ratio - 1) < 1e-12, `ratio ${cmp.ratio}`);
  assert.ok(Math.abs(cmp.low - 0.745) < 0.04 && Math.abs(cmp.high - 1.255) < 0.04, `expected about [0.745, 1.255], got [${cmp.low}, ${cmp.high}]`);
  assert.equal(c.verdict, "inconclusive");
  // imagesToClear: 8 x ((1 - low) / (1 - 0.9))^2, about 8 x 2.55^2 = 52.
  assert.ok(c.imagesNeeded !== null && c.imagesNeeded >= 40 && c.imagesNeeded <= 65, `imagesNeeded ${c.imagesNeeded}`);
  assert.deepEqual([c.numbers[0].low, c.numbers[0].high, c.numbers[0].images], [cmp.low, cmp.high, 8]);
  assert.deepEqual(c.bootstrap, BOOTSTRAP_SETTINGS);
  assert.match(c.rule, /95% paired bootstrap interval over images \(2000 resamples, seed 0, the best K chosen again in each resample\)/);
  const text = headlineText(headline(spread([0.5, 1.5, 0.6, 1.4, 0.7, 1.3, 0.8, 1.2])));
  assert.match(text, /repeats queries: fewer samples n still give at least as much practical robustness\. INCONCLUSIVE \(95% paired bootstrap intervals over images, 2000 resamples, seed 0; threshold 0\.9\)\n   rs-3% Pa=0\.5 HSJA budget 1000, 8 images: [^\n]* = 1 \(0\.\d+-1\.\d+, 8 images\)\n   inconclusive; about \d+ images per comparison would decide it/);
});

test("an interval clearly above 0.9 holds; the same records and seed give the same interval, another seed another one", () => {
  // Mean 2, deviations +-0.2, +-0.1, +-0.15, +-0.05: standard error 0.052, interval about [1.9, 2.1].
  const records = spread([1.8, 2.2, 1.9, 2.1, 1.85, 2.15, 1.95, 2.05]);
  const c = adaptiveConclusion(records);
  const [cmp] = c.comparisons;
  assert.ok(cmp.low > 1.85 && cmp.low < 2 && cmp.high > 2 && cmp.high < 2.15, `[${cmp.low}, ${cmp.high}]`);
  assert.equal(c.verdict, "holds");
  assert.equal(c.imagesNeeded, null);
  const again = adaptiveConclusion(records).comparisons[0];
  assert.deepEqual([again.low, again.high], [cmp.low, cmp.high]);
  const other = adaptiveConclusion(records, CONCLUSION_THRESHOLDS, { ...BOOTSTRAP_SETTINGS, seed: 7 });
  assert.notDeepEqual([other.comparisons[0].low, other.comparisons[0].high], [cmp.low, cmp.high]);
  assert.deepEqual(other.bootstrap.seed, 7);
});
