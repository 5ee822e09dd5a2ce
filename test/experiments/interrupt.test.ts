import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { LOCK_FILE } from "../../src/experiments/store/lock.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { assertStoredOnce, comparableRecords, storedCount } from "./compare.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";

const BIN = fileURLToPath(new URL("../../bin/rsbench.js", import.meta.url));
const ENVIRONMENT = fileURLToPath(FIXTURE_ENVIRONMENT);
/** Items of the tiny config. */
const ITEMS = 39;

let root = "";
before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-interrupt-")); });
after(() => rmSync(root, { recursive: true, force: true }));


interface RunArgs {
  /** Sent once `afterRecords` records are stored, then `delayMs` later (never, with afterRecords = Infinity). */
  readonly signal: NodeJS.Signals;
  readonly afterRecords: number;
  readonly delayMs?: number;
  readonly workers?: number;
  /** The fixture environment by default; null: the shipped one. */
  readonly environment?: string | null;
}

/** `rsbench run FILE --out OUT`, signalled as `args` says. */
function run(file: string, out: string, args: RunArgs): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; records: number; lockAtSignal: boolean }> {
  const environment = args.environment === undefined ? ENVIRONMENT : args.environment;
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [BIN, "run", file, "--out", out, ...(environment === null ? [] : ["--environment", environment]), "--workers", String(args.workers ?? 1), "--no-report", "--json"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    let lockAtSignal = false;
    child.stderr.on("data", (chunk) => { stderr += chunk; });
    child.stdout.resume();
    const send = () => {
      lockAtSignal = existsSync(join(out, LOCK_FILE));
      child.kill(args.signal);
    };
    const timer = setInterval(() => {
      if (storedCount(out) < args.afterRecords) return;
      clearInterval(timer);
      if (args.delayMs) setTimeout(send, args.delayMs);
      else send();
    }, 5);
    child.on("exit", (code, sig) => {
      clearInterval(timer);
      resolve({ code, signal: sig, stderr, records: storedCount(out), lockAtSignal });
    });
  });
}

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  test(`${signal} stops rsbench run with exit ${code}, releases the lock, keeps the records; the resume recovers nothing and matches an uninterrupted run`, { timeout: 120_000 }, async () => {
    // Every attack query waits 3 ms: about 3 s of attacks in all, so the signal lands mid-run.
    const config = tinyConfig({ name: `interrupt-${signal}`, attacks: [{ name: "probe", budget: 40, options: { delayMs: 3 } }] });
    const file = join(root, `${signal}.json`);
    writeFileSync(file, JSON.stringify(config));
    const out = join(root, signal);
    const stopped = await run(file, out, { signal, afterRecords: 10 });
    assert.equal(stopped.code, code, stopped.stderr);
    assert.ok(stopped.lockAtSignal, "the run held its lock when the signal came");
    assert.equal(existsSync(join(out, LOCK_FILE)), false, "the lock was released");
    assert.match(stopped.stderr, new RegExp(`rsbench run: ${signal}: stopped; the records stored in .*${signal} are kept \\(only the items in flight are lost\\)\\. Run the same command to resume\\.`));
    assert.ok(stopped.records >= 10 && stopped.records < ITEMS, `stopped after ${stopped.records} of ${ITEMS}`);

    const resumed = await run(file, out, { signal, afterRecords: Infinity });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.doesNotMatch(resumed.stderr, /stale lock/, "nothing to recover: the interrupted run left no lock");
    const reference = join(root, `${signal}.reference`);
    await runExperiment(config as never, { out: reference, workers: 1, environment: FIXTURE_ENVIRONMENT });
    assert.deepEqual(comparableRecords(out), comparableRecords(reference));
    assertStoredOnce(out, ITEMS);
  });
}

for (const workers of [1, 2]) {
  test(`runExperiment with an AbortSignal (${workers} worker(s)): rejects with its reason, stores nothing after it, releases the lock; the same call then resumes to the uninterrupted records`, { timeout: 120_000 }, async () => {
    const config = tinyConfig({ name: `abort-${workers}`, attacks: [{ name: "probe", budget: 40, options: { delayMs: 3 } }] });
    const out = join(root, `abort-${workers}`);
    const controller = new AbortController();
    let storedAtAbort = -1;
    const running = runExperiment(config as never, {
      out, workers, environment: FIXTURE_ENVIRONMENT, signal: controller.signal,
      onProgress: (p) => {
        if (p.done < 10 || controller.signal.aborted) return;
        storedAtAbort = storedCount(out);
        controller.abort();
      },
    });
    await assert.rejects(running, (error: Error) => error.name === "AbortError");
    assert.ok(storedAtAbort >= 10 && storedAtAbort < ITEMS, `aborted after ${storedAtAbort} of ${ITEMS}`);
    await new Promise((done) => setTimeout(done, 300)); // an item that was in flight would have finished by now
    assert.equal(storedCount(out), storedAtAbort, "a record was stored after the abort");
    assert.equal(existsSync(join(out, LOCK_FILE)), false, "the lock was released");

    await runExperiment(config as never, { out, workers, environment: FIXTURE_ENVIRONMENT });
    const reference = join(root, `abort-${workers}.reference`);
    await runExperiment(config as never, { out: reference, workers: 1, environment: FIXTURE_ENVIRONMENT });
    assert.deepEqual(comparableRecords(out), comparableRecords(reference));
    assertStoredOnce(out, ITEMS);
  });
}

/*
 * A signal that lands while onnxruntime is inside a model call in a worker thread. Terminating
 * that thread from outside (process.exit did) makes onnxruntime-node throw a C++ Napi::Error into
 * the dying environment: "terminate called after throwing an instance of 'Napi::Error'" and exit
 * 134 (SIGABRT) instead of 143. The run must stop its workers between two model calls instead.
 * The shipped Fashion-MNIST model with n = 1000 draws per call of g (one batch) keeps the workers
 * inside onnxruntime most of the time, so a signal 1 s after the first record lands mid-call.
 */
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
  /** 4 attack items and the accuracy item. */
  const items = 5;
  const file = join(root, "onnx.json");
  writeFileSync(file, JSON.stringify(config));
  const out = join(root, "onnx");
  // After the first record (the accuracy item): the workers are attacking.
  const shipped = { workers: 2, environment: null, signal: "SIGTERM" } as const;
  const stopped = await run(file, out, { ...shipped, afterRecords: 1, delayMs: 1000 });
  assert.doesNotMatch(stopped.stderr, /terminate called|Napi::Error/, "onnxruntime aborted the process");
  assert.equal(stopped.signal, null, `killed by ${stopped.signal}: ${stopped.stderr}`);
  assert.equal(stopped.code, 143, stopped.stderr);
  assert.ok(stopped.lockAtSignal, "the run held its lock when the signal came");
  assert.equal(existsSync(join(out, LOCK_FILE)), false, "the lock was released");
  assert.match(stopped.stderr, /rsbench run: SIGTERM: stopped; the records stored in .* are kept/);
  assert.ok(stopped.records < items, `the signal came after the run finished (${stopped.records} records): it proves nothing`);

  const resumed = await run(file, out, { ...shipped, afterRecords: Infinity });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.doesNotMatch(resumed.stderr, /stale lock/);
  assertStoredOnce(out, items);
});
