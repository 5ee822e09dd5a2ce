/**
 * A remote target that runs out of quota in the middle of `rsbench attack --target` (issue 26
 * item 15): the command stops, keeps the finished images' records in --out, and exits non-zero.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli } from "../cli/zooRun.js";
import { copyModel, makeFolder } from "../experiments/folderFixture.js";
import { KEY_FILE, KEYS, serve } from "./fixture.js";

let dir = "";
before(() => { dir = mkdtempSync(join(tmpdir(), "rsbench-quota-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

test("a 403 (quota spent) mid attack --target keeps the finished records and exits 1 with a clear message", async () => {
  const model = copyModel(join(dir, "model.onnx"));
  const folder = await makeFolder(join(dir, "images"), ["0-neg", "1-pos"], 2);
  const keys = join(dir, "keys.txt");
  writeFileSync(keys, KEY_FILE);
  // Each image costs 1 call (the defense's label) + 20 queries (RayS spends its budget); 30 lets one finish.
  const server = await serve(["--model", model, "--keys", keys, "--quota", "30"]);
  const out = join(dir, "records.jsonl");
  try {
    const run = await runCli(["attack", "--data", folder, "--attack", "rays", "--count", "3", "--queries", "20", "--verify", "0", "--no-harden", "--target", server.url, "--out", out],
      { env: { ...process.env, RSBENCH_KEY: KEYS.alice }, timeout: 60_000 });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /rsbench: error: stopped after 1 of 3 images: .*answered 403: .*quota.*The 1 finished records are in .*records\.jsonl/);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0].queries, 20);
    assert.match(run.stdout, /images?/, "the summary of the finished image is printed");
  } finally {
    await server.stop();
  }
});

test("--max-batch is bounded (1024): one request holds the server for images x n forward passes (issue 26 item 14)", async () => {
  const { createServer } = await import("../../src/serve/server.js");
  const { LinearClassifier } = await import("../../src/model/linear.js");
  const classifier = new LinearClassifier({ channels: 1, height: 2, width: 2 }, new Float32Array(4), 0);
  await assert.rejects(createServer({ classifier, maxBatch: 1025 }), /invalid maxBatch: expected an integer in \[1, 1024\]/);
  const model = copyModel(join(dir, "model-mb.onnx"));
  const run = await runCli(["serve", "--model", model, "--port", "0", "--max-batch", "5000"], { timeout: 30_000 });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /invalid --max-batch: expected an integer in \[1, 1024\]|invalid --max-batch: expected .*1024/);
});
