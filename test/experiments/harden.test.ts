import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { AttackRecord } from "../../src/experiments/store/records.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { comparableRecords, filesUnder } from "./compare.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";

const attacksOnly = (check: Record<string, unknown>, overrides: Record<string, unknown> = {}) => tinyConfig({
  certification: null,
  figures: { include: [] },
  attacks: [{ name: "probe", budget: 40, verify: 60, verification: "sequential", ...check }],
  ...overrides,
});


test("attacks[].harden: records get hardened {status, l2, linf, calls} against smoothed defenses, null elsewhere; nothing else changes", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-harden-"));
  try {
    await runExperiment(attacksOnly({}) as never, { out: join(root, "plain"), workers: 1, environment: FIXTURE_ENVIRONMENT });
    await runExperiment(attacksOnly({ harden: true, hardenCalls: 400 }) as never, { out: join(root, "hardened"), workers: 1, environment: FIXTURE_ENVIRONMENT });
    const plain = comparableRecords(join(root, "plain")) as AttackRecord[];
    const hardened = comparableRecords(join(root, "hardened")) as AttackRecord[];
    assert.equal(plain.length, hardened.length);
    let ran = 0;
    for (const [i, r] of hardened.entries()) {
      const p = plain[i];
      if (r.kind !== "attack") { assert.deepEqual(r, p); continue; }
      assert.equal("hardened" in p, false, "records of configs without harden have no hardened field");
      const { hardened: h, ...rest } = r;
      assert.deepEqual(rest, p, `${r.key}: the attack and its check do not depend on the hardening (own noise stream)`);
      if (r.status !== "attacked" || !r.success || r.defense.sigma === null) {
        assert.equal(h, null, `${r.key}: asked but not applicable`);
        continue;
      }
      ran++;
      assert.ok(h != null, `${r.key}: hardened`);
      assert.deepEqual(Object.keys(h).filter((k) => k !== "reason"), ["status", "l2", "linf", "calls"]);
      assert.ok(h.calls > 0 && h.calls <= 400, `${r.key}: ${h.calls} calls within hardenCalls`);
      if (h.status === "hardened") assert.ok(h.l2! > 0 && h.linf! > 0 && h.linf! <= h.l2!, `${r.key}: distortions`);
      else assert.ok(h.l2 === null && typeof h.reason === "string", `${r.key}: a failure says why`);
    }
    assert.ok(ran > 0, "some final points were hardened");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("config save: every final and hardened point under adversarial/<defense id>/<attack>-<norm>/, the same whatever the workers and batch size", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-save-"));
  try {
    const config = (batchSize: number) => attacksOnly({ harden: true, hardenCalls: 400 }, { save: true, batchSize });
    await runExperiment(config(50) as never, { out: join(root, "one"), workers: 1, environment: FIXTURE_ENVIRONMENT });
    await runExperiment(config(7) as never, { out: join(root, "two"), workers: 2, environment: FIXTURE_ENVIRONMENT });
    const records = comparableRecords(join(root, "one")) as AttackRecord[];
    assert.deepEqual(comparableRecords(join(root, "two")), records, "same records with 2 workers and another batch size");
    const saved = filesUnder(join(root, "one", "adversarial"));
    assert.deepEqual(filesUnder(join(root, "two", "adversarial")), saved);
    for (const f of saved) assert.deepEqual(readFileSync(join(root, "two", "adversarial", f)), readFileSync(join(root, "one", "adversarial", f)), f);
    const expected: string[] = [];
    for (const r of records) {
      if (r.kind !== "attack" || r.status !== "attacked" || !r.success) continue;
      const dir = `${r.defense.id}/${r.attack}-${r.norm}`;
      expected.push(`${dir}/${r.image}.npy`);
      if (r.hardened?.status === "hardened") expected.push(`${dir}/${r.image}.hardened.npy`);
    }
    assert.deepEqual(saved, expected.sort());
    assert.ok(saved.some((f) => f.startsWith("rs-drop/n=5/pa=0.8/") && f.endsWith(".hardened.npy")), saved.join(", "));
    assert.ok(saved.some((f) => f.startsWith("none/")), "the points of the undefended model too");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("attacks[].hardenAt in a run: the held points' checks and hardening, the same whatever the workers and batch size, saved as <index>.at<q>[.hardened].npy", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-harden-at-"));
  try {
    const config = (batchSize: number, at?: number[]) => attacksOnly({ harden: true, hardenCalls: 400, ...(at === undefined ? {} : { hardenAt: at }) }, { save: true, batchSize });
    await runExperiment(config(50) as never, { out: join(root, "final"), workers: 1, environment: FIXTURE_ENVIRONMENT });
    await runExperiment(config(50, [10, 25]) as never, { out: join(root, "one"), workers: 1, environment: FIXTURE_ENVIRONMENT });
    await runExperiment(config(7, [10, 25]) as never, { out: join(root, "two"), workers: 2, environment: FIXTURE_ENVIRONMENT });
    const records = comparableRecords(join(root, "one")) as AttackRecord[];
    assert.deepEqual(comparableRecords(join(root, "two")), records, "same records with 2 workers and another batch size");
    const finalOnly = comparableRecords(join(root, "final")) as AttackRecord[];
    let held = 0;
    for (const [i, r] of records.entries()) {
      if (r.kind !== "attack") continue;
      const { hardenedAt, ...rest } = r;
      assert.deepEqual(rest, finalOnly[i], `${r.key}: the rest of the record is the run's without hardenAt`);
      if (r.status !== "attacked") { assert.deepEqual(hardenedAt, []); continue; }
      assert.deepEqual(hardenedAt!.map((h) => h.queries), [10, 25]);
      for (const h of hardenedAt!) {
        if (r.defense.sigma === null || h.l2 === null) { assert.equal(h.hardened, null); continue; }
        held++;
        assert.ok(h.hardened !== null && h.hardened.calls > 0 && h.hardened.calls <= 400, `${r.key} at ${h.queries}: hardened within hardenCalls`);
        assert.ok(h.verification !== null && h.verification.calls <= 60, `${r.key} at ${h.queries}: checked`);
      }
    }
    assert.ok(held > 0, "some held points were hardened");
    const saved = filesUnder(join(root, "one", "adversarial"));
    assert.deepEqual(filesUnder(join(root, "two", "adversarial")), saved);
    const expected = new Set(filesUnder(join(root, "final", "adversarial")));
    for (const r of records) {
      if (r.kind !== "attack") continue;
      for (const h of r.hardenedAt ?? []) {
        const dir = `${r.defense.id}/${r.attack}-${r.norm}`;
        if (h.l2 !== null) expected.add(`${dir}/${r.image}.at${h.queries}.npy`);
        if (h.hardened?.status === "hardened") expected.add(`${dir}/${r.image}.at${h.queries}.hardened.npy`);
      }
    }
    assert.deepEqual(saved, [...expected].sort());
    assert.ok(saved.some((f) => f.includes(".at25.hardened.npy")), saved.join(", "));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
