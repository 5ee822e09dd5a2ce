import assert from "node:assert/strict";
import { test } from "node:test";
import { distortionVsAccuracy } from "../../src/figures/distortionAccuracy.js";
import { distortionOf, measured } from "../../src/figures/measure.js";
import { practicalToCertified } from "../../src/figures/ratioTable.js";
import { attack, certification, defense, hardenedAt, hardening } from "./records.js";

const rs = defense("rs", "rs", 0.25, 10, 0.5);
const none = defense("none", "none", null, null, null);
const verified = { status: "verified" as const, rate: 0.8, lower: 0.6, upper: 0.9, calls: 40 };
const refuted = { status: "refuted" as const, rate: 0.1, lower: 0.02, upper: 0.3, calls: 20 };

/** Four images: verified and hardened; refuted and hardened further out; verified but hardening failed; attack failed. */
const cell = [
  hardenedAt(attack(rs, "hsja", 0, 1, "attacked", verified), hardening(1.5, 40)),
  hardenedAt(attack(rs, "hsja", 1, 0.5, "attacked", refuted), hardening(2.5, 60)),
  hardenedAt(attack(rs, "hsja", 2, 0.8, "attacked", verified), hardening(null, 100)),
  hardenedAt(attack(rs, "hsja", 3, null), null),
];

test("distortionOf reads the shortcut, verified and hardened distortion of a record, in L2 or Linf", () => {
  assert.deepEqual(cell.map((a) => distortionOf(a, "shortcut")), [1, 0.5, 0.8, null]);
  assert.deepEqual(cell.map((a) => distortionOf(a, "verified")), [1, null, 0.8, null]);
  assert.deepEqual(cell.map((a) => distortionOf(a, "hardened")), [1.5, 2.5, null, null]);
  assert.deepEqual(cell.map((a) => distortionOf(a, "hardened", "linf")), [0.375, 0.625, null, null]);
  // Without RS a final point is adversarial: the three are the attack's own distortion.
  const plain = attack(none, "hsja", 0, 2);
  assert.deepEqual((["shortcut", "verified", "hardened"] as const).map((m) => distortionOf(plain, m)), [2, 2, 2]);
});

test("measured: a record without the hardened field, or a success without a check, did not take that measure", () => {
  const old = attack(rs, "hsja", 0, 1);
  assert.equal(measured(old, "shortcut"), true);
  assert.equal(measured(old, "verified"), false);
  assert.equal(measured(old, "hardened"), false);
  assert.equal(measured(attack(rs, "hsja", 0, null), "verified"), true, "no adversarial point: nothing to check");
  assert.equal(measured(cell[3], "hardened"), true, "null: hardening asked, nothing to harden");
  assert.equal(measured(attack(none, "hsja", 0, 1), "hardened"), true);
});

test("distortionVsAccuracy gives each cell its three measures; a cell without hardening has none", () => {
  const [point] = distortionVsAccuracy(cell);
  assert.equal(point.successes, 3);
  assert.ok(Math.abs((point.meanL2 as number) - 2.3 / 3) < 1e-12);
  assert.equal(point.measures.shortcut?.count, 3);
  assert.equal(point.measures.shortcut?.medianL2, 0.8);
  assert.deepEqual(point.measures.verified, { count: 2, meanL2: 0.9, medianL2: 0.9 });
  assert.deepEqual(point.measures.hardened, { count: 2, meanL2: 2, medianL2: 2 });
  const [old] = distortionVsAccuracy([attack(rs, "hsja", 0, 1), attack(rs, "hsja", 1, 2)]);
  assert.equal(old.measures.hardened, null);
  assert.equal(old.measures.verified, null);
  assert.deepEqual(old.measures.shortcut, { count: 2, meanL2: 1.5, medianL2: 1.5 });
});

test("one attack at two budgets gives two cells", () => {
  const points = distortionVsAccuracy([
    hardenedAt(attack(rs, "hsja", 0, 1), hardening(2), 1000), hardenedAt(attack(rs, "hsja", 0, 0.5), hardening(1), 3000),
  ]);
  assert.deepEqual(points.map((p) => [p.budget, p.measures.hardened?.meanL2]), [[1000, 2], [3000, 1]]);
});

test("practicalToCertified: the ratio to the certified radius under each measure, on the images with both", () => {
  const certs = [0, 1, 2, 3].map((i) => certification("rs", 0.25, i, 0.1));
  const [row] = practicalToCertified(cell, certs);
  assert.equal(row.pairs, 3);
  assert.ok(Math.abs((row.medianRatio as number) - 8) < 1e-9, "shortcut: median of 10, 5, 8");
  assert.equal(row.measures.verified?.pairs, 2);
  assert.ok(Math.abs((row.measures.verified?.medianRatio as number) - 9) < 1e-9, "verified: median of 10 and 8");
  assert.equal(row.measures.hardened?.pairs, 2);
  assert.ok(Math.abs((row.measures.hardened?.medianRatio as number) - 20) < 1e-9, "hardened: median of 15 and 25");
  assert.ok(Math.abs((row.measures.hardened?.ratioOfMeans as number) - 20) < 1e-9);
  assert.equal(practicalToCertified([attack(rs, "hsja", 0, 1)], certs)[0].measures.hardened, null);
});
