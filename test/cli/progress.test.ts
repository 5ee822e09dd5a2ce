/**
 * Long commands say where they are (issue 26 item 12): certify and predict write a line when they
 * start and when they end (and every 30 s between, with the time left) when stderr is a log.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { roughDuration } from "../../src/cli/output.js";
import { LINEAR_ONNX, makeFolder } from "../experiments/folderFixture.js";
import { runCli } from "./zooRun.js";

let dir = "";
before(() => { dir = mkdtempSync(join(tmpdir(), "rsbench-progress-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

test("roughDuration: seconds, minutes, hours", () => {
  assert.deepEqual([roughDuration(44.6), roughDuration(725), roughDuration(2 * 3600 + 190)], ["45 s", "12 min 5 s", "2 h 3 min"]);
});

test("certify and predict write a progress line at the start and at the end on a non-terminal stderr", async () => {
  const folder = await makeFolder(join(dir, "images"), ["0-neg", "1-pos"], 2);
  for (const command of ["certify", "predict"]) {
    const run = await runCli([command, "--model", LINEAR_ONNX, "--data", folder, "--sigma", "0.25", "--n", "20", "--count", "3"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`^${command}: 0/3 images started$`, "m"));
    assert.match(run.stderr, new RegExp(`^${command}: 3/3 images .*correct`, "m"));
  }
});
