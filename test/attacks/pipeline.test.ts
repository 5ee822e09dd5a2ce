import assert from "node:assert/strict";
import { test } from "node:test";
import { attackImage, attackImageWithPoints } from "../../src/attacks/pipeline.js";
import type { AttackSpec, DefenseRef } from "../../src/attacks/record.js";
import { attackEntry } from "../../src/attacks/registry.js";
import type { StartPool } from "../../src/attacks/start.js";
import { LinearClassifier } from "../../src/model/index.js";
import type { OracleRule } from "../../src/oracle/rule.js";

// A linear two-class model on 1x4x4 images: class 1 iff w.x + b > 0.
const shape = { channels: 1, height: 4, width: 4 };
const w = Float32Array.from({ length: 16 }, (_, j) => (j % 3 === 0 ? 1 : j % 3 === 1 ? -0.5 : 0.25));
const base = () => new LinearClassifier(shape, w, -Array.from(w).reduce((a, v) => a + 0.5 * v, 0) + 0.4);
const norm = Math.hypot(...w);
/** An image whose signed distance to the boundary is t (moved along w from the grey image). */
const at = (t: number, b: LinearClassifier) => {
  const x = new Float32Array(16).fill(0.5);
  const s = b.signedDistance(x);
  for (let j = 0; j < 16; j++) x[j] += ((t - s) * w[j]) / norm;
  return x;
};

function pool(b: LinearClassifier): StartPool {
  const images = new Float32Array(3 * 16);
  [-0.3, 0.6, 0.9].forEach((t, i) => images.set(at(t, b), i * 16));
  return { images, predictions: Int32Array.from([0, 1, 1]), indices: Int32Array.from([10, 11, 12]) };
}

const defense = (rule: OracleRule, batch = ""): DefenseRef => ({
  id: `rs/n=10/pa=0.5/oracle=${rule}${batch}`, name: "rs", kind: "rs", model: "linear", sigma: 0.1, drop: null, n: 10, pa: 0.5, oracle: rule,
});
const spec = (budget: number, extra: Partial<AttackSpec> = {}): AttackSpec => ({
  name: "hsja", norm: "l2", budget, options: {}, start: "data", verify: 50, verification: "sequential", verifyAlpha: 0.05, harden: true, hardenCalls: 500, ...extra,
});

test("under repeat:K the pipeline charges every call to the budget and never exceeds it; hardening stays within its own limit", async () => {
  for (const rule of ["label", "repeat:3", "repeat:9"] as const) {
    for (const budget of [100, 301]) {
      const b = base();
      const image = at(-0.25, b);
      const r = await attackImage({ seed: 5, defense: defense(rule), attack: spec(budget), image: { index: 0, label: 0, pixels: image } }, { base: b, entry: attackEntry("hsja"), pool: async () => pool(b) });
      assert.equal(r.status, "attacked");
      const k = rule === "label" ? 1 : Number(rule.slice(7));
      assert.ok(r.queries <= budget, `${rule} budget ${budget}: ${r.queries} queries`);
      assert.ok(budget - r.queries < k || r.stopReason !== "budget", `${rule}: ${budget - r.queries} calls left at a budget stop`);
      assert.ok(r.steps! <= r.queries && r.steps! * k >= r.queries, `${rule}: ${r.steps} steps, ${r.queries} calls`);
      assert.equal(r.start, 11, "the nearest pool image of another class");
      assert.ok(r.success && r.hardened != null, `${rule} budget ${budget}: hardened`);
      assert.ok(r.hardened.calls <= 500, `${r.hardened.calls} hardening calls`);
      // Each call of g is n = 10 draws at most (early stop under the label rules): the attack's passes bound its calls.
      assert.ok(r.forwardPasses <= 10 * r.queries, `${r.forwardPasses} passes for ${r.queries} calls`);
    }
  }
});

test("the same seed gives the same record and points whatever the batch size of the smoothed classifier", async () => {
  const run = async (batchSize: number) => {
    const b = base();
    return attackImageWithPoints({ seed: 3, defense: defense("repeat:3"), attack: spec(200), image: { index: 0, label: 0, pixels: at(-0.25, b) }, batchSize }, { base: b, entry: attackEntry("hsja"), pool: async () => pool(b) });
  };
  const reference = await run(1000);
  assert.equal(reference.record.hardened?.status, "hardened");
  assert.ok(reference.points.hardened !== null && reference.points.final !== null, "both points");
  for (const batchSize of [1, 7]) assert.deepEqual(await run(batchSize), reference, `batch size ${batchSize}`);
});

test("hardened is null when asked without RS, and absent when not asked", async () => {
  const b = base();
  const none: DefenseRef = { id: "none", name: "none", kind: "none", model: "linear", sigma: null, drop: null, n: null, pa: null };
  const job = (attack: AttackSpec) => ({ seed: 1, defense: none, attack, image: { index: 0, label: 0, pixels: at(-0.25, b) } });
  const resources = { base: b, entry: attackEntry("hsja"), pool: async () => pool(b) };
  const asked = await attackImageWithPoints(job(spec(100)), resources);
  assert.equal(asked.record.hardened, null);
  assert.equal(asked.points.hardened, null);
  assert.ok(asked.points.final !== null, "the final point is kept");
  const { harden: _h, hardenCalls: _c, ...plain } = spec(100);
  assert.equal("hardened" in (await attackImage(job(plain), resources)), false);
});
