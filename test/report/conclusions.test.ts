import assert from "node:assert/strict";
import { test } from "node:test";
import { attackFamily, CONCLUSION_THRESHOLDS, evaluateConclusions } from "../../src/report/index.js";
import { certification } from "../figures/records.js";
import { cell, none, paperLike, rsSmall } from "./paperLike.js";

test("on the paper's own numbers all five conclusions hold", () => {
  const results = evaluateConclusions(paperLike());
  assert.deepEqual(results.map((r) => [r.id, r.verdict]), [[1, "holds"], [2, "holds"], [3, "holds"], [4, "holds"], [5, "holds"]]);
  const [c1, c2, c3, c4, c5] = results;
  // 1: the smallest median ratio is RayS at sigma 0.15: 15 / 0.3 = 50
  assert.equal(c1.numbers[0].label, "smallest median ratio");
  assert.ok(Math.abs((c1.numbers[0].value as number) - 50) < 1e-9);
  // 2: HSJA factor = median over (n, Pa) of L2 / 17.5
  const hsja = c2.numbers.find((n) => n.label.startsWith("hsja")) as { value: number };
  const expected = [48.8, 48.8 * 1.05, 46.6, 46.6 * 1.05].map((x) => x / 17.5).sort((a, b) => a - b);
  assert.ok(Math.abs(hsja.value - (expected[1] + expected[2]) / 2) < 1e-12);
  assert.ok(c2.numbers.some((n) => n.label.startsWith("rays") && (n.value as number) < CONCLUSION_THRESHOLDS.barelyAffected));
  // 3: accuracy 0.615 < 0.73
  assert.deepEqual(c3.numbers.slice(0, 2).map((n) => n.value), [0.73, 0.615]);
  // 4: one ratio per (defense, Pa, attack): 2 defenses x 2 levels x 3 attacks
  assert.equal(c4.numbers.length, 12);
  // 5: every ratio is 1.05
  assert.ok(Math.abs((c5.numbers[0].value as number) - 1.05) < 1e-12);
  for (const r of results) assert.ok(r.rule.length > 20 && r.statement.length > 20);
});

test("each rule fails when the data contradicts it", () => {
  const { attacks, accuracies, certifications } = paperLike();
  // 1: radii of the same size as the distortions
  const big = certifications.map((c) => certification(c.defense, c.sigma, c.image, 20));
  assert.equal(evaluateConclusions({ attacks, accuracies, certifications: big })[0].verdict, "does not hold");
  // 2: RayS strongly affected
  const raysUp = attacks.map((a) => (a.defense.kind === "rs" && a.attack === "rays" ? { ...a, l2: 40 } : a));
  assert.equal(evaluateConclusions({ attacks: raysUp, accuracies, certifications })[1].verdict, "does not hold");
  // 3: the larger sigma doubles the distortion
  const largeUp = attacks.map((a) => (a.defense.name === "rs-12%" ? { ...a, l2: (a.l2 as number) * 3 } : a));
  assert.equal(evaluateConclusions({ attacks: largeUp, accuracies, certifications })[2].verdict, "does not hold");
  // 4: n = 10 much easier to attack than n = 100
  const fewWeak = attacks.map((a) => (a.defense.n === 10 ? { ...a, l2: (a.l2 as number) / 2 } : a));
  assert.equal(evaluateConclusions({ attacks: fewWeak, accuracies, certifications })[3].verdict, "does not hold");
  // 5: Pa = 0.8 doubles the distortion
  const levelUp = attacks.map((a) => (a.defense.pa === 0.8 ? { ...a, l2: (a.l2 as number) * 2 } : a));
  assert.equal(evaluateConclusions({ attacks: levelUp, accuracies, certifications })[4].verdict, "does not hold");
});

test("without the cells a rule needs, the verdict is 'not enough data' and says why", () => {
  const results = evaluateConclusions({ attacks: cell(none, "hsja", 2), accuracies: [], certifications: [] });
  assert.deepEqual(results.map((r) => r.verdict), Array(5).fill("not enough data"));
  assert.match(results[0].note as string, /no smoothed defense with both certified radii and distortions on enough images/);
  assert.match(results[1].note as string, /needs attacks both without defense and against RS/);
  assert.match(results[2].note as string, /needs RS at two sigmas or more/);
  // Cells with fewer than minImages successes are left out.
  const thin = evaluateConclusions({ attacks: [...cell(none, "hsja", 2), ...cell(rsSmall(10, 0.5), "hsja", 5, 2)], accuracies: [], certifications: [] });
  assert.equal(thin[1].verdict, "not enough data");
});

test("a remote endpoint (kind none, but an oracle rule: its defense unknown) is not the 'without defense' baseline of conclusion 2", () => {
  const data = paperLike();
  const remote = { id: "api/pa=0.5/oracle=label", name: "api", kind: "none" as const, model: "http://127.0.0.1:1", sigma: null, drop: null, n: null, pa: 0.5, oracle: "label" as const };
  // Far harder to attack than anything: taken as the baseline it would make every factor < 1.
  const remoteCells = ["hsja", "surfree", "rays"].flatMap((a) => cell(remote, a, 1000));
  const withRemote = evaluateConclusions({ ...data, attacks: [...remoteCells, ...data.attacks] });
  assert.deepEqual(withRemote[1].numbers, evaluateConclusions(data)[1].numbers);
  assert.equal(withRemote[1].verdict, "holds");
});

test("attackFamily maps registered names to the paper's attacks", () => {
  assert.deepEqual(["hsja", "HopSkipJump", "surfree", "rays", "RayS-linf", "probe"].map(attackFamily), ["hsja", "hsja", "surfree", "rays", "rays", "probe"]);
});
