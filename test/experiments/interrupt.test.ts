import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { LOCK_FILE } from "../../src/experiments/lock.js";
import { runExperiment } from "../../src/experiments/runner.js";
import { assertStoredOnce, comparableRecords, storedCount } from "./compare.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";

const BIN = fileURLToPath(new URL("../../bin/rsbench.js", import.meta.url));
const ENVIRONMENT = fileURLToPath(FIXTURE_ENVIRONMENT);
/** Items of the tiny config. */
const ITEMS = 39;

let root = "";
before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-interrupt-")); });
after(() => rmSync(root, { recursive: true, force: true }));


/** `rsbench run FILE --out OUT` on the fixture environment; sends `signal` once `after` records are stored (never, with after = Infinity). */
function run(file: string, out: string, signal: NodeJS.Signals, afterRecords: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; records: number; lockAtSignal: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "run", file, "--out", out, "--environment", ENVIRONMENT, "--workers", "1", "--no-report", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let lockAtSignal = false;
    child.stderr.on("data", (chunk) => { stderr += chunk; });
    child.stdout.resume();
    const timer = setInterval(() => {
      if (storedCount(out) >= afterRecords) {
        clearInterval(timer);
        lockAtSignal = existsSync(join(out, LOCK_FILE));
        child.kill(signal);
      }
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
    const stopped = await run(file, out, signal, 10);
    assert.equal(stopped.code, code, stopped.stderr);
    assert.ok(stopped.lockAtSignal, "the run held its lock when the signal came");
    assert.equal(existsSync(join(out, LOCK_FILE)), false, "the lock was released");
    assert.match(stopped.stderr, new RegExp(`rsbench run: ${signal}: stopped; the records stored in .*${signal} are kept \\(only the items in flight are lost\\)\\. Run the same command to resume\\.`));
    assert.ok(stopped.records >= 10 && stopped.records < ITEMS, `stopped after ${stopped.records} of ${ITEMS}`);

    const resumed = await run(file, out, signal, Infinity);
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
