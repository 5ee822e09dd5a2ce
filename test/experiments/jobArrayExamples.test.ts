/**
 * The job-array examples of docs/experiments.md (docs/examples/): the sbatch script is valid bash
 * and, run as three SLURM array tasks (SLURM_ARRAY_TASK_ID 0..2, with `npx` standing in for the
 * installed CLI on the fixture environment), gives shards whose merge equals a single-process run;
 * the Kubernetes manifest's shard count, index and paths agree. SLURM and Kubernetes themselves are
 * not available here.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { mergeRuns } from "../../src/experiments/store/merge.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { comparableRecords } from "./compare.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";

const EXAMPLES = fileURLToPath(new URL("../../docs/examples/", import.meta.url));
const SBATCH = join(EXAMPLES, "slurm-array.sbatch");
const BIN = fileURLToPath(new URL("../../bin/rsbench.js", import.meta.url));
const ENVIRONMENT = fileURLToPath(new URL("./fixtureEnvironment.ts", import.meta.url));

let dir = "";
before(() => { dir = mkdtempSync(join(tmpdir(), "rsbench-array-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

function task(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile("bash", [SBATCH, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stderr });
    });
  });
}

test("docs/examples/slurm-array.sbatch is valid bash; three array tasks and a merge give the single-process records", async () => {
  execFileSync("bash", ["-n", SBATCH]);
  const text = readFileSync(SBATCH, "utf8");
  assert.match(text, /^#SBATCH --array=0-7$/m);
  assert.match(text, /--shard "auto\/\$SHARDS"/);
  // `npx rsbench ARGS` -> the CLI on the fixture environment (the tiny grid runs in seconds).
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "npx"), `#!/bin/sh\n[ "$1" = rsbench ] || exit 9\nshift\nexec "${process.execPath}" "${BIN}" "$@" --environment "${ENVIRONMENT}"\n`);
  chmodSync(join(bin, "npx"), 0o755);
  const config = join(dir, "tiny.json");
  writeFileSync(config, JSON.stringify(tinyConfig()));
  const env = { PATH: `${bin}:${process.env.PATH}`, SLURM_SUBMIT_DIR: dir, SLURM_CPUS_PER_TASK: "1", RUNS: join(dir, "runs") };
  const usage = await task({ ...env, SLURM_ARRAY_TASK_ID: "0" }, config);
  assert.notEqual(usage.code, 0);
  assert.match(usage.stderr, /usage: sbatch --array=0-\(N-1\) slurm-array.sbatch CONFIG N/);
  for (const id of ["0", "1", "2"]) {
    const result = await task({ ...env, SLURM_ARRAY_TASK_ID: id }, config, "3");
    assert.equal(result.code, 0, result.stderr);
  }
  const beyond = await task({ ...env, SLURM_ARRAY_TASK_ID: "3" }, config, "3");
  assert.equal(beyond.code, 2);
  assert.match(beyond.stderr, /expected a shard index in \[0, 2\], got 3 \(from SLURM_ARRAY_TASK_ID=3\); number the array from 0/);
  const shards = [0, 1, 2].map((i) => join(dir, "runs", `tiny.shard-${i}-of-3`));
  const merged = mergeRuns(shards, join(dir, "runs", "tiny"));
  assert.equal(merged.manifest.complete, true);
  const single = join(dir, "single");
  await runExperiment(tinyConfig() as never, { out: single, workers: 1, environment: FIXTURE_ENVIRONMENT });
  assert.deepEqual(comparableRecords(join(dir, "runs", "tiny")), comparableRecords(single));
});

test("docs/examples/k8s-indexed-job.yaml: an Indexed Job whose completions, --shard N and paths agree, and a merge Job", () => {
  const text = readFileSync(join(EXAMPLES, "k8s-indexed-job.yaml"), "utf8");
  assert.doesNotMatch(text, /\t/, "YAML is indented with spaces");
  const documents = text.split(/^---$/m);
  assert.equal(documents.length, 3);
  const [claim, grid, merge] = documents;
  assert.match(claim, /^kind: PersistentVolumeClaim$/m);
  assert.match(grid, /^kind: Job$/m);
  assert.match(grid, /^  completionMode: Indexed$/m);
  const completions = Number(/^  completions: (\d+)$/m.exec(grid)?.[1]);
  assert.equal(completions, 8);
  assert.equal(Number(/^  parallelism: (\d+)$/m.exec(grid)?.[1]), completions);
  assert.ok(grid.includes(`--shard auto/${completions}`));
  assert.ok(grid.includes(`--out /runs/paper-fashion-mnist.shard-\${JOB_COMPLETION_INDEX}-of-${completions}`));
  assert.match(grid, /restartPolicy: Never/);
  assert.match(merge, /^kind: Job$/m);
  assert.ok(merge.includes(`npx rsbench merge /runs/paper-fashion-mnist.shard-*-of-${completions} --out /runs/paper-fashion-mnist`));
  for (const part of [grid, merge]) assert.match(part, /claimName: rsbench-runs/);
});
