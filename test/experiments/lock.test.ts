import assert from "node:assert/strict";
import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { acquireLock, LOCK_FILE, LockError } from "../../src/experiments/store/lock.js";
import { RESULTS_FILE } from "../../src/experiments/store/store.js";

const RUN_FIXTURE = fileURLToPath(new URL("./runFixture.ts", import.meta.url));

let root = "";
before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-lock-")); });
after(() => rmSync(root, { recursive: true, force: true }));

function fresh(name: string): string {
  const dir = join(root, name);
  spawnSync("mkdir", ["-p", dir]);
  return dir;
}

/** The pid of a process that has exited (so no process of this host has it, for a while). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

test("the lock file holds pid and host; a second taker is refused at once, naming the holder; release frees it", () => {
  const dir = fresh("basic");
  const lock = acquireLock(dir);
  const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid: number; host: string; purpose: string };
  assert.equal(owner.pid, process.pid);
  assert.equal(owner.host, hostname());
  assert.equal(owner.purpose, "rsbench run");
  assert.throws(() => acquireLock(dir), (error: Error) => {
    assert.ok(error instanceof LockError);
    assert.match(error.message, new RegExp(`run directory .*basic is in use by another writer \\(rsbench run, pid ${process.pid} on host ${hostname()}, since .*\\): two writers would mix their records\\. Wait for it to finish, or use another --out directory\\.`));
    return true;
  });
  lock.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  lock.release(); // idempotent
  acquireLock(dir).release();
});

test("a stale lock of a dead process on this host is recovered with a message", () => {
  const dir = fresh("stale");
  const pid = deadPid();
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: "2026-01-01T00:00:00.000Z", purpose: "rsbench run" }));
  const warnings: string[] = [];
  const lock = acquireLock(dir, { onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], new RegExp(`recovered a stale lock of .*stale: rsbench run, pid ${pid} on host .* since 2026-01-01T00:00:00.000Z is no longer running`));
  assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid, process.pid);
  lock.release();
});

test("a lock taken on another host, or one that names no owner, is never broken automatically", () => {
  const dir = fresh("remote");
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: "elsewhere.example", started: "2026-01-01T00:00:00.000Z", purpose: "rsbench run" }));
  assert.throws(() => acquireLock(dir), /in use by another writer \(rsbench run, pid \d+ on host elsewhere\.example.*It was taken on another host, so it cannot be checked from here; if that run is dead, delete .*run\.lock\./);
  writeFileSync(join(dir, LOCK_FILE), "");
  assert.throws(() => acquireLock(dir), /is locked \(.*run\.lock exists but does not name its owner: expected JSON \{pid, host\}\)\. If no rsbench process writes to this directory, delete/);
});

test("two concurrent writers on one run directory: the second is refused at once, the first finishes, the store is intact", async () => {
  const out = join(root, "concurrent");
  // The first writer is slow (every attack query waits 10 ms): it holds the lock for 10 s or more.
  const first = spawn(process.execPath, ["--import", "tsx", RUN_FIXTURE, out, "1", "10"], { stdio: ["ignore", "pipe", "pipe"] });
  let firstOut = "";
  first.stdout.on("data", (d) => { firstOut += d; });
  const firstDone = new Promise<number>((resolve) => first.on("exit", (code) => resolve(code ?? -1)));
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(out, RESULTS_FILE)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(join(out, LOCK_FILE)), "the first writer holds the lock");
  const started = Date.now();
  const second = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, ["--import", "tsx", RUN_FIXTURE, out, "1", "0"], { timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stderr });
    });
  });
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /run directory .*concurrent is in use by another writer \(rsbench run, pid \d+ on host/);
  assert.ok(Date.now() - started < 30_000, "refused at once, not after waiting for the first");
  assert.equal(await firstDone, 0);
  assert.equal(JSON.parse(firstOut).executed, 39);
  const lines = readFileSync(join(out, RESULTS_FILE), "utf8").trimEnd().split("\n");
  assert.equal(lines.length, 39, "every item stored once");
  const keys = lines.map((l) => (JSON.parse(l) as { key: string }).key);
  assert.equal(new Set(keys).size, 39);
  assert.equal(existsSync(join(out, LOCK_FILE)), false, "released at the end");
});
