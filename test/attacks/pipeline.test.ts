import assert from "node:assert/strict";
import { test } from "node:test";
import { ADVERSARIAL_AT_LEVEL, attackImage, attackImageWithPoints } from "../../src/attacks/pipeline.js";
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

test("hardenAt: the points held at earlier budgets are checked and hardened; the rest of the record is the record without it", async () => {
  const { distortionAt } = await import("../../src/oracle/index.js");
  const { binomialTailAtLeast, normalCdf } = await import("../../src/stats/index.js");
  const { mkdtempSync, readdirSync, readFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { writeAttackPoints } = await import("../../src/io/npy.js");
  for (const rule of ["label", "repeat:3"] as const) {
    const b = base();
    const image = at(-0.25, b);
    const job = (attack: AttackSpec) => ({ seed: 11, defense: defense(rule), attack, image: { index: 4, label: 0, pixels: image } });
    const resources = { base: b, entry: attackEntry("hsja"), pool: async () => pool(b) };
    const plain = await attackImageWithPoints(job(spec(400)), resources);
    const held = await attackImageWithPoints(job(spec(400, { hardenAt: [60, 150] })), resources);
    const { hardenedAt, ...rest } = held.record;
    assert.deepEqual(rest, plain.record, `${rule}: the final point's fields and streams are unchanged`);
    assert.deepEqual([held.points.final, held.points.hardened], [plain.points.final, plain.points.hardened]);
    assert.deepEqual(hardenedAt!.map((h) => h.queries), [60, 150]);
    for (const [i, h] of hardenedAt!.entries()) {
      // The held point is the best the trace reads at q (the record's own trace, an oracle-side count).
      const expected = distortionAt(plain.record.trace.map((t) => ({ queries: t.queries, l2: t.l2 ?? Infinity, linf: t.linf ?? Infinity })), h.queries, "l2");
      assert.equal(h.l2, Number.isFinite(expected) ? expected : null, `${rule} at ${h.queries}: held L2`);
      const point = held.points.held[i];
      assert.equal(point.queries, h.queries);
      if (h.l2 === null) continue;
      assert.ok(h.verification !== null && h.verification.calls <= 50, `${rule} at ${h.queries}: checked within verify calls`);
      assert.equal(h.hardened?.status, "hardened", `${rule} at ${h.queries}: hardened`);
      assert.ok(h.hardened!.calls <= 500);
      // Exact P[g_{0.1,10}(x_h) != 0] on the linear model: a draw says 1 with Phi(s / sigma), g = 1 iff >= 6 of 10 draws do
      // (5 of 10 is a tie, which goes to class 0).
      const wrong = binomialTailAtLeast(6, 10, normalCdf(b.signedDistance(point.hardened!) / 0.1));
      assert.ok(wrong >= 0.5, `${rule} at ${h.queries}: hardened point wrong with probability ${wrong}`);
      const l2 = Math.hypot(...Array.from(point.hardened!, (v, j) => v - image[j]));
      assert.ok(Math.abs(l2 - h.hardened!.l2!) < 1e-5, `${rule}: the saved hardened point is the recorded one`);
    }
    assert.ok(hardenedAt!.some((h) => h.hardened?.status === "hardened"), `${rule}: at least one held point was hardened`);
    // Best so far: the point held at 60 is no closer than the one at 150, nor that than the final one.
    assert.ok(hardenedAt!.every((h) => h.l2 !== null), `${rule}: adversarial points by 60 queries (the pool start is one)`);
    assert.ok(hardenedAt![0].l2! >= hardenedAt![1].l2! && hardenedAt![1].l2! >= held.record.l2!, `${rule}: ${hardenedAt!.map((h) => h.l2)} then ${held.record.l2}`);
    const dir = mkdtempSync(join(tmpdir(), "rsbench-held-"));
    writeAttackPoints(dir, 4, held.points, [1, 4, 4]);
    assert.deepEqual(readdirSync(dir).sort(), ["4.at150.hardened.npy", "4.at150.npy", "4.at60.hardened.npy", "4.at60.npy", "4.hardened.npy", "4.npy"]);
    assert.equal(readFileSync(join(dir, "4.at60.npy")).length, 128 + 16 * 4);
  }
});

test("hardenAt: a misclassified image gets hardenedAt [], a defense without RS gets nulls", async () => {
  const b = base();
  const none: DefenseRef = { id: "none", name: "none", kind: "none", model: "linear", sigma: null, drop: null, n: null, pa: null };
  const resources = { base: b, entry: attackEntry("hsja"), pool: async () => pool(b) };
  const r = await attackImage({ seed: 1, defense: none, attack: spec(100, { hardenAt: [50] }), image: { index: 0, label: 0, pixels: at(-0.25, b) } }, resources);
  assert.equal(r.hardenedAt!.length, 1);
  assert.equal(r.hardenedAt![0].queries, 50);
  assert.equal(r.hardenedAt![0].verification, null);
  assert.equal(r.hardenedAt![0].hardened, null);
  const wrong = await attackImage({ seed: 1, defense: none, attack: spec(100, { hardenAt: [50] }), image: { index: 0, label: 1, pixels: at(-0.25, b) } }, resources);
  assert.equal(wrong.status, "misclassified");
  assert.deepEqual(wrong.hardenedAt, []);
});

/** HSJA's registry entry with an attack that must never be called. */
const neverCalled = { ...attackEntry("hsja"), attack: async () => { throw new Error("the attack was called"); } };

test("an original adversarial at level Pa (the smoothed linear classifier within sigma of its boundary) is recorded as misclassified at level Pa and never attacked", async () => {
  // Signed distance +0.05 < sigma = 0.1, on the class-1 side, true label 0: each noisy draw is wrong with
  // probability Phi(0.5) = 0.69, so the majority of n = 10 is wrong with probability ~0.80 >= Pa = 0.5,
  // while one call of g still says 0 about one time in five.
  const b = base();
  let correctSingleCalls = 0;
  for (let seed = 0; seed < 40; seed++) {
    const r = await attackImage({ seed, defense: defense("label"), attack: spec(100), image: { index: 0, label: 0, pixels: at(0.05, b) } }, { base: b, entry: neverCalled, pool: async () => pool(b) });
    assert.equal(r.status, "misclassified");
    assert.equal(r.queries, 0);
    if (r.prediction !== 0) {
      assert.equal(r.stopReason, "misclassified");
      continue;
    }
    correctSingleCalls++;
    assert.equal(r.stopReason, ADVERSARIAL_AT_LEVEL);
    assert.equal(r.originalCheck?.status, "verified");
    assert.ok(r.originalCheck.lower >= 0.5 && r.originalCheck.calls <= 50, JSON.stringify(r.originalCheck));
    assert.equal(r.l2, null);
    assert.equal(r.hardened, null);
  }
  assert.ok(correctSingleCalls >= 3, `${correctSingleCalls} of 40 single calls right`);
  // Far from the boundary the original is attacked, and its record carries no originalCheck (its bytes are unchanged).
  const far = await attackImage({ seed: 1, defense: defense("label"), attack: spec(100), image: { index: 0, label: 0, pixels: at(-0.25, b) } }, { base: b, entry: attackEntry("hsja"), pool: async () => pool(b) });
  assert.equal(far.status, "attacked");
  assert.ok(!("originalCheck" in far));
});

test("a final point equal to the original (x_a = x_o) without a start is hardened toward the nearest image of another class", async () => {
  // An attack that asks only the original until the oracle accepts it (a lucky vote: each draw is wrong with
  // probability Phi(-0.2) = 0.42 at signed distance -0.02, sigma 0.1): its final point is x_o itself.
  const onlyOriginal = {
    ...attackEntry("hsja"),
    attack: async (oracle: { isAdversarial(batch: Float32Array, count: number): Promise<Uint8Array> }, image: Float32Array) => {
      for (let i = 0; i < 20; i++) if ((await oracle.isAdversarial(image, 1))[0]) return { adversarial: image.slice(), iterations: i, stopReason: "converged" as const };
      return { adversarial: null, iterations: 20, stopReason: "failed" as const };
    },
  };
  const b = base();
  let checked = 0;
  for (let seed = 0; seed < 6; seed++) {
    const r = await attackImage({ seed, defense: defense("shortcut"), attack: spec(100, { start: "own" }), image: { index: 0, label: 0, pixels: at(-0.02, b) } }, { base: b, entry: onlyOriginal, pool: async () => pool(b) });
    if (r.status !== "attacked" || !r.success) continue;
    checked++;
    assert.equal(r.l2, 0);
    assert.equal(r.start, null);
    // The nearest pool image of another class lies at signed distance 0.6 (0.62 from x_o): the hardened point is on that segment, past the boundary.
    assert.equal(r.hardened?.status, "hardened", JSON.stringify(r.hardened));
    assert.ok((r.hardened.l2 as number) > 0.02 && (r.hardened.l2 as number) < 0.62, `hardened at ${r.hardened.l2}`);
  }
  assert.ok(checked >= 3, `${checked} runs ended on x_o`);
});
