import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { LOCK_FILE } from "../../src/experiments/store/lock.js";
import type { RunManifest } from "../../src/experiments/store/records.js";
import { MANIFEST_FILE } from "../../src/experiments/store/runDirectory.js";
import { MANIFEST_INTERVAL_SECONDS, runExperiment } from "../../src/experiments/execute/runner.js";
import { RESULTS_FILE } from "../../src/experiments/store/store.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";

const RUN_FIXTURE = fileURLToPath(new URL("./runFixture.ts", import.meta.url));

function manifestOf(dir: string): RunManifest | null {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as RunManifest;
  } catch {
    return null;
  }
}

test("run.json keeps the wall time, the session count and done current while a run works, so they survive SIGKILL", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-manifest-"));
  try {
    const out = join(root, "run");
    const child = spawn(process.execPath, ["--import", "tsx", RUN_FIXTURE, out, "1", "20"], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    // Wait until the periodic rewrite has happened (a start-only manifest says ~0 s).
    const deadline = Date.now() + 60_000;
    let seen: RunManifest | null = null;
    while (Date.now() < deadline) {
      seen = manifestOf(out);
      if (seen && seen.wallSeconds >= MANIFEST_INTERVAL_SECONDS + 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGKILL");
    await exited;
    const killed = manifestOf(out)!;
    assert.ok(killed.wallSeconds >= MANIFEST_INTERVAL_SECONDS + 1, `wall time ${killed.wallSeconds} s kept after the kill`);
    assert.equal(killed.sessions, 1);
    assert.equal(killed.complete, false, "killed before the end (the fixture takes longer than the wait)");
    const stored = readFileSync(join(out, RESULTS_FILE), "utf8").split("\n").filter((l) => l.endsWith("}")).length;
    assert.ok(killed.done > 0 && killed.done <= stored, `done ${killed.done} counted, ${stored} lines stored`);
    assert.ok(existsSync(join(out, LOCK_FILE)), "SIGKILL leaves the lock behind");

    // The resume recovers the stale lock, says so, and adds its own session and time.
    const warnings: string[] = [];
    const config = tinyConfig({ attacks: [{ name: "probe", budget: 40, options: { delayMs: 20 } }] });
    const resumed = await runExperiment(config as never, { out, workers: 1, environment: FIXTURE_ENVIRONMENT, onWarning: (m) => warnings.push(m) });
    assert.match(warnings.join("\n"), /recovered a stale lock of .*: rsbench run, pid \d+ on host .* is no longer running/);
    assert.equal(resumed.manifest.sessions, 2);
    assert.ok(resumed.manifest.wallSeconds > killed.wallSeconds);
    assert.equal(resumed.manifest.done, 39);
    assert.deepEqual(resumed.manifest.store, { valid: 39, foreign: 0, duplicates: 0, droppedBytes: resumed.recovery.droppedBytes });
    assert.equal(existsSync(join(out, LOCK_FILE)), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
