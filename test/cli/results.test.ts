import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CSV_COLUMNS } from "../../src/experiments/store/export.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "../experiments/tinyConfig.js";
import { rsbench } from "./zooRun.js";

let dir = "";
let run = "";
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "rsbench-cli-results-"));
  run = join(dir, "run");
  await runExperiment(tinyConfig() as never, { out: run, workers: 1, environment: FIXTURE_ENVIRONMENT });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("rsbench results --json exports one row per attack item and the certification rows", async () => {
  const { code, stdout, stderr } = await rsbench("results", run, "--json");
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout) as { run: { name: string }; attacks: Record<string, unknown>[]; certifications: Record<string, unknown>[]; accuracy: unknown[]; calibrations: unknown[] };
  assert.equal(out.run.name, "tiny");
  assert.equal(out.attacks.length, 24);
  assert.equal(out.certifications.length, 8);
  assert.equal(out.accuracy.length, 4);
  assert.equal(out.calibrations.length, 1);
  const row = out.attacks.find((r) => r.defense === "rs-drop/n=10/pa=0.8" && r.status === "attacked")!;
  for (const key of ["defense", "n", "pa", "sigma", "attack", "image", "success", "l2", "linf", "queries", "forwardPasses", "l2At500", "l2At1000", "l2AtBudget"]) assert.ok(key in row, key);
  assert.equal(row.n, 10);
  assert.equal(row.pa, 0.8);
  assert.equal(row.l2AtBudget, row.l2, "the budget is 40 queries: the final distortion");
  assert.equal(row.l2At500, null, "500 queries is beyond the 40-query budget");
  assert.ok((row.forwardPasses as number) > (row.queries as number), "a smoothed oracle spends n forward passes per query");
  // Rows are in key order (natural numbers), whatever the completion order.
  const images = out.attacks.filter((r) => r.defense === "none").map((r) => r.image as number);
  assert.deepEqual(images, [...images].sort((a, b) => a - b));
});

test("rsbench results --csv writes one table with the union of the columns", async () => {
  const file = join(dir, "out.csv");
  const { code, stderr } = await rsbench("results", run, "--csv", "--out", file);
  assert.equal(code, 0, stderr);
  const lines = readFileSync(file, "utf8").trimEnd().split("\n");
  assert.equal(lines[0], CSV_COLUMNS.join(","));
  assert.equal(lines.length, 1 + 24 + 8 + 4 + 1);
  assert.ok(lines.every((l) => l.split(",").length === CSV_COLUMNS.length));
  assert.equal(lines.filter((l) => l.startsWith("certification,")).length, 8);
});

test("rsbench results refuses a directory that is not a run, and --csv with --json", async () => {
  const missing = await rsbench("results", join(dir, "nothing"), "--csv");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nothing does not exist: expected a run directory \(with its config\.json\)/);
  const both = await rsbench("results", run, "--csv", "--json");
  assert.equal(both.code, 2);
  assert.match(both.stderr, /expected one of --csv or --json, got both/);
});

test("rsbench results exports the oracle, steps, hardened point and (JSON only) hardenedAt of each attack record", async () => {
  const hardenedRun = join(dir, "hardened");
  const config = tinyConfig({
    certification: null, figures: { include: [] },
    attacks: [{ name: "probe", budget: 40, verify: 60, verification: "sequential", harden: true, hardenCalls: 400, hardenAt: [20] }],
  });
  await runExperiment(config as never, { out: hardenedRun, workers: 1, environment: FIXTURE_ENVIRONMENT });
  const records = readFileSync(join(hardenedRun, "results.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l)).filter((r) => r.kind === "attack");
  const json = await rsbench("results", hardenedRun, "--json");
  assert.equal(json.code, 0, json.stderr);
  const rows = (JSON.parse(json.stdout) as { attacks: Record<string, any>[] }).attacks;
  const file = join(dir, "hardened.csv");
  const csv = await rsbench("results", hardenedRun, "--csv", "--out", file);
  assert.equal(csv.code, 0, csv.stderr);
  const [header, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
  const columns = header.split(",");
  const cells = new Map(lines.map((l) => l.split(",")).filter((c) => c[0] === "attack").map((c) => [c[1], c]));
  const column = (key: string, name: string) => cells.get(key)![columns.indexOf(name)];
  let hardened = 0;
  for (const r of records) {
    const row = rows.find((x) => x.key === r.key)!;
    assert.deepEqual(row.hardened, r.hardened, r.key);
    assert.deepEqual(row.hardenedAt, r.hardenedAt, r.key);
    assert.equal(row.oracle, r.defense.oracle, "the rule when not the shortcut, absent otherwise");
    assert.equal(column(r.key, "hardened.status"), r.hardened?.status ?? "");
    assert.equal(column(r.key, "hardened.calls"), r.hardened ? String(r.hardened.calls) : "");
    if (r.hardened?.status === "hardened") {
      hardened++;
      assert.equal(Number(column(r.key, "hardened.l2")), r.hardened.l2, r.key);
    }
  }
  assert.ok(hardened > 0, "some records have hardened points");
  assert.equal(columns.includes("hardenedAt"), false, "arrays stay out of the CSV");
});
