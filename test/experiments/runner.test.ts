import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runExperiment, type RunProgress } from "../../src/experiments/execute/runner.js";
import { readRun } from "../../src/experiments/store/runDirectory.js";
import { RESULTS_FILE } from "../../src/experiments/store/store.js";
import type { AttackRecord, CalibrationRecord, CertificationRecord } from "../../src/experiments/store/records.js";
import { assertStoredOnce, comparableRecords } from "./compare.js";
import { COUNTING_ENVIRONMENT } from "./countingEnvironment.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";

const environment = FIXTURE_ENVIRONMENT;

test("1 and 2 workers give identical records; the run dir holds config, manifest and results", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-run-"));
  try {
    const progress: RunProgress[] = [];
    const one = await runExperiment(tinyConfig() as never, { out: join(root, "one"), workers: 1, environment, onProgress: (p) => progress.push(p) });
    const two = await runExperiment(tinyConfig() as never, { out: join(root, "two"), workers: 2, environment });
    assert.equal(one.executed, 39);
    assert.equal(one.manifest.complete, true);
    assert.equal(one.manifest.items, 39);
    assert.equal(two.manifest.configHash, one.manifest.configHash);
    assert.deepEqual(comparableRecords(join(root, "one")), comparableRecords(join(root, "two")));
    // Progress: an initial report, then one per item, ending at 39/39 with an ETA of 0.
    assert.equal(progress.length, 40);
    assert.deepEqual(progress.map((p) => p.done), Array.from({ length: 40 }, (_, i) => i));
    assert.equal(progress.at(-1)?.etaSeconds, 0);
    assert.equal(progress[1].phase, "calibration");
    // The calibrated sigma is recorded and used by the smoothed defense points.
    const records = comparableRecords(join(root, "one")) as (CalibrationRecord | AttackRecord | CertificationRecord)[];
    const calibration = records.find((r) => r.kind === "calibration") as CalibrationRecord;
    const attack = records.find((r) => r.kind === "attack" && r.defense.name === "rs-drop") as AttackRecord;
    assert.equal(attack.defense.sigma, calibration.sigma);
    assert.equal(attack.defense.drop, 0.1);
    // Attack records: checkpoints read from the trace (the budget: see the counting test below).
    for (const r of records.filter((r): r is AttackRecord => r.kind === "attack")) {
      if (r.status === "attacked") assert.deepEqual(r.checkpoints.map((c) => c.queries), [40]);
      if (r.success) assert.equal(r.checkpoints.at(-1)?.l2, r.l2);
    }
    const { config, manifest } = readRun(join(root, "one"));
    assert.equal(config.name, "tiny");
    assert.equal(manifest?.done, 39);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("re-running a finished run executes nothing; a partial one runs only the missing items", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-run-"));
  try {
    const out = join(root, "run");
    await runExperiment(tinyConfig() as never, { out, workers: 1, environment });
    const before = comparableRecords(out);
    const again = await runExperiment(tinyConfig() as never, { out, workers: 1, environment });
    assert.equal(again.executed, 0);
    assert.equal(again.resumed, 39);
    assert.equal(again.manifest.sessions, 2);
    assertStoredOnce(out, 39);
    // Keep the first 10 lines and half of the 11th (a torn write), then resume.
    const path = join(out, RESULTS_FILE);
    const lines = readFileSync(path, "utf8").split("\n");
    writeFileSync(path, lines.slice(0, 10).join("\n") + "\n" + lines[10].slice(0, 40));
    const resumed = await runExperiment(tinyConfig() as never, { out, workers: 2, environment });
    assert.equal(resumed.resumed, 10);
    assert.equal(resumed.executed, 29);
    assert.ok(resumed.recovery.droppedBytes === 40);
    assert.deepEqual(comparableRecords(out), before);
    assertStoredOnce(out, 39);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("resuming with a different config is refused, naming what differs", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-run-"));
  try {
    const out = join(root, "run");
    await runExperiment(tinyConfig({ defenses: [{ name: "none", model: "linear" }], certification: null, figures: { include: [] } }) as never, { out, workers: 1, environment });
    await assert.rejects(
      runExperiment(tinyConfig({ seed: 12, defenses: [{ name: "none", model: "linear" }], certification: null, figures: { include: [] } }) as never, { out, workers: 1, environment }),
      /run directory .* holds a different experiment \(config hash [0-9a-f]{12}, this config [0-9a-f]{12}; differing fields: seed\)\. Resume with the same config, or choose another --out directory\./,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a failing item stops the run with its key; finished items stay stored", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-run-"));
  try {
    const out = join(root, "run");
    const bad = tinyConfig({ defenses: [{ name: "none", model: "linear" }, { name: "other", model: "broken" }], certification: null, figures: { include: [] } });
    // Two workers: whichever item of the broken defense fails first names the run's error (its accuracy or one of its attacks).
    await assert.rejects(runExperiment(bad as never, { out, workers: 2, environment }), /work item (accuracy\/other|attack\/other\/probe-l2\/image=\d+) failed: the broken fixture model fails on every call/);
    const stored = readFileSync(join(out, RESULTS_FILE), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { key: string });
    assert.ok(stored.some((r) => r.key === "accuracy/none"), "the items that finished are stored");
    assert.ok(!stored.some((r) => r.key === "accuracy/other"));
    await assert.rejects(runExperiment(bad as never, { out, workers: 1, environment }), /the broken fixture model fails on every call/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("every attack on a defense point attacks the same images (the defense's answer on x_o is keyed by point and image)", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-run-"));
  try {
    const out = join(root, "run");
    const config = tinyConfig({
      data: { dataset: "synthetic", sample: 12, seed: 5 },
      defenses: [{ name: "rs", model: "linear", sigma: 0.6, n: 3 }],
      attacks: [{ name: "probe", norm: "l2", budget: 4 }, { name: "probe", norm: "linf", budget: 4 }],
      certification: null, figures: { include: [] },
    });
    await runExperiment(config as never, { out, workers: 1, environment });
    const attacks = comparableRecords(out).filter((r): r is AttackRecord => (r as AttackRecord).kind === "attack");
    const byImage = new Map<number, Set<string>>();
    for (const r of attacks) byImage.set(r.image, (byImage.get(r.image) ?? new Set()).add(`${r.status}/${r.prediction}`));
    assert.equal(byImage.size, 12);
    for (const [image, answers] of byImage) assert.equal(answers.size, 1, `image ${image}: ${[...answers].join(", ")}`);
    const statuses = new Set(attacks.map((r) => r.status));
    assert.ok(statuses.has("attacked") && statuses.has("misclassified"), "sigma 0.6 with n = 3 misclassifies some images");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("runExperiment checks every model and dataset before it makes the run directory, and names each bad field", async () => {
  const { existsSync, mkdtempSync: mk } = await import("node:fs");
  const { tmpdir: tmp } = await import("node:os");
  const { join: j } = await import("node:path");
  const { runExperiment: run } = await import("../../src/experiments/execute/runner.js");
  const { ConfigError: CE } = await import("../../src/experiments/plan/config.js");
  const { FIXTURE_ENVIRONMENT: env, tinyConfig: tiny } = await import("./tinyConfig.js");
  const out = j(mk(j(tmp(), "rsbench-resolve-")), "run");
  const config = tiny({
    accuracy: { dataset: "nowhere", count: 5 },
    defenses: [{ name: "none", model: "linear" }, { name: "rs-0.3", model: "lineer", sigma: 0.3, n: 5 }],
  });
  await assert.rejects(run(config as never, { out, workers: 1, environment: env }), (error: unknown) => {
    assert.ok(error instanceof CE, String(error));
    assert.deepEqual(error.problems, [
      'accuracy: unknown fixture dataset "nowhere": expected "synthetic"',
      'defenses[1].model: unknown fixture model "lineer": expected "linear"',
    ]);
    return true;
  });
  assert.equal(existsSync(out), false, "no run directory for a config that cannot run");
});

test("every attacked record spent exactly its budget, counted outside the oracle and through the base classifier", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-run-"));
  try {
    const out = join(root, "run");
    await runExperiment(tinyConfig({ certification: null, figures: { include: [] } }) as never, { out, workers: 2, environment: COUNTING_ENVIRONMENT });
    const attacked = comparableRecords(out).filter((r): r is AttackRecord => (r as AttackRecord).kind === "attack" && (r as AttackRecord).status === "attacked");
    // 4 images x 6 defense points, less the misclassified ones.
    assert.ok(attacked.length >= 12, `${attacked.length} attacked records`);
    for (const r of attacked) {
      const what = `${r.key}: ${JSON.stringify({ queries: r.queries, forwardPasses: r.forwardPasses, anomalies: r.anomalies })}`;
      // The probe asks one point at a time until the oracle refuses: nothing can be left.
      assert.equal(r.stopReason, "budget", what);
      assert.equal(r.budget, 40, what);
      assert.equal(r.anomalies.answeredQueries, 40, what);
      assert.equal(r.queries, 40, what);
      assert.equal(r.forwardPasses, r.anomalies.baseImages, what);
      // One base image per query without a defense; between 1 and n per query under g(sigma, n).
      if (r.defense.n === null) assert.equal(r.anomalies.baseImages, 40, what);
      else assert.ok(r.anomalies.baseImages >= 40 && r.anomalies.baseImages <= 40 * r.defense.n, what);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("--extend grows a run by appended attack entries: old records kept byte for byte, only the new cells run, same records as a fresh run", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-run-"));
  const base = { certification: null, figures: { include: [] } };
  const added = { name: "probe", id: "probe-label", budget: 20, defenses: ["rs-drop"], oracle: ["label"] };
  try {
    const out = join(root, "run");
    const first = await runExperiment(tinyConfig(base) as never, { out, workers: 1, environment });
    const storedBefore = readFileSync(join(out, RESULTS_FILE), "utf8");
    const grown = tinyConfig({ ...base, description: "with a second entry", attacks: [{ name: "probe", budget: 40 }, added] });
    // Without --extend: refused, pointing to it.
    await assert.rejects(runExperiment(grown as never, { out, workers: 1, environment }), /differing fields: attacks\)\..*--extend grows the run/s);
    // An extension may only append attack entries: another seed, or a changed first entry, is refused and leaves config.json as it was.
    const configBefore = readFileSync(join(out, "config.json"), "utf8");
    await assert.rejects(runExperiment({ ...grown, seed: 12 } as never, { out, workers: 1, environment, extend: true }), /--extend takes a config that appends attack entries to the run's, and nothing else:\n  seed differs/);
    await assert.rejects(
      runExperiment(tinyConfig({ ...base, attacks: [{ name: "probe", budget: 41 }, added] }) as never, { out, workers: 1, environment, extend: true }),
      /attacks\[0\] differs from the run's \(the run's entries must come first, unchanged\)/,
    );
    assert.equal(readFileSync(join(out, "config.json"), "utf8"), configBefore);
    // 4 images x rs-drop's 4 points, under the label rule.
    const extended = await runExperiment(grown as never, { out, workers: 2, environment, extend: true });
    assert.equal(extended.resumed, first.executed);
    assert.equal(extended.executed, 16);
    assert.ok(readFileSync(join(out, RESULTS_FILE), "utf8").startsWith(storedBefore));
    assert.equal(extended.manifest.extensions?.length, 1);
    assert.equal(extended.manifest.extensions?.[0].from, first.manifest.configHash);
    assert.equal(readRun(out).config.attacks.length, 2);
    // Resuming the grown run needs no flag now; a fresh run of the grown config gives the same records.
    assert.equal((await runExperiment(grown as never, { out, workers: 1, environment })).executed, 0);
    await runExperiment(grown as never, { out: join(root, "fresh"), workers: 1, environment });
    assert.deepEqual(comparableRecords(out), comparableRecords(join(root, "fresh")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
