import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttackRecord } from "../../src/attacks/record.js";
import { summarizeAttacks } from "../../src/attacks/summary.js";

function record(image: number, status: "attacked" | "misclassified", l2: number | null, extra: Partial<AttackRecord> = {}): AttackRecord {
  return {
    kind: "attack", key: `attack/none/rays-linf/image=${image}`, seed: 0, image, label: 0, prediction: status === "attacked" ? 0 : 1, status,
    defense: { id: "none", name: "none", kind: "none", model: "m", sigma: null, drop: null, n: null, pa: null },
    attack: "rays", norm: "linf", budget: 1000, success: l2 !== null, l2, linf: l2 === null ? null : l2 / 2,
    queries: status === "attacked" ? 1000 : 0, forwardPasses: status === "attacked" ? 1000 : 0,
    checkpoints: status === "attacked" ? [{ queries: 500, l2: l2 === null ? null : 2 * l2, linf: null }, { queries: 1000, l2, linf: l2 === null ? null : l2 / 2 }] : [],
    trace: [], iterations: 1, stopReason: "budget", anomalies: { lineSearchDisagreed: 1 }, start: null, verification: null, seconds: 0, ...extra,
  };
}

test("summarizeAttacks: rates over the attacked images, statistics over the successful ones, checkpoints per budget", () => {
  const s = summarizeAttacks([record(0, "attacked", 1), record(1, "attacked", 3), record(2, "attacked", null), record(3, "misclassified", null)], { budget: 1000, checked: false });
  assert.equal(s.images, 4);
  assert.equal(s.attempted, 3);
  assert.deepEqual(s.skipped, [{ image: 3, label: 0, prediction: 1 }]);
  assert.equal(s.success, 2 / 3);
  assert.equal(s.meanL2, 2);
  assert.equal(s.medianL2, 2);
  assert.equal(s.meanLinf, 1);
  assert.deepEqual(s.checkpoints.map((c) => [c.queries, c.success, c.meanL2]), [[500, 2 / 3, 4], [1000, 2 / 3, 2]]);
  assert.equal(s.queries, 3000);
  assert.equal(s.meanQueries, 1000);
  assert.equal(s.verified, null);
  assert.deepEqual(s.anomalies, { lineSearchDisagreed: 3 });
  assert.deepEqual([s.unspentQueries, s.unspentImages], [0, 0]);
});

test("summarizeAttacks gives null, never NaN, when no image was attacked, and counts unspent queries", () => {
  const none = summarizeAttacks([record(3, "misclassified", null)], { budget: 1000, checked: true });
  assert.equal(none.attempted, 0);
  for (const key of ["success", "verified", "meanL2", "medianL2", "meanQueries", "meanForwardPasses"] as const) assert.equal(none[key], null, key);
  assert.equal(none.checkpoints[0].success, null);
  const left = summarizeAttacks([record(0, "attacked", 1, { queries: 999, unspent: { queries: 1, requested: 2, reason: "r" } }), record(1, "attacked", 2)], { budget: 1000, checked: false });
  assert.deepEqual([left.unspentQueries, left.unspentImages], [1, 1]);
});

test("summarizeAttacks: hardened share over the attacked images, hardened distortions over the hardened ones, calls over all", () => {
  const h = (l2: number, calls: number) => ({ status: "hardened" as const, l2, linf: l2 / 4, calls });
  const s = summarizeAttacks([
    record(0, "attacked", 1, { hardened: h(2, 30) }),
    record(1, "attacked", 3, { hardened: h(6, 50) }),
    record(2, "attacked", 2, { hardened: { status: "failed", l2: null, linf: null, calls: 400, reason: "no verified point up to the bounds" } }),
    record(3, "attacked", null, { hardened: null }),
    record(4, "misclassified", null),
  ], { budget: 1000, checked: true });
  assert.equal(s.hardened, 2 / 4);
  assert.equal(s.meanL2Hardened, 4);
  assert.equal(s.medianL2Hardened, 4);
  assert.equal(s.meanLinfHardened, 1);
  assert.equal(s.hardeningCalls, 480);
  const old = summarizeAttacks([record(0, "attacked", 1)], { budget: 1000, checked: false });
  assert.deepEqual([old.hardened, old.meanL2Hardened, old.hardeningCalls], [null, null, null]);
});
