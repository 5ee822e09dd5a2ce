import assert from "node:assert/strict";
import { test } from "node:test";
import { attackName, attackRank, distortionAccuracySpec, distortionVsAccuracy, formatNumber, inReadingOrder, shortenNumbers } from "../../src/figures/index.js";
import { accuracy, attack, defense } from "./records.js";

test("formatNumber shows 4 significant digits, integers as they are, and names the non-numbers", () => {
  assert.deepEqual(
    [0.03671875000000001, 0.06640625, 0.25, 0.5, 17.5, 100, 1234.5678, -0.000123456].map((x) => formatNumber(x)),
    ["0.03672", "0.06641", "0.25", "0.5", "17.5", "100", "1235", "-0.0001235"],
  );
  assert.equal(formatNumber(0.0500, 3), "0.05");
  assert.deepEqual([null, undefined, NaN, Infinity, -Infinity].map((x) => formatNumber(x)), ["–", "–", "–", "∞", "−∞"]);
});

test("shortenNumbers rewrites the decimals of a stored name and leaves integers alone", () => {
  assert.equal(shortenNumbers("RS σ=0.06640625 n=10"), "RS σ=0.06641 n=10");
  assert.equal(shortenNumbers("RS σ=0.03671875000000001 n=200"), "RS σ=0.03672 n=200");
  assert.equal(shortenNumbers("base classifier"), "base classifier");
});

test("attackName spells the attacks as their papers do; attackRank puts them in the paper's order", () => {
  assert.deepEqual(["hsja", "surfree", "rays", "probe"].map(attackName), ["HSJA", "SurFree", "RayS", "probe"]);
  assert.deepEqual(["probe", "rays", "hsja", "surfree"].sort((a, b) => attackRank(a) - attackRank(b)), ["hsja", "surfree", "rays", "probe"]);
});

test("Fig. 5 puts its panels in the paper's order and its draws in numeric order, whatever the order of the records", () => {
  const none = defense("none", "none", null, null, null);
  const points = distortionVsAccuracy(["rays", "surfree", "hsja"].map((a, i) => attack(none, a, i, 1)), [accuracy("none", null, 0.9)]);
  const spec = distortionAccuracySpec(points) as unknown as { facet: { column: { sort: string[] } }; data: { values: { attack: string }[] } };
  assert.deepEqual(spec.facet.column.sort, ["HSJA", "SurFree", "RayS"]);
  assert.deepEqual(spec.data.values.map((v) => v.attack).sort(), ["HSJA", "RayS", "SurFree"]);
  const rs = (n: number) => defense(`rs-${n}`, "rs", 0.1, n, 0.5);
  const byN = distortionVsAccuracy([100, 10, 50].map((n, i) => attack(rs(n), "hsja", i, 2)), [100, 10, 50].map((n) => accuracy(`rs-${n}`, n, 0.8)));
  const shape = (distortionAccuracySpec([...byN, ...points]) as unknown as { spec: { encoding: { shape: { sort: string[] } } } }).spec.encoding.shape;
  assert.deepEqual(shape.sort, ["n = 10", "n = 50", "n = 100", "no RS"], "draws in numeric order");
});

test("inReadingOrder sorts rows the same whatever their stored order: none, RS by sigma, RandTrain, AdvTrain; then n, Pa, attack", () => {
  const rows = [
    { defense: defense("advtrain", "advtrain", null, null, null), attack: "hsja" },
    { defense: defense("rs-12%", "rs", 0.15, 10, 0.5), attack: "hsja" },
    { defense: defense("rs-3%", "rs", 0.05, 100, 0.5), attack: "hsja" },
    { defense: defense("rs-3%", "rs", 0.05, 10, 0.8), attack: "rays" },
    { defense: defense("randtrain", "randtrain", 0.25, 10, 0.5), attack: "surfree" },
    { defense: defense("rs-3%", "rs", 0.05, 10, 0.5), attack: "rays" },
    { defense: defense("rs-3%", "rs", 0.05, 10, 0.5), attack: "surfree" },
    { defense: defense("none", "none", null, null, null), attack: "rays" },
    { defense: defense("none", "none", null, null, null), attack: "hsja" },
  ];
  const expected = [
    "none hsja", "none rays", "rs-3%/n=10/pa=0.5 surfree", "rs-3%/n=10/pa=0.5 rays", "rs-3%/n=10/pa=0.8 rays",
    "rs-3%/n=100/pa=0.5 hsja", "rs-12%/n=10/pa=0.5 hsja", "randtrain/n=10/pa=0.5 surfree", "advtrain hsja",
  ];
  const show = (rs: typeof rows) => inReadingOrder(rs).map((r) => `${r.defense.id} ${r.attack}`);
  assert.deepEqual(show(rows), expected);
  assert.deepEqual(show([...rows].reverse()), expected);
});

test("inReadingOrder puts oracle rules shortcut, label, repeat:K by K, and budgets ascending", () => {
  const d = (oracle?: string) => ({ id: `rs/n=10/pa=0.5${oracle ? `/oracle=${oracle}` : ""}`, name: "rs", kind: "rs" as const, model: "m", sigma: 0.1, n: 10, pa: 0.5, ...(oracle ? { oracle } : {}) });
  const rows = [
    { defense: d("repeat:9"), attack: "hsja", budget: 1000 }, { defense: d("repeat:3"), attack: "hsja", budget: 3000 },
    { defense: d("repeat:3"), attack: "hsja", budget: 1000 }, { defense: d("label"), attack: "hsja", budget: 1000 }, { defense: d(), attack: "hsja", budget: 1000 },
  ];
  assert.deepEqual(inReadingOrder(rows).map((r) => `${r.defense.oracle ?? "shortcut"}@${r.budget}`), ["shortcut@1000", "label@1000", "repeat:3@1000", "repeat:3@3000", "repeat:9@1000"]);
});
