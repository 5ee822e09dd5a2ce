import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttackRecord } from "../../src/experiments/store/records.js";
import { strongestAttacks, STRONGEST } from "../../src/figures/strongest.js";
import { evaluateConclusions } from "../../src/report/index.js";
import { attack, certification, defense, hardening } from "../figures/records.js";

const at = (n: number) => defense("rs-3%", "rs", 0.05, n, 0.5);

/**
 * Conclusion 4's one group: HSJA against rs-3% at n = 10 and n = 100 on the same 12 images, the
 * n = 10 distortion = `ratio` x the n = 100 one x (1 +- spread) alternating over pairs of images
 * with the same n = 100 distortion, so the paired ratio
 * of means is exactly `ratio` and its interval is as wide as `spread` makes it.
 */
function fewerSamples(ratio: number, spread: number): { attacks: AttackRecord[]; accuracies: []; certifications: [] } {
  const attacks: AttackRecord[] = [];
  for (let i = 0; i < 12; i++) {
    const base = 2 + (Math.floor(i / 2) % 3);
    attacks.push(attack(at(100), "hsja", i, base));
    attacks.push(attack(at(10), "hsja", i, ratio * base * (1 + (i % 2 ? spread : -spread))));
  }
  return { attacks, accuracies: [], certifications: [] };
}

test("a verdict whose interval straddles its threshold is inconclusive, with the images that would decide it", () => {
  const c4 = evaluateConclusions(fewerSamples(0.95, 0.3))[3];
  assert.equal(c4.verdict, "inconclusive");
  const [group] = c4.numbers;
  assert.equal(group.images, 12);
  assert.ok(Math.abs((group.value as number) - 0.95) < 1e-12);
  assert.ok((group.low as number) < 0.9 && (group.high as number) > 0.95, `interval ${group.low}-${group.high}`);
  // (half-width / gap)^2 x 12 images, the half-width on the threshold's side
  assert.equal(c4.imagesNeeded, Math.ceil(12 * ((0.95 - (group.low as number)) / 0.05) ** 2));
  assert.ok((c4.imagesNeeded as number) > 12);
  // The unpaired cell means say the same ratio (same images) but decide nothing.
  assert.equal(c4.unpaired.verdict, "holds");
  assert.equal(c4.bootstrap.resamples, 2000);
});

test("the same ratio with little spread decides: holds above the threshold, does not hold below", () => {
  assert.equal(evaluateConclusions(fewerSamples(0.95, 0.01))[3].verdict, "holds");
  assert.equal(evaluateConclusions(fewerSamples(0.85, 0.01))[3].verdict, "does not hold");
  assert.equal(evaluateConclusions(fewerSamples(0.85, 0.01))[3].imagesNeeded, null);
});

test("the same records and seed give the same intervals; another seed moves them", () => {
  const data = fewerSamples(0.95, 0.3);
  const one = evaluateConclusions(data)[3], two = evaluateConclusions(data)[3];
  assert.deepEqual(one.numbers, two.numbers);
  const other = evaluateConclusions(data, undefined, "shortcut", { seed: 5, resamples: 2000, level: 0.95 })[3];
  assert.notDeepEqual(other.numbers, one.numbers);
  assert.equal(other.bootstrap.seed, 5);
});

test("the same records in another order give the same intervals (bootstrap slots follow image ids, not storage order)", () => {
  const c4 = fewerSamples(0.95, 0.3);
  // Conclusion 1 too (its per-image ratios are sorted before the weighted median): 12 images, distortions and radii varying.
  const d = at(10);
  const attacks = [...c4.attacks, ...Array.from({ length: 12 }, (_, i) => attack(d, "rays", 20 + i, 1 + 0.3 * i))];
  const certifications = Array.from({ length: 12 }, (_, i) => certification("rs-3%", 0.05, 20 + i, 0.1 + 0.02 * (i % 5)));
  const data = { attacks, accuracies: [] as [], certifications };
  // A fixed shuffle: reversed, then every other record first.
  const reversed = [...attacks].reverse();
  const shuffled = { ...data, attacks: [...reversed.filter((_, i) => i % 2 === 0), ...reversed.filter((_, i) => i % 2 === 1)], certifications: [...certifications].reverse() };
  const one = evaluateConclusions(data), two = evaluateConclusions(shuffled);
  for (const k of [0, 3]) {
    assert.ok(one[k].numbers.some((n) => n.low !== null && n.low !== n.high), "intervals of some width");
    assert.deepEqual(two[k].numbers, one[k].numbers, `conclusion ${k + 1}`);
  }
});

test("conclusion 4 needs every group: one inconclusive group makes the verdict inconclusive, one failing group makes it fail", () => {
  const clear = fewerSamples(1.2, 0.01).attacks;
  const straddling = fewerSamples(0.95, 0.3).attacks.map((a) => ({ ...a, attack: "surfree" }));
  const failing = fewerSamples(0.7, 0.01).attacks.map((a) => ({ ...a, attack: "rays" }));
  const none = { accuracies: [], certifications: [] };
  assert.equal(evaluateConclusions({ attacks: clear, ...none })[3].verdict, "holds");
  assert.equal(evaluateConclusions({ attacks: [...clear, ...straddling], ...none })[3].verdict, "inconclusive");
  assert.equal(evaluateConclusions({ attacks: [...clear, ...straddling, ...failing], ...none })[3].verdict, "does not hold");
});

test("strongest takes per image the smallest hardened L2 over the attacks of the cell, whatever the oracle rule", () => {
  const d = at(10), label = { ...d, id: `${d.id}/oracle=label`, oracle: "label" as const };
  const records: AttackRecord[] = [
    { ...attack(d, "hsja", 0, 5), hardened: hardening(6) },
    { ...attack(d, "rays", 0, 4), hardened: hardening(8) },
    { ...attack(label, "psj", 0, 3), hardened: hardening(2.5) },
    { ...attack(d, "hsja", 1, 5), hardened: hardening(null) },
    { ...attack(d, "rays", 1, 4), hardened: hardening(7) },
    { ...attack(label, "psj", 1, 3), hardened: hardening(null) },
    { ...attack(d, "hsja", 2, 5), hardened: hardening(null) },
    { ...attack(d, "rays", 2, null), hardened: null },
    { ...attack(label, "psj", 2, 1), hardened: hardening(null) },
  ];
  const s = strongestAttacks(records);
  assert.deepEqual(s.map((a) => [a.image, a.attack, a.defense.id, a.success, a.hardened?.l2 ?? null]), [
    [0, STRONGEST, "rs-3%/n=10/pa=0.5", true, 2.5],
    [1, STRONGEST, "rs-3%/n=10/pa=0.5", true, 7],
    [2, STRONGEST, "rs-3%/n=10/pa=0.5", false, null],
  ]);
  // Against RS it carries no shortcut distortion of its own.
  assert.ok(s.every((a) => a.l2 === null));
  // Without RS (deterministic) the smallest final distortion.
  const none = defense("none", "none", null, null, null);
  assert.deepEqual(strongestAttacks([attack(none, "hsja", 0, 3), attack(none, "rays", 0, 2)]).map((a) => a.l2), [2]);
  // A cell without hardening has no worst case.
  assert.deepEqual(strongestAttacks([attack(d, "hsja", 0, 3)]), []);
});

test("conclusions on the strongest measure read the strongest entries", () => {
  const base = fewerSamples(1.2, 0.01).attacks.map((a) => ({ ...a, hardened: hardening(a.l2) }));
  // A second attack much closer at n = 10 only: the worst case fails conclusion 4 while HSJA alone holds.
  const close = base.filter((a) => a.defense.n === 10).map((a) => ({ ...a, attack: "rays", hardened: hardening((a.l2 as number) / 4) }));
  const farther = base.filter((a) => a.defense.n === 100).map((a) => ({ ...a, attack: "rays", hardened: hardening((a.l2 as number) * 2) }));
  const input = { attacks: [...base, ...close, ...farther], accuracies: [], certifications: [] };
  const c4 = evaluateConclusions(input, undefined, "strongest")[3];
  assert.equal(c4.measure, "strongest");
  assert.equal(c4.numbers.length, 1);
  assert.match(c4.numbers[0].label, /strongest: L2\(n=10\) \/ L2\(n=100\)/);
  assert.ok(Math.abs((c4.numbers[0].value as number) - 0.3) < 1e-9);
  assert.equal(c4.verdict, "does not hold");
  assert.equal(evaluateConclusions(input, undefined, "hardened")[3].verdict, "does not hold");
});

test("an original adversarial at level Pa counts as an error in the accuracy at level Pa, beside the one-call accuracy", async () => {
  const { distortionVsAccuracy } = await import("../../src/figures/distortionAccuracy.js");
  const { accuracy } = await import("../figures/records.js");
  const d = at(10);
  const records: AttackRecord[] = [
    attack(d, "hsja", 0, 2), attack(d, "hsja", 1, 2), attack(d, "hsja", 2, 2),
    { ...attack(d, "hsja", 3, null, "misclassified"), prediction: 0, stopReason: "adversarial at level Pa", originalCheck: { status: "verified", rate: 0.9, lower: 0.6, upper: 1, calls: 13 } },
    attack(d, "hsja", 4, null, "misclassified"),
  ];
  const [p] = distortionVsAccuracy(records, [accuracy("rs-3%", 10, 0.8)]);
  assert.equal(p.accuracy, 0.8);
  assert.equal(p.adversarialAtLevel, 1);
  // 3 attacked of the 4 the single call got right: 0.8 x 3 / 4
  assert.ok(Math.abs((p.levelAccuracy as number) - 0.6) < 1e-12);
});
