import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { LOCK_FILE } from "../../src/experiments/lock.js";
import { MANIFEST_FILE } from "../../src/experiments/runDirectory.js";
import { assertStoredOnce, storedCount } from "./compare.js";

/*
 * A signal that lands while onnxruntime is inside a model call in a worker thread. Terminating
 * that thread from outside (process.exit did) makes onnxruntime-node throw a C++ Napi::Error into
 * the dying environment: "terminate called after throwing an instance of 'Napi::Error'" and exit
 * 134 (SIGABRT) instead of 143. The run must stop its workers between two model calls instead.
 * The shipped Fashion-MNIST model with n = 1000 draws per call of g (one batch) keeps the workers
 * inside onnxruntime most of the time, so a signal 1 s after the first record lands mid-call.
 */
const BIN = fileURLToPath(new URL("../../bin/rsbench.js", import.meta.url));
/** 4 attack items and the accuracy item. */
const ITEMS = 5;

let root = "";
before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-interrupt-onnx-")); });
after(() => rmSync(root, { recursive: true, force: true }));

function run(file: string, out: string, signalAfterMs: number | null): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; lockAtSignal: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "run", file, "--out", out, "--workers", "2", "--no-report", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let lockAtSignal = false;
    child.stderr.on("data", (chunk) => { stderr += chunk; });
    child.stdout.resume();
    // After the first record (the accuracy item): the workers are attacking.
    const timer = setInterval(() => {
      if (signalAfterMs === null || !existsSync(join(out, MANIFEST_FILE)) || storedCount(out) < 1) return;
      clearInterval(timer);
      setTimeout(() => {
        lockAtSignal = existsSync(join(out, LOCK_FILE));
        child.kill("SIGTERM");
      }, signalAfterMs);
    }, 5);
    child.on("exit", (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, stderr, lockAtSignal });
    });
  });
}

test("SIGTERM while worker threads are inside onnxruntime: exit 143 (no abort), lock released, records kept; the resume completes the run", { timeout: 300_000 }, async () => {
  const config = {
    name: "interrupt-onnx",
    seed: 0,
    data: { dataset: "fashion-mnist", sample: 4, seed: 0 },
    accuracy: { dataset: "fashion-mnist", count: 20 },
    defenses: [{ name: "rs", model: "fashion-mnist-standard", sigma: 0.05, n: 1000, pa: 0.5 }],
    attacks: [{ name: "hsja", norm: "l2", budget: 100 }],
    batchSize: 1000,
  };
  const file = join(root, "config.json");
  writeFileSync(file, JSON.stringify(config));
  const out = join(root, "run");
  const stopped = await run(file, out, 1000);
  assert.doesNotMatch(stopped.stderr, /terminate called|Napi::Error/, "onnxruntime aborted the process");
  assert.equal(stopped.signal, null, `killed by ${stopped.signal}: ${stopped.stderr}`);
  assert.equal(stopped.code, 143, stopped.stderr);
  assert.ok(stopped.lockAtSignal, "the run held its lock when the signal came");
  assert.equal(existsSync(join(out, LOCK_FILE)), false, "the lock was released");
  assert.match(stopped.stderr, /rsbench run: SIGTERM: stopped; the records stored in .* are kept/);
  assert.ok(storedCount(out) < ITEMS, `the signal came after the run finished (${storedCount(out)} records): it proves nothing`);

  const resumed = await run(file, out, null);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.doesNotMatch(resumed.stderr, /stale lock/);
  assertStoredOnce(out, ITEMS);
});
