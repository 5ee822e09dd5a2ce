import assert from "node:assert/strict";
import { test } from "node:test";
import { adaptiveTradeoff } from "../../src/figures/adaptiveTradeoff.js";
import { renderSvg } from "../../src/figures/render.js";
import { adaptiveTradeoffSpec } from "../../src/figures/specs.js";
import { adaptive, attack, hardening, tradeoffCell } from "./records.js";

test("adaptiveTradeoff: one point per (defense point, attack, budget), K from the rule, calls = queries + hardening calls", () => {
  const records = [
    ...tradeoffCell(adaptive(10, "label"), "hsja", 1000, [2, 2, 4]),
    ...tradeoffCell(adaptive(10, "repeat:3"), "hsja", 1000, [1, null, 3], 200),
    ...tradeoffCell(adaptive(10, "repeat:3"), "hsja", 3000, [1, 1, 1]),
    ...tradeoffCell(adaptive(10, "shortcut"), "hsja", 1000, [1, 1, 1]),
    attack(adaptive(10, "label"), "rays", 0, 1),
  ];
  const points = adaptiveTradeoff(records);
  assert.deepEqual(points.map((p) => [p.rule, p.k, p.budget, p.attacked, p.hardened, p.meanCalls, p.meanDistortion, p.medianDistortion]), [
    ["label", 1, 1000, 3, 3, 1050, 8 / 3, 2],
    ["repeat:3", 3, 1000, 3, 2, 1200, 2, 2],
    ["repeat:3", 3, 3000, 3, 3, 3050, 1, 1],
  ], "the shortcut rule and records without hardening are not points");
  assert.deepEqual([points[0].n, points[0].sigma, points[0].pa, points[0].norm], [10, 0.04, 0.5, "l2"]);
  assert.deepEqual(points[1].byImage, [{ image: 0, distortion: 1 }, { image: 2, distortion: 3 }], "the failed hardening of image 1 is not a distortion");
});

test("adaptiveTradeoff: a record's hardenedAt are points at those budgets, with the attack's calls up to each (at most its queries)", () => {
  const cell = tradeoffCell(adaptive(100, "repeat:3"), "hsja", 3000, [1, 1, 1]).map((r, i) => ({
    ...r,
    queries: i === 2 ? 800 : 3000, // the third run stopped after 800 queries
    hardenedAt: [
      { queries: 500, l2: 5, linf: 1, verification: null, hardened: hardening(i === 1 ? null : 4, 100) },
      { queries: 1000, l2: 3, linf: 1, verification: null, hardened: hardening(2, 60) },
    ],
  }));
  const points = adaptiveTradeoff(cell);
  assert.deepEqual(points.map((p) => [p.budget, p.attacked, p.hardened, p.meanCalls, p.meanDistortion]), [
    [500, 3, 2, 600, 4],
    [1000, 3, 3, (1060 + 1060 + 860) / 3, 2],
    [3000, 3, 3, (3050 + 3050 + 850) / 3, 1],
  ]);
});

test("adaptiveTradeoff reads RayS's hardened distortion in Linf", () => {
  const [p] = adaptiveTradeoff(tradeoffCell(adaptive(100, "repeat:9"), "rays", 1000, [0.4, 0.8, 1.2], 50, "linf"));
  assert.equal(p.norm, "linf");
  assert.equal(p.k, 9);
  assert.ok(Math.abs((p.meanDistortion as number) - 0.2) < 1e-12, "Linf = L2 / 4 in the fixture");
});

test("Fig. 6 renders without warnings: one panel per attack, its norm in the title", async () => {
  const records = [10, 100].flatMap((n) => (["label", "repeat:3"] as const).flatMap((rule) => [1000, 3000].flatMap((budget) => [
    ...tradeoffCell(adaptive(n, rule), "hsja", budget, [n / 10, 2, 3]),
    ...tradeoffCell(adaptive(n, rule), "rays", budget, [0.4, 0.8, 1.2], 50, "linf"),
  ])));
  const warnings: string[] = [];
  const spec = adaptiveTradeoffSpec(adaptiveTradeoff(records));
  const svg = await renderSvg(spec, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, []);
  for (const text of ["HSJA (L2)", "RayS (Linf)", "total calls of g (log scale)", "mean hardened distortion", "K (calls per step)", "draws (dashed: n = 100)"]) assert.ok(svg.includes(text), text);
  assert.equal((spec as { data: { values: unknown[] } }).data.values.length, 2 * 2 * 2 * 2);
});
