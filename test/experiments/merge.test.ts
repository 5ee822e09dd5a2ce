import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { acquireLock } from "../../src/experiments/store/lock.js";
import { mergeRuns } from "../../src/experiments/store/merge.js";
import type { RunManifest } from "../../src/experiments/store/records.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { readRun } from "../../src/experiments/store/runDirectory.js";
import { runStatus, shardStatus } from "../../src/experiments/store/status.js";
import { readStore, RESULTS_FILE } from "../../src/experiments/store/store.js";
import { readReportInput } from "../../src/report/writeReport.js";
import { comparableRecords, filesUnder } from "./compare.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";

const environment = FIXTURE_ENVIRONMENT;
/** The documented shard rule, computed here independently: sha256(key), first 4 bytes big-endian, mod N. */
const shardByDoc = (key: string, n: number) => createHash("sha256").update(key).digest().readUInt32BE(0) % n;

let root = "";
let single = "";
const shards: string[] = [];
before(async () => {
  root = mkdtempSync(join(tmpdir(), "rsbench-merge-"));
  single = join(root, "single");
  await runExperiment(tinyConfig() as never, { out: single, workers: 1, environment });
  for (let index = 0; index < 3; index++) {
    shards.push(join(root, `shard-${index}`));
    await runExperiment(tinyConfig() as never, { out: shards[index], workers: 1, environment, shard: { index, count: 3 } });
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as RunManifest;

test("each shard runs the items whose key hashes to it and every calibration, and counts only those", () => {
  const seen = new Map<string, number>();
  let calibrations = 0;
  shards.forEach((dir, index) => {
    const m = manifestOf(dir);
    assert.deepEqual(m.shard, { index, count: 3 });
    const records = readStore(dir).records;
    assert.equal(m.items, records.length);
    assert.equal(m.complete, true);
    for (const r of records) {
      if (r.kind === "calibration") { calibrations++; continue; }
      assert.equal(shardByDoc(r.key, 3), index, `${r.key} stored in shard ${index}`);
      assert.equal(seen.has(r.key), false);
      seen.set(r.key, index);
    }
    // The shard's own status: complete, not "incomplete" for lack of the other shards' items.
    const { config, manifest } = readRun(dir);
    const status = runStatus(config, manifest, readStore(dir));
    assert.equal(status.complete, true);
    assert.equal(status.valid, m.items);
    assert.deepEqual(status.foreign, []);
    assert.equal(shardStatus(status, manifest), `shard ${index}/3`);
  });
  // The 38 non-calibration items of the tiny grid, each in exactly one shard; the one calibration in all three.
  assert.equal(seen.size, 38);
  assert.equal(calibrations, 3);
  assert.ok([0, 1, 2].every((i) => [...seen.values()].includes(i)), "every shard got items");
  // Calibrations are recomputed by every shard, identically (apart from the timing).
  const calibration = shards.map((dir) => comparableRecords(dir).find((r) => (r as { kind: string }).kind === "calibration"));
  assert.deepEqual(calibration[1], calibration[0]);
  assert.deepEqual(calibration[2], calibration[0]);
  // A plain run records no shard.
  assert.equal("shard" in manifestOf(single), false);
});

test("3 shards merged give the records of a single-process run; a late shard is added by a re-run; a re-run is idempotent", () => {
  const out = join(root, "merged");
  // Shard 1 has not finished yet: merge the other two.
  const partial = mergeRuns([shards[2], shards[0]], out);
  const m0 = manifestOf(out);
  assert.equal(m0.items, 39);
  assert.equal(m0.complete, false);
  assert.deepEqual(m0.merged?.sources.map((s) => s.index), [0, 2]);
  const { config, manifest } = readRun(out);
  const status = runStatus(config, manifest, readStore(out));
  assert.equal(status.complete, false);
  const shard1 = manifestOf(shards[1]).items;
  assert.equal(status.valid, 39 - (shard1 - 1));
  assert.equal(shardStatus(status, manifest), `merged 2 of 3 shards; missing: shard 1 (not merged yet, 1/${shard1} items)`);
  assert.equal(partial.records, status.valid);

  const full = mergeRuns(shards, out);
  assert.equal(full.added, shard1 - 1);
  assert.deepEqual(comparableRecords(out), comparableRecords(single));
  const m1 = manifestOf(out);
  assert.equal(m1.complete, true);
  assert.equal(m1.done, 39);
  assert.equal(m1.sessions, 3);
  assert.equal(m1.configHash, manifestOf(single).configHash);
  assert.deepEqual(m1.inputs, manifestOf(single).inputs);
  assert.ok(Math.abs(m1.wallSeconds - shards.reduce((t, d) => t + manifestOf(d).wallSeconds, 0)) < 1e-9);
  assert.deepEqual(m1.merged?.sources.map((s) => [s.index, s.done, s.complete]), [[0, manifestOf(shards[0]).items, true], [1, shard1, true], [2, manifestOf(shards[2]).items, true]]);
  const after = readRun(out);
  assert.equal(shardStatus(runStatus(after.config, after.manifest, readStore(out)), after.manifest), "merged 3 of 3 shards");
  // Readers see it like any other run: the report's input holds every record.
  assert.equal(readReportInput(out).records.length, 39);

  // Again, with the same shards: nothing added, the store byte for byte the same.
  const bytes = readFileSync(join(out, RESULTS_FILE), "utf8");
  assert.equal(mergeRuns(shards, out).added, 0);
  assert.equal(readFileSync(join(out, RESULTS_FILE), "utf8"), bytes);
  // Records once merged are kept, even when a shard directory is not given again.
  assert.equal(mergeRuns([shards[1]], out).records, 39);
  assert.equal(readFileSync(join(out, RESULTS_FILE), "utf8"), bytes);
  assert.equal(manifestOf(out).sessions, 3);
  // The merge takes the output's lock: while another writer holds it, the merge is refused and changes nothing.
  const lock = acquireLock(out, { purpose: "another merge" });
  try {
    assert.throws(() => mergeRuns(shards, out), /run directory .*merged is in use by another writer \(another merge, pid \d+/);
  } finally {
    lock.release();
  }
  assert.equal(readFileSync(join(out, RESULTS_FILE), "utf8"), bytes);
});

test("a conflicting record is refused, naming its key and the shards; nothing is written", () => {
  const tampered = join(root, "tampered-1");
  cpSync(shards[1], tampered, { recursive: true });
  const path = join(tampered, RESULTS_FILE);
  const lines = readFileSync(path, "utf8").split("\n");
  const at = lines.findIndex((l) => l.includes('"kind":"calibration"'));
  const record = JSON.parse(lines[at]) as { key: string; sigma: number };
  record.sigma += 0.001;
  lines[at] = JSON.stringify(record);
  writeFileSync(path, lines.join("\n"));
  const out = join(root, "conflict");
  assert.throws(() => mergeRuns([shards[0], tampered, shards[2]], out), (error: Error) => {
    assert.match(error.message, /^conflicting records \(the same key, or saved point, with different contents\), nothing merged:/);
    assert.ok(error.message.includes(`"calibration/linear/drop=10%": shard 0/3 (${shards[0]}) and shard 1/3 (${tampered}) differ in sigma`), error.message);
    return true;
  });
  assert.throws(() => readRun(out), /is not a run directory|does not exist/);
  // Against an earlier merge: the merged record is the one compared.
  const merged = join(root, "merged");
  const bytes = readFileSync(join(merged, RESULTS_FILE), "utf8");
  assert.throws(() => mergeRuns([tampered], merged), /"calibration\/linear\/drop=10%": the earlier merge in .* and shard 1\/3 .* differ in sigma/);
  assert.equal(readFileSync(join(merged, RESULTS_FILE), "utf8"), bytes);
  // Different seconds alone are no conflict.
  const slower = join(root, "slower-1");
  cpSync(shards[1], slower, { recursive: true });
  const slow = readFileSync(join(slower, RESULTS_FILE), "utf8").replace(/"seconds":[0-9.e-]+/g, '"seconds":99');
  writeFileSync(join(slower, RESULTS_FILE), slow);
  assert.equal(mergeRuns([shards[0], slower, shards[2]], join(root, "slower")).records, 39);
});

test("merge refuses mixed runs, a shard twice, an --out among the inputs and a plain run", async () => {
  const other = join(root, "other-seed");
  await runExperiment(tinyConfig({ seed: 12 }) as never, { out: other, workers: 1, environment, shard: { index: 1, count: 3 } });
  assert.throws(() => mergeRuns([shards[0], other], join(root, "x1")), /shard 1\/3 \(.*other-seed\) has seed 12, shard 0\/3 \(.*shard-0\) has seed 11: expected shards of one run/);
  const four = join(root, "four");
  await runExperiment(tinyConfig() as never, { out: four, workers: 1, environment, shard: { index: 3, count: 4 } });
  assert.throws(() => mergeRuns([shards[0], four], join(root, "x2")), /shard 3\/4 .* is a shard of 4, shard 0\/3 .* of 3: expected shards of one array/);
  assert.throws(() => mergeRuns([shards[0], shards[0]], join(root, "x3")), /shard 0 given twice/);
  assert.throws(() => mergeRuns([shards[0], shards[1]], shards[1]), /--out .*shard-1 is one of the inputs/);
  assert.throws(() => mergeRuns([single], join(root, "x4")), /single is not a shard directory \(its run.json records no shard\)/);
  assert.throws(() => mergeRuns(shards, single), /--out .*single holds a run that rsbench merge did not write/);
  assert.throws(() => mergeRuns([join(root, "nothing")], join(root, "x5")), /nothing does not exist: expected a run directory/);
  // Fingerprints: a shard that read other data is refused, naming the role.
  const changed = join(root, "changed-2");
  cpSync(shards[2], changed, { recursive: true });
  const m = manifestOf(changed) as unknown as { inputs: { data: Record<string, { sha256: string }> } };
  m.inputs.data.data.sha256 = "0".repeat(64);
  writeFileSync(join(changed, "run.json"), JSON.stringify(m));
  assert.throws(() => mergeRuns([shards[0], changed], join(root, "x6")), /ran on other inputs than shard 0\/3 .*:\n  data \(synthetic\): the selected images changed/);
});


test("merge copies the shards' saved points (config save): the single-process run's adversarial/ byte for byte; a point that differs is a conflict", async () => {
  const config = tinyConfig({
    save: true, certification: null, figures: { include: [] },
    attacks: [{ name: "probe", budget: 40, verify: 60, verification: "sequential", harden: true, hardenCalls: 400 }],
  });
  const base = join(root, "saved");
  const one = join(base, "single");
  await runExperiment(config as never, { out: one, workers: 1, environment });
  const parts = [0, 1, 2].map((index) => join(base, `shard-${index}`));
  for (const [index, out] of parts.entries()) await runExperiment(config as never, { out, workers: 1, environment, shard: { index, count: 3 } });
  const expected = filesUnder(join(one, "adversarial"));
  assert.ok(expected.length > 10 && expected.some((f) => f.endsWith(".hardened.npy")), expected.join(", "));
  assert.ok(parts.every((p) => filesUnder(join(p, "adversarial")).length < expected.length), "each shard holds only its own points");
  const out = join(base, "merged");
  mergeRuns(parts, out);
  assert.deepEqual(filesUnder(join(out, "adversarial")), expected);
  for (const f of expected) assert.deepEqual(readFileSync(join(out, "adversarial", f)), readFileSync(join(one, "adversarial", f)), f);
  assert.deepEqual(comparableRecords(out), comparableRecords(one));
  // Again: nothing changes. A shard whose point differs from the merged one is refused, nothing written.
  assert.equal(mergeRuns(parts, out).added, 0);
  const tampered = join(base, "tampered-0");
  cpSync(parts[0], tampered, { recursive: true });
  const victim = filesUnder(join(tampered, "adversarial"))[0];
  const bytes = readFileSync(join(tampered, "adversarial", victim));
  bytes[bytes.length - 1] ^= 1;
  writeFileSync(join(tampered, "adversarial", victim), bytes);
  const before = readFileSync(join(out, "adversarial", victim));
  assert.throws(() => mergeRuns([tampered], out), (error: Error) => {
    assert.ok(error.message.includes(`adversarial/${victim}: the earlier merge in ${out} and shard 0/3 (${tampered}) hold different bytes`), error.message);
    return true;
  });
  assert.deepEqual(readFileSync(join(out, "adversarial", victim)), before);
  // Between two shards: shard 1 holding a file of shard 0's with other bytes.
  const crossed = join(base, "crossed-1");
  cpSync(parts[1], crossed, { recursive: true });
  mkdirSync(dirname(join(crossed, "adversarial", victim)), { recursive: true });
  writeFileSync(join(crossed, "adversarial", victim), bytes);
  assert.throws(() => mergeRuns([parts[0], crossed], join(base, "fresh")), new RegExp(`adversarial/${victim.replace(/[.%=]/g, "\\$&")}: shard 0/3 \\(.*\\) and shard 1/3 \\(.*crossed-1\\) hold different bytes`));
  assert.equal(existsSync(join(base, "fresh", "adversarial")), false, "nothing written");
});

test("merge refuses shards of different rsbench versions and warns when their onnxruntime differs", () => {
  const older = join(root, "older-1");
  cpSync(shards[1], older, { recursive: true });
  const m = manifestOf(older) as unknown as { software: { rsbench: string; onnxruntime: string | null } };
  const own = m.software.rsbench;
  m.software.rsbench = "0.0.1";
  writeFileSync(join(older, "run.json"), JSON.stringify(m));
  assert.throws(() => mergeRuns([shards[0], older], join(root, "versions")), new RegExp(`shard 1/3 \\(.*older-1\\) ran rsbench 0\\.0\\.1, shard 0/3 \\(.*shard-0\\) rsbench ${own.replace(/\./g, "\\.")}: expected every shard of a run to run one rsbench version`));
  assert.throws(() => readRun(join(root, "versions")), /is not a run directory|does not exist/);
  m.software.rsbench = own;
  m.software.onnxruntime = "0.0.2";
  writeFileSync(join(older, "run.json"), JSON.stringify(m));
  const warnings: string[] = [];
  assert.equal(mergeRuns([shards[0], older, shards[2]], join(root, "runtimes"), { onWarning: (w) => warnings.push(w) }).records, 39);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /the shards ran different onnxruntime versions \(.*shard 1\/3 .*: 0\.0\.2.*\): their records may differ in the last digits/);
});

test("a shard's directory resumes only as that shard; a merged one is not run into", async () => {
  const options = { workers: 1, environment };
  await assert.rejects(runExperiment(tinyConfig() as never, { ...options, out: shards[0], shard: { index: 1, count: 3 } }), /was made for shard 0\/3, not shard 1\/3: resume it with --shard 0\/3/);
  await assert.rejects(runExperiment(tinyConfig() as never, { ...options, out: shards[0] }), /was made for shard 0\/3, not the whole grid \(no --shard\)/);
  await assert.rejects(runExperiment(tinyConfig() as never, { ...options, out: single, shard: { index: 0, count: 3 } }), /was made for the whole grid \(no --shard\), not shard 0\/3: resume it without --shard/);
  await assert.rejects(runExperiment(tinyConfig() as never, { ...options, out: join(root, "merged") }), /was written by rsbench merge \(3 of 3 shards\): it is not run into/);
  // The same shard resumes and executes nothing.
  const again = await runExperiment(tinyConfig() as never, { ...options, out: shards[2], shard: { index: 2, count: 3 } });
  assert.equal(again.executed, 0);
  assert.equal(again.manifest.sessions, 2);
});

test("merge refuses an --out inside a shard directory and a non-empty folder that is not a merged run (issue 26)", () => {
  const inside = join(shards[0], "adversarial");
  assert.throws(() => mergeRuns([shards[0], shards[1]], inside), /--out .*shard-0\/adversarial is inside the input .*shard-0: expected a directory outside every shard directory/);
  assert.equal(existsSync(inside), false, "nothing was created inside the shard");
  const stray = join(root, "stray");
  mkdirSync(stray);
  writeFileSync(join(stray, "notes.txt"), "mine");
  assert.throws(() => mergeRuns(shards, stray), /--out .*stray is a folder that holds other files \(notes.txt\) and no merged run: expected a new or empty directory/);
  assert.deepEqual(readdirSync(stray), ["notes.txt"], "the folder is left as it was");
  const empty = join(root, "empty-out");
  mkdirSync(empty);
  assert.equal(mergeRuns(shards, empty).manifest.complete, true, "an empty folder is a new directory");
});
