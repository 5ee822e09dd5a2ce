import assert from "node:assert/strict";
import { test } from "node:test";
import { inShard, parseShard, shardOf } from "../../src/experiments/plan/shard.js";

test("shardOf(key, N) is the first 4 bytes of sha256(key), big-endian, mod N (values from sha256sum)", () => {
  // printf %s KEY | sha256sum | cut -c1-8: f37e8f12, 23dcec3c, 57c028bf.
  assert.equal(shardOf("attack/none/probe/l2/image=5", 3), 0xf37e8f12 % 3);
  assert.equal(shardOf("attack/none/probe/l2/image=5", 3), 2);
  assert.equal(shardOf("attack/none/probe/l2/image=5", 7), 0);
  assert.equal(shardOf("accuracy/none", 3), 2);
  assert.equal(shardOf("calibration/linear/drop=10%", 3), 0);
  assert.equal(shardOf("anything", 1), 0);
});

test("inShard: calibrations belong to every shard, other items to one; no shard means every item", () => {
  const calibration = { kind: "calibration" as const, key: "calibration/linear/drop=10%" };
  const attack = { kind: "attack" as const, key: "attack/none/probe/l2/image=5" };
  assert.deepEqual([0, 1, 2].map((index) => inShard(calibration, { index, count: 3 })), [true, true, true]);
  assert.deepEqual([0, 1, 2].map((index) => inShard(attack, { index, count: 3 })), [false, false, true]);
  assert.equal(inShard(attack, undefined), true);
});

test("parseShard reads I/N, and auto/N from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX", () => {
  assert.deepEqual(parseShard("1/3", {}), { index: 1, count: 3 });
  assert.deepEqual(parseShard("auto/3", { SLURM_ARRAY_TASK_ID: "2" }), { index: 2, count: 3 });
  assert.deepEqual(parseShard("auto/4", { JOB_COMPLETION_INDEX: "0" }), { index: 0, count: 4 });
  assert.deepEqual(parseShard("auto/4", { SLURM_ARRAY_TASK_ID: "3", JOB_COMPLETION_INDEX: "3" }), { index: 3, count: 4 });
});

test("parseShard refuses bad specs with what was expected and received", () => {
  assert.throws(() => parseShard("auto/3", {}), /^RangeError: invalid --shard auto\/3: auto reads the shard index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, and neither is set/);
  assert.throws(() => parseShard("auto/3", { SLURM_ARRAY_TASK_ID: "3" }), /invalid --shard auto\/3: expected a shard index in \[0, 2\], got 3 \(from SLURM_ARRAY_TASK_ID=3\); number the array from 0 \(sbatch --array=0-2\)/);
  assert.throws(() => parseShard("auto/3", { JOB_COMPLETION_INDEX: "5" }), /expected a shard index in \[0, 2\], got 5 \(from JOB_COMPLETION_INDEX=5\)$/);
  assert.throws(() => parseShard("auto/3", { SLURM_ARRAY_TASK_ID: "1", JOB_COMPLETION_INDEX: "2" }), /SLURM_ARRAY_TASK_ID=1 and JOB_COMPLETION_INDEX=2 disagree/);
  assert.throws(() => parseShard("auto/3", { SLURM_ARRAY_TASK_ID: "x" }), /expected SLURM_ARRAY_TASK_ID to be an integer >= 0, got "x"/);
  assert.throws(() => parseShard("3/3", {}), /invalid --shard 3\/3: expected a shard index in \[0, 2\], got 3$/);
  assert.throws(() => parseShard("-1/3", {}), /invalid --shard: expected I\/N or auto\/N with I an integer >= 0, got "-1\/3"/);
  for (const bad of ["3", "1/0", "1/x", "1/2/3", "", "1/100001"]) {
    assert.throws(() => parseShard(bad, {}), /invalid --shard: expected I\/N or auto\/N with N an integer in \[1, 100000\] and I in \[0, N-1\]/, bad);
  }
});
