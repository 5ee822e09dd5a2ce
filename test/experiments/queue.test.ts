import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { connectionOptions, connectRedis, jobIdOf, keyOfJobId, parseQueueUrl, runId } from "../../src/experiments/distribute/queue.js";
import { isSavedPointPath, QueueExecutor } from "../../src/experiments/distribute/queueCoordinator.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { runCli } from "../cli/zooRun.js";
import { assertStoredOnce, comparableRecords, filesUnder, storedCount } from "./compare.js";
import { QUEUE_TEST_MODEL_VARIABLE } from "./queueEnvironment.js";
import { testRedis, type TestRedis } from "./queueRedis.js";
import { tinyConfig } from "./tinyConfig.js";

const BIN = fileURLToPath(new URL("../../bin/rsbench.js", import.meta.url));
const ENVIRONMENT = fileURLToPath(new URL("./queueEnvironment.ts", import.meta.url));
const MODEL = fileURLToPath(new URL("../fixtures/linear.onnx", import.meta.url));
/** Items of the tiny config. */
const ITEMS = 39;
/** Lock and stalled-check times of the test workers (ms): a killed worker's item runs again within about 2 s. */
const STALL = ["--lock-duration", "1500", "--stalled-interval", "500"];

describe("job ids", () => {
  test("jobIdOf escapes ':' and '%', marks all-digits keys, and keyOfJobId inverts it", () => {
    assert.equal(jobIdOf("attack/rs/n=5/probe-l2/image=3"), "attack/rs/n=5/probe-l2/image=3");
    assert.equal(jobIdOf("calibration/C:/models/a.onnx/drop=5%"), "calibration/C%3A/models/a.onnx/drop=5%25");
    assert.equal(jobIdOf("123"), "%d123");
    for (const key of ["a:b", "%3A", "%25:", "%d1", "12", "x%", "::", "calibration/m/drop=2.5%"]) {
      assert.equal(jobIdOf(key).includes(":"), false, key);
      assert.equal(keyOfJobId(jobIdOf(key)), key);
    }
  });
});

describe("parseQueueUrl", () => {
  test("reads host, port (default 6379) and database", () => {
    assert.deepEqual(parseQueueUrl("redis://10.0.0.5:6380/2"), { host: "10.0.0.5", port: 6380, db: 2, url: "redis://10.0.0.5:6380/2" });
    assert.equal(parseQueueUrl("redis://queue.local").port, 6379);
  });
  test("refuses what is not a redis:// URL, saying what was expected", () => {
    assert.throws(() => parseQueueUrl("localhost:6379"), /expected a redis:\/\/ URL.*got "localhost:6379"/);
    assert.throws(() => parseQueueUrl("http://h:1"), /expected a redis:\/\/ URL/);
    assert.throws(() => parseQueueUrl("redis://h:1/x"), /expected a database number.*got "x"/);
  });
});

test("runId differs with the config hash, the model fingerprints and the environment", () => {
  const inputs = { models: { m: { path: "/m.onnx", bytes: 3, sha256: "a".repeat(64) } }, data: {} };
  const other = { models: { m: { path: "/m.onnx", bytes: 3, sha256: "b".repeat(64) } }, data: {} };
  const base = runId("h1", inputs, null);
  assert.match(base, /^[0-9a-f]{16}$/);
  assert.equal(runId("h1", inputs, null), base);
  assert.notEqual(runId("h2", inputs, null), base);
  assert.notEqual(runId("h1", other, null), base);
  assert.notEqual(runId("h1", inputs, "file:///env.ts"), base);
});

test("a worker whose Redis does not answer fails at once with a clear error", async () => {
  const run = await runCli(["worker", "--queue", "redis://127.0.0.1:1"], { timeout: 30_000 });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /cannot reach the work queue's Redis at redis:\/\/127\.0\.0\.1:1/);
  const usage = await runCli(["run", "experiments/demo-fashion-mnist.json", "--queue", "http://x", "--out", join(tmpdir(), "never")], { timeout: 30_000 });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /expected a redis:\/\/ URL/);
});

const redis: TestRedis | { skip: string } | { error: Error } = await testRedis().catch((error: Error) => ({ error }));
const skip = "skip" in redis ? redis.skip : false;
// CI requires these tests (RSBENCH_REQUIRE_REDIS=1): no Redis there is a failure, not a skip.
if ("error" in redis) test("queue runs need a Redis", () => { throw redis.error; });

/** A child process and its stderr, line by line. */
interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  /** performance.now() when the last line came. */
  readonly last: { at: number };
  /** Called for each new stderr line, with whether it is the last line of its chunk (nothing more was printed yet). */
  readonly onLine: ((line: string, last: boolean) => void)[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(args: readonly string[], env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const last = { at: 0 };
  const onLine: ((line: string, last: boolean) => void)[] = [];
  let stdout = "", stderr = "";
  child.stdout!.on("data", (chunk) => { stdout += chunk; });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk;
    const fresh = chunk.toString().split("\n").filter((l) => l !== "");
    lines.push(...fresh);
    last.at = performance.now();
    fresh.forEach((line, i) => onLine.forEach((f) => f(line, i === fresh.length - 1)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on("exit", (code, signal) => setImmediate(() => resolve({ code, signal, stdout, stderr })));
  });
  return { process: child, lines, last, onLine, exited };
}

async function stop(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
  await child.exited;
}



/** Waits until `ready()` holds, checking every 20 ms; fails after `ms`, saying what it waited for. */
async function until(what: string, ready: () => boolean, ms = 30_000): Promise<void> {
  const end = performance.now() + ms;
  while (!ready()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (!("error" in redis)) describe("queue runs (BullMQ on Redis)", { skip, timeout: 360_000 }, () => {
  const url = "url" in redis ? redis.url : "";
  let root = "";
  const children: Child[] = [];
  const spawnChild = (args: readonly string[], env: NodeJS.ProcessEnv = {}) => {
    const child = start(args, env);
    children.push(child);
    return child;
  };
  /** A config file of the tiny experiment (its attacks slowed so that a kill lands mid-item) and a single-process reference run of it. */
  const configs = new Map<string, { file: string; reference: string }>();
  const prepare = async (name: string) => {
    const config = tinyConfig({ name, attacks: [{ name: "probe", budget: 40, options: { delayMs: 3 } }] });
    const file = join(root, `${name}.json`);
    writeFileSync(file, JSON.stringify(config));
    const reference = join(root, `${name}.reference`);
    await runExperiment(config as never, { out: reference, workers: 1, environment: new URL(`file://${ENVIRONMENT}`).href });
    configs.set(name, { file, reference });
    return { file, reference };
  };
  const coordinator = (file: string, out: string) => spawnChild(["run", file, "--queue", url, "--out", out, "--environment", ENVIRONMENT, "--no-report", "--json"]);
  const worker = (name: string, env: NodeJS.ProcessEnv = {}) => spawnChild(["worker", "--queue", url, "--workers", "1", "--run", name, "--environment", ENVIRONMENT, ...STALL], env);

  before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-queue-")); });
  after(async () => {
    await Promise.all(children.map(stop));
    if ("stop" in redis) await redis.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test("2 workers, one SIGKILLed mid-item and restarted: the records of a single-process run", { timeout: 60_000 }, async () => {
    const { file, reference } = await prepare("queue-worker-kill");
    const out = join(root, "worker-kill");
    const run = coordinator(file, out);
    const a = worker("queue-worker-kill");
    const b = worker("queue-worker-kill");
    // Kill worker a as soon as it says it starts an attack (one takes over 120 ms: 40 queries of
    // at least 3 ms), once some records are stored: the kill is sent from the line's own handler,
    // not from a poll, so that a loaded machine cannot let the item finish first.
    let inFlight = "";
    a.onLine.push((line, lastOfChunk) => {
      const started = /^rsbench worker: start (attack\/\S+)$/.exec(line);
      if (inFlight === "" && started && lastOfChunk && storedCount(out) >= 10) {
        inFlight = started[1];
        a.process.kill("SIGKILL");
      }
    });
    await until("10 stored records and worker a starting an attack", () => inFlight !== "");
    await a.exited;
    assert.equal(a.lines.at(-1), `rsbench worker: start ${inFlight}`, "worker a printed nothing after the start of the item it was killed in");
    const restarted = worker("queue-worker-kill");
    const others = [b, restarted];
    const result = await run.exited;
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { executed: number; resumed: number };
    assert.deepEqual([summary.executed, summary.resumed], [ITEMS, 0]);
    assert.deepEqual(comparableRecords(out), comparableRecords(reference));
    assertStoredOnce(out, ITEMS);
    // The item in flight was run again by a live worker (BullMQ's stalled-job recovery).
    assert.ok(comparableRecords(out).some((r) => (r as { key: string }).key === inFlight), `${inFlight} stored`);
    assert.ok(others.some((w) => w.lines.includes(`rsbench worker: start ${inFlight}`)), `${inFlight} ran again on a live worker`);
    await stop(restarted);
  });

  test("a coordinator SIGKILLed and restarted resumes: jobs finished while it was down are stored", { timeout: 60_000 }, async () => {
    const { file, reference } = await prepare("queue-coordinator-kill");
    const out = join(root, "coordinator-kill");
    const first = coordinator(file, out);
    const w = worker("queue-coordinator-kill");
    await until("8 stored records", () => storedCount(out) >= 8);
    first.process.kill("SIGKILL");
    await first.exited;
    const atKill = storedCount(out);
    assert.ok(atKill < ITEMS, `killed after ${atKill} of ${ITEMS}`);
    // The worker keeps going: its records wait in Redis, none reaches the store without a coordinator.
    const client = await connectRedis(url);
    const runs = Object.values(await client.hgetall("rsbench:runs")).map((t) => JSON.parse(t) as { run: string; name: string });
    client.disconnect();
    const id = runs.find((r) => r.name === "queue-coordinator-kill")!.run;
    const queue = new Queue(`run-${id}`, { connection: connectionOptions(url), prefix: "rsbench" });
    try {
      const end = performance.now() + 20_000;
      while ((await queue.getJobCounts("completed")).completed < 3 && performance.now() < end) await new Promise((r) => setTimeout(r, 50));
      assert.ok((await queue.getJobCounts("completed")).completed >= 3, "jobs completed while the coordinator was down");
    } finally {
      await queue.close();
    }
    assert.equal(storedCount(out), atKill);
    const second = coordinator(file, out);
    const result = await second.exited;
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { executed: number; resumed: number };
    assert.equal(summary.resumed, atKill);
    assert.equal(summary.executed + summary.resumed, ITEMS);
    assert.deepEqual(comparableRecords(out), comparableRecords(reference));
    assertStoredOnce(out, ITEMS);
    await stop(w);
  });

  test("workers whose model file differs, or that lack the run's environment module, refuse its jobs; a matching worker then finishes the run", { timeout: 60_000 }, async () => {
    const { file, reference } = await prepare("queue-refusal");
    const bad = join(root, "other-linear.onnx");
    copyFileSync(MODEL, bad);
    appendFileSync(bad, Buffer.from([0]));
    const out = join(root, "refusal");
    const run = coordinator(file, out);
    const refusing = worker("queue-refusal", { [QUEUE_TEST_MODEL_VARIABLE]: bad });
    await until("the coordinator to report the refusal", () => run.lines.some((l) => l.includes("refused by rsbench worker")));
    const message = run.lines.find((l) => l.includes("refused by rsbench worker"))!;
    assert.match(message, /model linear \(.*other-linear\.onnx\): sha256 [0-9a-f]{12} \(\d+ bytes\) when the run started, now [0-9a-f]{12} \(\d+ bytes\)/);
    assert.ok(refusing.lines.some((l) => l.includes("refused by rsbench worker")), refusing.lines.join("\n"));
    // A worker not given the run's environment module refuses too: it never imports a module Redis names.
    spawnChild(["worker", "--queue", url, "--workers", "1", "--run", "queue-refusal", ...STALL]);
    await until("the coordinator to report the second refusal", () => run.lines.some((l) => l.includes("a worker imports no module a run names in Redis")));
    assert.equal(storedCount(out), 0);
    worker("queue-refusal");
    const result = await run.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(comparableRecords(out), comparableRecords(reference));
    assertStoredOnce(out, ITEMS);
  });

  test("a Redis emptied mid-run (restarted without persistence) is refilled by the coordinator, with the same records", { timeout: 60_000 }, async () => {
    const { file, reference } = await prepare("queue-flush");
    const out = join(root, "flush");
    const config = JSON.parse(readFileSync(file, "utf8"));
    worker("queue-flush");
    let flushed = false;
    const running = runExperiment(config, {
      out, environment: new URL(`file://${ENVIRONMENT}`).href,
      executor: (run) => QueueExecutor.open(run, { url, requeueInterval: 1, pollInterval: 50 }),
      onProgress: (p) => {
        if (p.done === 10 && !flushed) {
          flushed = true;
          void connectRedis(url).then(async (client) => { await client.flushdb(); client.disconnect(); });
        }
      },
    });
    const summary = await running;
    assert.equal(flushed, true);
    assert.equal(summary.executed, ITEMS);
    assert.deepEqual(comparableRecords(out), comparableRecords(reference));
    assertStoredOnce(out, ITEMS);
    // A complete run leaves nothing in Redis.
    const client = await connectRedis(url);
    try {
      assert.deepEqual(await client.keys("rsbench:*"), []);
    } finally {
      client.disconnect();
    }
  });

  test("a second coordinator of the same run writing another directory is refused while the first lives", { timeout: 60_000 }, async () => {
    const { file } = await prepare("queue-two-coordinators");
    const first = coordinator(file, join(root, "two-a"));
    const client = await connectRedis(url);
    try {
      const end = performance.now() + 30_000;
      while (!Object.values(await client.hgetall("rsbench:runs")).some((t) => t.includes('"name":"queue-two-coordinators"'))) {
        assert.ok(performance.now() < end, "the first coordinator registers its run");
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      client.disconnect();
    }
    const second = await runCli(["run", file, "--queue", url, "--out", join(root, "two-b"), "--environment", ENVIRONMENT, "--no-report"], { timeout: 60_000 });
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /is already coordinated on redis:\/\/.* by pid \d+ on host .*, writing .*two-a .*two coordinators would split its records/);
    await stop(first);
  });

  test("the coordinator says once when no worker serves its run, and not while one does", { timeout: 60_000 }, async () => {
    const config = tinyConfig({ name: "queue-no-worker" });
    const warnings: string[] = [];
    let started: Child | null = null;
    const onWarning = (m: string) => {
      warnings.push(m);
      started ??= worker("queue-no-worker");
    };
    let executor: QueueExecutor | null = null;
    let serving: Promise<number> | null = null;
    const summary = await runExperiment(config as never, {
      out: join(root, "no-worker"), environment: new URL(`file://${ENVIRONMENT}`).href, onWarning,
      executor: async (run) => (executor = await QueueExecutor.open(run, { url, noWorkerWarning: 0, pollInterval: 50, onWarning })),
      // Mid-run, the worker is seen connected (the count behind the warning).
      onProgress: (p) => { if (p.done === 20) serving ??= executor!.connectedWorkers(); },
    });
    assert.equal(summary.executed, ITEMS);
    assert.equal(await serving, 1);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /no worker is serving run queue-no-worker \(queue run-[0-9a-f]{16}\) on redis:\/\/.*: start one with `rsbench worker --queue redis:/);
  });

  test("a config with save: the points come back with the records, and the coordinator's adversarial/ is a local run's byte for byte", { timeout: 60_000 }, async () => {
    const config = tinyConfig({
      name: "queue-save", save: true, certification: null, figures: { include: [] },
      attacks: [{ name: "probe", budget: 40, verify: 60, verification: "sequential", harden: true, hardenCalls: 400 }],
    });
    const file = join(root, "queue-save.json");
    writeFileSync(file, JSON.stringify(config));
    const reference = join(root, "queue-save.reference");
    await runExperiment(config as never, { out: reference, workers: 1, environment: new URL(`file://${ENVIRONMENT}`).href });
    const expected = filesUnder(join(reference, "adversarial"));
    assert.ok(expected.length > 10 && expected.some((f) => f.endsWith(".hardened.npy")), expected.join(", "));
    const out = join(root, "save");
    const run = coordinator(file, out);
    const w = worker("queue-save");
    const result = await run.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(comparableRecords(out), comparableRecords(reference));
    assert.deepEqual(filesUnder(join(out, "adversarial")), expected);
    for (const f of expected) assert.deepEqual(readFileSync(join(out, "adversarial", f)), readFileSync(join(reference, "adversarial", f)), f);
    await stop(w);
  });

  test("isSavedPointPath accepts the runner's relative .npy paths only", () => {
    assert.ok(isSavedPointPath("rs-3%/n=10/pa=0.5/hsja-l2/7.hardened.npy"));
    assert.ok(isSavedPointPath("none/rays-linf/12.at1800.npy"));
    for (const bad of ["/etc/x.npy", "../x.npy", "a/../../x.npy", "a//x.npy", "a/./x.npy", "a\\x.npy", "a/x.json", "", "a/x.npy/"]) assert.equal(isSavedPointPath(bad), false, bad);
  });

  /*
   * A second signal used to call process.exit at once, terminating the worker threads inside
   * onnxruntime: "terminate called after throwing an instance of 'Napi::Error'", exit 134. The
   * shipped model with n = 1000 draws per call keeps the threads inside onnxruntime most of the time.
   */
  test("a worker's second SIGTERM stops the items in flight between two model calls: exit 143, no abort; they run again on another worker", { timeout: 240_000 }, async () => {
    const config = {
      name: "queue-second-signal", seed: 0,
      data: { dataset: "fashion-mnist", sample: 3, seed: 0 },
      accuracy: { dataset: "fashion-mnist", count: 20 },
      defenses: [{ name: "rs", model: "fashion-mnist-standard", sigma: 0.05, n: 1000, pa: 0.5 }],
      attacks: [{ name: "hsja", norm: "l2", budget: 60 }],
      batchSize: 1000,
    };
    const file = join(root, "second-signal.json");
    writeFileSync(file, JSON.stringify(config));
    const out = join(root, "second-signal");
    const run = spawnChild(["run", file, "--queue", url, "--out", out, "--no-report", "--json"]);
    const first = spawnChild(["worker", "--queue", url, "--workers", "2", "--run", "queue-second-signal", ...STALL]);
    let started = 0;
    first.onLine.push((line) => { if (/^rsbench worker: start attack\//.test(line)) started++; });
    await until("the worker to start 2 attack items", () => started >= 2, 60_000);
    first.process.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    first.process.kill("SIGTERM");
    const stopped = await first.exited;
    assert.doesNotMatch(stopped.stderr, /terminate called|Napi::Error/, "onnxruntime aborted the process");
    assert.equal(stopped.signal, null, `killed by ${stopped.signal}: ${stopped.stderr}`);
    assert.equal(stopped.code, 143, stopped.stderr);
    assert.match(stopped.stderr, /rsbench worker: SIGTERM: stopping the items in flight/);
    assert.ok(storedCount(out) < 4, "the items finished before the second signal: it proves nothing");
    // Neither completed nor failed: another worker runs them and the run completes.
    spawnChild(["worker", "--queue", url, "--workers", "2", "--run", "queue-second-signal", ...STALL]);
    const result = await run.exited;
    assert.equal(result.code, 0, result.stderr);
    assertStoredOnce(out, 4);
  });

  test("a worker refuses a run whose coordinator runs another rsbench version", { timeout: 60_000 }, async () => {
    const config = tinyConfig({ name: "queue-version" });
    const warnings: string[] = [];
    const client = await connectRedis(url);
    let tampered = "";
    const onWarning = (m: string) => {
      warnings.push(m);
      // Restored: a matching worker then serves the run.
      if (m.includes("refused by rsbench worker")) void client.hset("rsbench:runs", JSON.parse(tampered).run, tampered.replace('"rsbench":"0.0.0-other"', `"rsbench":"${version}"`)).then(() => worker("queue-version"));
    };
    const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
    try {
      const summary = await runExperiment(config as never, {
        out: join(root, "version"), environment: new URL(`file://${ENVIRONMENT}`).href,
        executor: async (run) => {
          const executor = await QueueExecutor.open(run, { url, pollInterval: 50, onWarning });
          // Play a coordinator of another version: the registered descriptor says so.
          tampered = JSON.stringify({ ...executor.descriptor, software: { ...executor.descriptor.software, rsbench: "0.0.0-other" } });
          await client.hset("rsbench:runs", executor.descriptor.run, tampered);
          worker("queue-version");
          return executor;
        },
      });
      assert.equal(summary.executed, ITEMS);
      assert.match(warnings[0], new RegExp(`the run's coordinator runs rsbench 0\\.0\\.0-other with onnxruntime \\S+, this worker rsbench ${version.replace(/\./g, "\\.")} with onnxruntime`));
    } finally {
      client.disconnect();
    }
  });
});
