import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttackRecord, DefenseRef } from "../../src/experiments/store/records.js";
import { strongestAttacks } from "../../src/figures/strongest.js";
import { strongestShares } from "../../src/figures/strongestShare.js";
import type { OracleRule } from "../../src/oracle/rule.js";
import { attack, defense, hardenedAt, hardening } from "./records.js";

const rs = defense("rs-3%", "rs", 0.05, 10, 0.5);
const none = defense("none", "none", null, null, null);
/** The same defense point under another oracle rule (its id carries the rule, as the runner's do). */
const rule = (d: DefenseRef, oracle: OracleRule): DefenseRef => ({ ...d, id: `${d.id}/oracle=${oracle}`, oracle });

/** An attack of the RS point whose final point is at L2 5 and was hardened at `l2` (null: hardening failed). */
const hardenedRecord = (d: DefenseRef, name: string, image: number, l2: number | null): AttackRecord => hardenedAt(attack(d, name, image, 5), hardening(l2));

/*
 * Hand-computed: image 1: HSJA 2.0, RayS 1.0, PSJ 0.5 -> PSJ strongest, ratios 4, 2, 1;
 * image 2: HSJA 1.0, RayS 1.5, PSJ 1.0 -> HSJA and PSJ tie, ratios 1, 1.5, 1;
 * image 3: HSJA failed hardening, RayS 3.0, PSJ unsuccessful -> RayS, ratio 1;
 * image 4: misclassified by every attack -> no strongest distortion, not counted;
 * image 5: not yet attacked by PSJ (a run in progress): HSJA 1.0, RayS 2.0 -> HSJA, ratios 1, 2;
 * PSJ does not count it.
 */
const RECORDS: AttackRecord[] = [
  hardenedRecord(rs, "hsja", 1, 2.0), hardenedRecord(rs, "rays", 1, 1.0), hardenedRecord(rule(rs, "label"), "psj", 1, 0.5),
  hardenedRecord(rs, "hsja", 2, 1.0), hardenedRecord(rs, "rays", 2, 1.5), hardenedRecord(rule(rs, "label"), "psj", 2, 1.0),
  hardenedRecord(rs, "hsja", 3, null), hardenedRecord(rs, "rays", 3, 3.0), hardenedAt(attack(rule(rs, "label"), "psj", 3, null), null),
  attack(rs, "hsja", 4, null, "misclassified"), attack(rs, "rays", 4, null, "misclassified"), attack(rule(rs, "label"), "psj", 4, null, "misclassified"),
  hardenedRecord(rs, "hsja", 5, 1.0), hardenedRecord(rs, "rays", 5, 2.0),
  // Without RS the final points count: RayS 0.8 is the strongest, HSJA 1.0 is 1.25x it.
  attack(none, "hsja", 1, 1.0), attack(none, "rays", 1, 0.8),
];

test("strongestShares counts, per defense point, the images on which each attack is the strongest (hand-computed)", () => {
  const { rows, totals } = strongestShares(RECORDS);
  const byAttack = (d: string) => Object.fromEntries(rows.filter((r) => r.defense.id === d).map((r) => [r.attack + (r.oracle ? `/${r.oracle}` : ""), [r.images, r.reached, r.strongest, r.medianRatio, r.medianVsOthers]]));
  assert.deepEqual(byAttack("rs-3%/n=10/pa=0.5"), {
    // images, reached, strongest on, median / strongest, median / best other
    hsja: [4, 3, 2, 1, 1], // / strongest: 4, 1, 1; / best other: 4, 1, 0.5
    rays: [4, 4, 1, 1.75, 2], // 2, 1.5, 1, 2; 2, 1.5, (image 3: no other), 2
    "psj/label": [3, 2, 2, 1, 0.75], // 1, 1; 0.5, 1 (image 5 not attacked)
  });
  assert.deepEqual(byAttack("none"), { hsja: [1, 1, 0, 1.25, 1.25], rays: [1, 1, 1, 1, 0.8] });
  // Rows name the defense point without its rule: PSJ's label cell joins the shortcut cells.
  assert.ok(rows.every((r) => r.defense.oracle === undefined && !r.defense.id.includes("oracle=")));
  // The totals pool only the defense points with noise (not "none").
  assert.deepEqual(Object.fromEntries(totals.map((t) => [t.attack, [t.images, t.reached, t.strongest, t.medianRatio, t.medianVsOthers]])), {
    hsja: [4, 3, 2, 1, 1], rays: [4, 4, 1, 1.75, 2], psj: [3, 2, 2, 1, 0.75],
  });
  // Its images are exactly those with a strongest distortion (strongest.ts).
  const withDistortion = strongestAttacks(RECORDS).filter((s) => s.defense.id === "rs-3%/n=10/pa=0.5" && s.hardened?.status === "hardened");
  assert.equal(withDistortion.length, 4);
});

test("strongestShares keeps an attack's rules apart and pools defense points in the totals", () => {
  const rs100 = defense("rs-3%", "rs", 0.05, 100, 0.5);
  const records = [
    hardenedRecord(rule(rs, "label"), "hsja", 1, 2.0), hardenedRecord(rule(rs, "repeat:3"), "hsja", 1, 1.0),
    hardenedRecord(rule(rs100, "label"), "hsja", 1, 3.0), hardenedRecord(rule(rs100, "repeat:3"), "hsja", 1, 6.0),
    hardenedRecord(rule(rs100, "label"), "hsja", 2, 1.0), hardenedRecord(rule(rs100, "repeat:3"), "hsja", 2, 1.0),
  ];
  const { rows, totals } = strongestShares(records);
  assert.equal(rows.length, 4);
  const total = Object.fromEntries(totals.map((t) => [`${t.attack}/${t.oracle}`, [t.images, t.reached, t.strongest, t.medianRatio, t.medianVsOthers]]));
  // label: / strongest 2 (n=10), 1 and 1 (n=100), / the other rule 2, 0.5, 1; repeat:3: 1, 2, 1 and 0.5, 2, 1
  assert.deepEqual(total, { "hsja/label": [3, 3, 2, 1, 1], "hsja/repeat:3": [3, 3, 2, 1, 1] });
  const n100 = rows.filter((r) => r.defense.n === 100).map((r) => [r.oracle, r.strongest, r.medianRatio, r.medianVsOthers]);
  assert.deepEqual(n100, [["label", 2, 1, 0.75], ["repeat:3", 1, 1.5, 1.5]]);
});
