import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { assertStoredOnce, comparableRecords, storedCount } from "./compare.js";

const SCRIPT = new URL("./runFixture.ts", import.meta.url).pathname;
const SLOW_MS = "3"; // per attack query: about 3 s of attacks in all, so the kill lands mid-run


/** Starts the fixture run and SIGKILLs it once `after` records are stored. */
function runAndKill(out: string, after: number): Promise<{ records: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, out, "2", SLOW_MS], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => { stderr += chunk; });
    const timer = setInterval(() => {
      if (storedCount(out) >= after) { clearInterval(timer); child.kill("SIGKILL"); }
    }, 2);
    child.on("exit", (code, signal) => {
      clearInterval(timer);
      if (signal !== "SIGKILL") reject(new Error(`the run ended before it was killed (code ${code}): ${stderr}`));
      else resolve({ records: storedCount(out), signal });
    });
  });
}

test("a run SIGKILLed mid-way and resumed gives the records of an uninterrupted run", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-kill-"));
  try {
    const killed = join(root, "killed"), reference = join(root, "reference");
    const { records } = await runAndKill(killed, 12);
    assert.ok(records >= 12 && records < 39, `killed after ${records} of 39 records`);
    // Resume with another worker count: only the missing items run.
    const resume = spawnSync(process.execPath, ["--import", "tsx", SCRIPT, killed, "1", SLOW_MS], { encoding: "utf8" });
    assert.equal(resume.status, 0, resume.stderr);
    const summary = JSON.parse(resume.stdout) as { executed: number; resumed: number };
    assert.ok(summary.resumed >= records - 1 && summary.resumed < 39, `resumed ${summary.resumed}`);
    assert.equal(summary.executed + summary.resumed, 39);
    const full = spawnSync(process.execPath, ["--import", "tsx", SCRIPT, reference, "2", "0"], { encoding: "utf8" });
    assert.equal(full.status, 0, full.stderr);
    assert.deepEqual(comparableRecords(killed), comparableRecords(reference));
    assertStoredOnce(killed, 39);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
