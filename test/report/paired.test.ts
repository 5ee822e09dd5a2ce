import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttackInput } from "../../src/figures/inputs.js";
import { pairedChecks } from "../../src/report/paired.js";
import { headline, headlineText } from "../../src/report/headline.js";

/** One attacked image: `hardened` is the hardened L2 (null: hardening failed), `l2` the shortcut one. */
function record(name: string, sigma: number, n: number, pa: number, image: number, l2: number, hardened: number | null, attack = "hsja"): AttackInput {
  return {
    image, attack, status: "attacked", success: true, l2, linf: l2 / 10, budget: 2000,
    defense: { id: `${name}/n=${n}/pa=${pa}`, name, kind: "rs", model: "m", sigma, n, pa },
    hardened: hardened === null ? { status: "failed", l2: null, linf: null, calls: 1000 } : { status: "hardened", l2: hardened, linf: hardened / 10, calls: 200 },
  };
}
/** An image the defense point misclassified: not attacked there. */
function misclassified(name: string, sigma: number, n: number, pa: number, image: number): AttackInput {
  return { image, attack: "hsja", status: "misclassified", success: false, l2: null, linf: null, budget: 2000, defense: { id: `${name}/n=${n}/pa=${pa}`, name, kind: "rs", model: "m", sigma, n, pa } };
}

test("conclusion 4, paired: the ratio of means over the images both n have, not of the whole cells", () => {
  const attacks = [
    // n = 10: images 1-4 (image 4 far out); n = 100 misclassifies image 4.
    ...[2, 2, 2, 10].map((h, i) => record("rs", 0.1, 10, 0.5, i + 1, h / 2, h)),
    ...[1, 1, 1].map((h, i) => record("rs", 0.1, 100, 0.5, i + 1, h, h)),
    misclassified("rs", 0.1, 100, 0.5, 4),
  ];
  const [four] = pairedChecks(attacks);
  assert.equal(four.id, 4);
  assert.equal(four.ratios.length, 1);
  // Whole cells: mean 4 / mean 1 = 4. On images 1-3: mean 2 / mean 1 = 2.
  assert.equal(four.ratios[0].value, 2);
  assert.equal(four.ratios[0].images, 3);
  assert.equal(four.ratios[0].label, "rs Pa=0.5 hsja: L2(n=10) / L2(n=100)");
  // The shortcut measure reads the final points (half the hardened ones at n = 10 here).
  const [shortcut] = pairedChecks(attacks, "shortcut");
  assert.equal(shortcut.ratios[0].value, 1);
});

test("a failed hardening leaves its image out of the hardened pairs, and fewer than 3 common images leave the pair out", () => {
  const attacks = [
    ...[2, 2, 2].map((h, i) => record("rs", 0.1, 10, 0.5, i + 1, h, h)),
    record("rs", 0.1, 100, 0.5, 1, 1, 1),
    record("rs", 0.1, 100, 0.5, 2, 1, 1),
    record("rs", 0.1, 100, 0.5, 3, 1, null),
  ];
  assert.deepEqual(pairedChecks(attacks), []);
  // Under the shortcut measure image 3 counts (its final point exists): 3 common images.
  const [four] = pairedChecks(attacks, "shortcut");
  assert.deepEqual([four.ratios[0].value, four.ratios[0].images], [2, 3]);
  assert.deepEqual(pairedChecks(attacks, "hardened", 2).map((c) => c.ratios.map((r) => [r.value, r.images])), [[[2, 2]]]);
});

test("conclusion 3, paired: per attack, the median over (n, Pa) of large-sigma / small-sigma means on common images", () => {
  const attacks: AttackInput[] = [];
  // Small sigma 0.1 ("rs-a"), large sigma 0.3 ("rs-b"): three (n, Pa) points; the large sigma misclassifies image 4,
  // which is the easy one at the small sigma (L2 0.2), so whole-cell means would inflate the ratio.
  const points: [number, number, number][] = [[10, 0.5, 1.1], [100, 0.5, 1.3], [10, 0.8, 1.2]];
  for (const [n, pa, factor] of points) {
    for (const image of [1, 2, 3]) {
      attacks.push(record("rs-a", 0.1, n, pa, image, image, image));
      attacks.push(record("rs-b", 0.3, n, pa, image, image * factor, image * factor));
    }
    attacks.push(record("rs-a", 0.1, n, pa, 4, 0.2, 0.2));
    attacks.push(misclassified("rs-b", 0.3, n, pa, 4));
  }
  const three = pairedChecks(attacks).find((c) => c.id === 3)!;
  assert.deepEqual(three.ratios.map((r) => [Number(r.value.toFixed(12)), r.images]), [[1.1, 3], [1.3, 3], [1.2, 3]]);
  assert.equal(three.summary.length, 1);
  assert.equal(three.summary[0].label, "hsja: median over (n, Pa) of L2(σ=0.3) / L2(σ=0.1)");
  assert.equal(Number(three.summary[0].value!.toFixed(12)), 1.2);
  const five = pairedChecks(attacks).find((c) => c.id === 5)!;
  // rs-a n=10 and rs-b n=10 each have Pa 0.5 and 0.8 on the same images: Pa 0.8 / Pa 0.5 = 1 and 1.2 / 1.1.
  assert.deepEqual(five.ratios.map((r) => [r.label, Number(r.value.toFixed(12))]), [
    ["rs-a n=10 hsja: L2(Pa=0.8) / L2(Pa=0.5)", 1],
    ["rs-b n=10 hsja: L2(Pa=0.8) / L2(Pa=0.5)", Number((1.2 / 1.1).toFixed(12))],
  ]);
  assert.ok(Math.abs(five.summary[0].value! - (1 + 1.2 / 1.1) / 2) < 1e-12, String(five.summary[0].value));
});

test("deterministic defenses and cells without a partner give no paired numbers", () => {
  const none: AttackInput = { image: 1, attack: "hsja", status: "attacked", success: true, l2: 1, linf: 0.1, budget: 2000, defense: { id: "none", name: "none", kind: "none", model: "m", sigma: null, n: null, pa: null } };
  assert.deepEqual(pairedChecks([none, none]), []);
  assert.deepEqual(pairedChecks([1, 2, 3].map((i) => record("rs", 0.1, 10, 0.5, i, 1, 1))), []);
});

test("the headline text prints the paired ratios that decide, with their intervals and images", () => {
  const attacks = [
    ...[2, 2, 2, 10].map((h, i) => ({ kind: "attack", key: `a/10/${i}`, ...record("rs", 0.1, 10, 0.5, i + 1, h, h) })),
    ...[1, 1, 1].map((h, i) => ({ kind: "attack", key: `a/100/${i}`, ...record("rs", 0.1, 100, 0.5, i + 1, h, h) })),
  ];
  const h = headline(attacks as never);
  assert.deepEqual(h.paired.map((p) => [p.id, p.ratios.map((r) => r.value)]), [[4, [2]]]);
  // Images 1-3 in both cells: 2 / 1 on each, so the interval is [2, 2]; the unpaired means (4 over four images / 1) stay as context.
  assert.match(headlineText(h), /\n4\. hardened HOLDS · strongest HOLDS · [^\n]*Fewer samples[^\n]*\n   hardened: rs Pa=0\.5 hsja: L2\(n=10\) \/ L2\(n=100\) = 2 \(2-2, 3 images\)\n   hardened, unpaired cell means \(context\): holds; rs Pa=0\.5 hsja: L2\(n=10\) \/ L2\(n=100\) = 4\n/);
});

test("conclusion 2, paired: smallest RS sigma over no defense on the images both attacked; a remote endpoint is not the baseline", () => {
  const plain = (image: number, l2: number, oracle?: string): AttackInput => ({
    image, attack: "rays", status: "attacked", success: true, l2, linf: l2 / 10, budget: 2000,
    defense: { id: oracle ? "remote" : "none", name: oracle ? "remote" : "none", kind: "none", model: "m", sigma: null, n: null, pa: null, ...(oracle ? { oracle } : {}) },
  });
  // Without defense image 4 is easy (L2 0.2); the smoothed defense misclassifies it, so it is not attacked there.
  const attacks = [
    ...[1, 1, 1, 0.2].map((l2, i) => plain(i + 1, l2)),
    ...[1.25, 1.25, 1.25].map((h, i) => record("rs", 0.1, 10, 0.5, i + 1, h, h, "rays")),
    misclassified("rs", 0.1, 10, 0.5, 4),
  ];
  const two = pairedChecks(attacks).find((c) => c.id === 2)!;
  // Whole cells: 1.25 / 0.8 = 1.5625 (outside conclusion 2's "barely affected" 1.3); paired: 1.25.
  assert.deepEqual(two.ratios.map((r) => [r.label, r.value, r.images]), [["n=10 Pa=0.5 rays: L2(σ=0.1) / L2(none)", 1.25, 3]]);
  assert.deepEqual(two.summary, [{ label: "rays: median over (n, Pa) of L2(σ=0.1) / L2(none)", value: 1.25 }]);
  // A remote endpoint (an oracle rule, no sigma: its randomness unknown) is never the "no defense" cell.
  const remoteOnly = [...[1, 1, 1].map((l2, i) => plain(i + 1, l2, "label")), ...[1.25, 1.25, 1.25].map((h, i) => record("rs", 0.1, 10, 0.5, i + 1, h, h, "rays"))];
  assert.equal(pairedChecks(remoteOnly).find((c) => c.id === 2), undefined);
});
