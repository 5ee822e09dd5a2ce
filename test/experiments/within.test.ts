/**
 * Progress inside an item (src/experiments/execute/within.ts): throttled at the source, forwarded
 * by both executors to RunOptions.onWithin, and never part of a record.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runExperiment, type RunProgress } from "../../src/experiments/execute/runner.js";
import { throttleWithin, WITHIN_DEFAULTS, type WithinUnit } from "../../src/experiments/execute/within.js";
import { RESULTS_FILE } from "../../src/experiments/store/store.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";

const environment = FIXTURE_ENVIRONMENT;

let root = "";
before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-within-")); });
after(() => rmSync(root, { recursive: true, force: true }));

test("throttleWithin passes the first call, then at most one per 250 ms, dropping (not delaying) the calls in between", () => {
  assert.equal(WITHIN_DEFAULTS.intervalMs, 250);
  let now = 0;
  const seen: [number, number, WithinUnit][] = [];
  const observe = throttleWithin((done, of, unit) => seen.push([done, of, unit]), 250, () => now);
  for (const [t, done] of [[0, 1], [100, 2], [249, 3], [250, 4], [400, 5], [499, 6], [500, 7], [520, 8], [2000, 9]]) {
    now = t;
    observe(done, 100, "queries");
  }
  assert.deepEqual(seen, [[1, 100, "queries"], [4, 100, "queries"], [7, 100, "queries"], [9, 100, "queries"]]);
  // 1000 calls in one second: at most 4 (t = 0, 250, 500, 750) go through.
  let count = 0;
  now = 0;
  const counted = throttleWithin(() => count++, WITHIN_DEFAULTS.intervalMs, () => now);
  for (let i = 0; i < 1000; i++) { now = i; counted(i, 1000, "draws"); }
  assert.equal(count, 4);
});

interface Heard { key: string; done: number; of: number; unit: WithinUnit; after: number }

/** Runs `config` with an onWithin that records what it hears, and when (how many items were stored before). */
async function watched(config: Record<string, unknown>, out: string, workers: number) {
  const heard: Heard[] = [];
  const stored: string[] = [];
  await runExperiment(config as never, {
    out, workers, environment,
    onProgress: (p: RunProgress) => { if (p.key !== null) stored.push(p.key); },
    onWithin: (key, done, of, unit) => heard.push({ key, done, of, unit, after: stored.length }),
  });
  return { heard, stored };
}

/** results.jsonl's lines without their `seconds` (wall time), sorted by key: what must match byte for byte. */
function timelessLines(dir: string): string[] {
  const lines = readFileSync(join(dir, RESULTS_FILE), "utf8").trim().split("\n");
  return lines.map((line) => {
    assert.match(line, /"seconds":[0-9.e+-]+/);
    return line.replace(/,"seconds":[0-9.e+-]+/, "");
  }).sort((a, b) => (JSON.parse(a).key < JSON.parse(b).key ? -1 : 1));
}

/** A slow attack (10 ms per query, 40 queries): several reports per attacked image. */
const SLOW_ATTACK = tinyConfig({
  defenses: [{ name: "none", model: "linear" }],
  attacks: [{ name: "probe", budget: 40, options: { delayMs: 10 } }],
  certification: null,
  figures: { include: [] },
});

for (const workers of [1, 2]) {
  test(`onWithin (${workers} worker${workers > 1 ? "s, a pool of threads" : ", this thread"}): each attacked image's queries, increasing up to at most its budget, before its record`, async () => {
    const out = join(root, `forward-${workers}`);
    const { heard, stored } = await watched(SLOW_ATTACK, out, workers);
    const records = readFileSync(join(out, RESULTS_FILE), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { key: string; kind: string; status?: string; queries?: number });
    const attacked = records.filter((r) => r.kind === "attack" && r.status === "attacked");
    assert.ok(attacked.length >= 2, "the fixture attacks at least two images");
    let several = 0;
    for (const record of attacked) {
      const reports = heard.filter((h) => h.key === record.key);
      assert.ok(reports.length >= 1, `no progress heard for ${record.key}`);
      if (reports.length >= 2) several++;
      for (const r of reports) assert.deepEqual([r.of, r.unit], [40, "queries"]);
      const done = reports.map((r) => r.done);
      for (let i = 1; i < done.length; i++) assert.ok(done[i] > done[i - 1], `${record.key}: done not increasing: ${done.join(", ")}`);
      assert.ok(done[0] >= 1 && done.at(-1)! <= 40, `${record.key}: ${done.join(", ")}`);
      // Heard while the item was in flight: before its record was stored.
      const storedAt = stored.indexOf(record.key);
      assert.ok(reports.every((r) => r.after <= storedAt), `${record.key}: progress after its record`);
    }
    // 40 queries at 10 ms: about 400 ms per image, so the 250 ms throttle lets a second report through.
    assert.ok(several >= 1, `expected several reports for some image, got ${JSON.stringify(heard)}`);
    // Images the defense already misclassifies are not attacked: no queries to report.
    for (const r of records.filter((r) => r.kind === "attack" && r.status !== "attacked")) assert.equal(heard.filter((h) => h.key === r.key).length, 0);
    // The accuracy item reports its images.
    const accuracy = records.find((r) => r.kind === "accuracy")!;
    assert.deepEqual(heard.filter((h) => h.key === accuracy.key).map((h) => [h.done, h.of, h.unit]), [[50, 50, "images"]]);
  });
}

test("records are byte for byte the same with and without onWithin (attack and certification items; this thread and a pool)", async () => {
  const config = tinyConfig({
    defenses: [{ name: "none", model: "linear" }, { name: "rs-0.3", model: "linear", sigma: 0.3, n: 5 }],
    figures: { include: [] },
  });
  await runExperiment(config as never, { out: join(root, "plain"), workers: 1, environment });
  const inline = await watched(config, join(root, "watched-1"), 1);
  const pool = await watched(config, join(root, "watched-2"), 2);
  const plain = timelessLines(join(root, "plain"));
  const kinds = plain.map((l) => JSON.parse(l).kind as string);
  assert.ok(kinds.includes("attack") && kinds.includes("certification"), kinds.join(", "));
  assert.deepEqual(timelessLines(join(root, "watched-1")), plain);
  assert.deepEqual(timelessLines(join(root, "watched-2")), plain);
  // The observers were there: every certification reported draws (of n0 + n = 210), every attacked image its queries.
  const keys = (kind: string, status?: string) => plain.map((l) => JSON.parse(l) as { key: string; kind: string; status?: string })
    .filter((r) => r.kind === kind && (status === undefined || r.status === status)).map((r) => r.key);
  for (const { heard } of [inline, pool]) {
    for (const key of keys("certification")) assert.ok(heard.some((h) => h.key === key && h.unit === "draws" && h.of === 210), `no draws heard for ${key}`);
    for (const key of keys("attack", "attacked")) assert.ok(heard.some((h) => h.key === key && h.unit === "queries" && h.of === 40), `no queries heard for ${key}`);
  }
});
