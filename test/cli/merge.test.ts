import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { comparableRecords } from "../experiments/compare.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "../experiments/tinyConfig.js";
import { runCli } from "./zooRun.js";

/** The CLI with `env` added to an environment cleared of the job-array variables. */
function rsbench(env: Record<string, string>, ...args: string[]) {
  const clean = { ...process.env };
  delete clean.SLURM_ARRAY_TASK_ID;
  delete clean.JOB_COMPLETION_INDEX;
  return runCli(args, { env: { ...clean, ...env } });
}

const ENVIRONMENT = fileURLToPath(new URL("../experiments/fixtureEnvironment.ts", import.meta.url));

let dir = "";
let config = "";
let single = "";
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "rsbench-cli-merge-"));
  config = join(dir, "tiny.json");
  writeFileSync(config, JSON.stringify(tinyConfig()));
  single = join(dir, "single");
  await runExperiment(tinyConfig() as never, { out: single, workers: 1, environment: FIXTURE_ENVIRONMENT });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("rsbench run --shard auto/3 takes the index from SLURM_ARRAY_TASK_ID (or JOB_COMPLETION_INDEX); merge and report read the shards", async () => {
  const shard = (i: number) => join(dir, `shard-${i}`);
  const refused = await rsbench({}, "run", config, "--environment", ENVIRONMENT, "--shard", "auto/3", "--out", shard(0));
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /rsbench: error: invalid --shard auto\/3: auto reads the shard index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, and neither is set/);
  assert.equal(existsSync(shard(0)), false);
  const tooBig = await rsbench({ SLURM_ARRAY_TASK_ID: "3" }, "run", config, "--environment", ENVIRONMENT, "--shard", "auto/3", "--out", shard(0));
  assert.equal(tooBig.code, 2);
  assert.match(tooBig.stderr, /expected a shard index in \[0, 2\], got 3 \(from SLURM_ARRAY_TASK_ID=3\)/);

  const one = await rsbench({ SLURM_ARRAY_TASK_ID: "1" }, "run", config, "--environment", ENVIRONMENT, "--shard", "auto/3", "--out", shard(1), "--workers", "1", "--no-report", "--json");
  assert.equal(one.code, 0, one.stderr);
  const manifest = (JSON.parse(one.stdout) as { manifest: { shard: unknown; items: number; complete: boolean } }).manifest;
  assert.deepEqual(manifest.shard, { index: 1, count: 3 });
  assert.equal(manifest.complete, true);
  const results = await rsbench({}, "results", shard(1));
  assert.equal(results.code, 0, results.stderr);
  assert.match(results.stdout, new RegExp(`^Run tiny \\(shard 1/3\\): ${manifest.items}/${manifest.items} items \\(complete\\)`));
  // Resuming as another shard is refused.
  const other = await rsbench({}, "run", config, "--environment", ENVIRONMENT, "--shard", "2/3", "--out", shard(1));
  assert.equal(other.code, 1);
  assert.match(other.stderr, /was made for shard 1\/3, not shard 2\/3/);

  const zero = await rsbench({ JOB_COMPLETION_INDEX: "0" }, "run", config, "--environment", ENVIRONMENT, "--shard", "auto/3", "--out", shard(0), "--workers", "1", "--no-report");
  assert.equal(zero.code, 0, zero.stderr);
  assert.match(zero.stdout, /^Run tiny \(shard 0\/3\): /);
  const merged = join(dir, "merged");
  const partial = await rsbench({}, "merge", shard(0), shard(1), "--out", merged);
  assert.equal(partial.code, 0, partial.stderr);
  assert.match(partial.stdout, /^Merged tiny into .*merged: \d+\/39 items \(incomplete; \d+ added now\), merged 2 of 3 shards; missing: shard 2 \(not merged yet, 1\/\d+ items\)/);
  const status = await rsbench({}, "results", merged);
  assert.match(status.stdout, /^Run tiny \(merged 2 of 3 shards; missing: shard 2 \(not merged yet, 1\/\d+ items\)\): \d+\/39 items \(incomplete\)/);

  const two = await rsbench({ SLURM_ARRAY_TASK_ID: "2" }, "run", config, "--environment", ENVIRONMENT, "--shard", "auto/3", "--out", shard(2), "--workers", "1", "--no-report");
  assert.equal(two.code, 0, two.stderr);
  const full = await rsbench({}, "merge", shard(0), shard(1), shard(2), "--out", merged, "--json");
  assert.equal(full.code, 0, full.stderr);
  const summary = JSON.parse(full.stdout) as { records: number; manifest: { complete: boolean; merged: { shards: number } } };
  assert.equal(summary.records, 39);
  assert.equal(summary.manifest.complete, true);
  assert.deepEqual(comparableRecords(merged), comparableRecords(single));
  const done = await rsbench({}, "results", merged);
  assert.match(done.stdout, /^Run tiny \(merged 3 of 3 shards\): 39\/39 items \(complete\)/);
  const intoInput = await rsbench({}, "merge", shard(0), shard(1), "--out", shard(1));
  assert.equal(intoInput.code, 2);
  assert.match(intoInput.stderr, /--out .*shard-1 is one of the inputs/);

  // rsbench report writes the merged directory's report and figures from its records.
  const report = await rsbench({}, "report", merged, "--json");
  assert.equal(report.code, 0, report.stderr);
  assert.deepEqual(JSON.parse(report.stdout), { report: join(merged, "report.html") });
  assert.match(readFileSync(join(merged, "report.html"), "utf8"), /<html[\s\S]*39\/39/);
  for (const file of ["fig4.svg", "fig4.png", "fig5.svg", "fig5.vl.json"]) assert.equal(existsSync(join(merged, "figures", file)), true, file);
  assert.equal(existsSync(join(merged, "run.lock")), false);
  const notRun = await rsbench({}, "report", join(dir, "nothing"));
  assert.equal(notRun.code, 2);
  assert.match(notRun.stderr, /nothing does not exist: expected a run directory \(with its config\.json\)/);
});
