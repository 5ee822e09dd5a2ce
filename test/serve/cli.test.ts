import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { resolveConfig } from "../../src/cli/commands/attack.js";
import { runCli } from "../cli/zooRun.js";
import { KEY_FILE, KEYS, readLog, serve } from "./fixture.js";

const MODEL = "fashion-mnist-randtrain-0.25";

const ATTACK = ["attack", "--data", "fashion-mnist", "--attack", "rays", "--count", "1", "--queries", "60", "--json"];

/** The JSON of an attack run without what depends on the server's port and the clock. */
function stable(stdout: string) {
  const { summary, images } = JSON.parse(stdout);
  return { summary: { ...summary, model: "", seconds: 0 }, images: images.map((r: any) => ({ ...r, seconds: 0, defense: { ...r.defense, model: "" } })) };
}

test("rsbench serve a smoothed shipped model, rsbench attack --target it from another process: same seed, same result; the log counts the queries", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rsbench-serve-cli-"));
  const keys = join(dir, "keys.txt");
  writeFileSync(keys, KEY_FILE);
  const env = { ...process.env, RSBENCH_KEY: KEYS.alice };
  const runs = [];
  for (const round of [1, 2]) {
    const log = join(dir, `audit-${round}.jsonl`);
    const server = await serve(["--model", MODEL, "--sigma", "0.25", "--n", "10", "--seed", "3", "--keys", keys, "--log", log]);
    let stopped = false;
    try {
      const run = await runCli([...ATTACK, "--target", server.url], { env, timeout: 60_000 });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`${server.url.replace(/[.]/g, "\\.")} answered \\d+ images in \\d+ requests \\(0 retries\\)`));
      runs.push(run);
      const { code, stderr } = await server.stop();
      stopped = true;
      assert.equal(code, 0, stderr);
      assert.match(stderr, /SIGTERM: finishing in-flight requests/);
      assert.match(stderr, /noise: --seed 3 \(reproducible\)/);
      const lines = readLog(log);
      const record = JSON.parse(run.stdout).images[0];
      assert.equal(record.defense.oracle, "label");
      // The attack's queries, the defense's label of the original, and the calls of the check of
      // eq. (4) and of the hardening (on by default against --target, outside the budget).
      assert.equal(record.verification.calls > 0 && record.hardened !== undefined, true);
      // The sequential test of the original (issue 25, before the attack) is in a remote record too.
      assert.ok(record.originalCheck.calls >= 1);
      const checks = record.verification.calls + (record.hardened?.calls ?? 0) + record.originalCheck.calls;
      assert.equal(lines.filter((l) => l.status === 200).reduce((a, l) => a + l.images, 0), record.queries + 1 + checks);
      assert.ok(lines.every((l) => l.key === "alice" && l.status === 200), "every request answered, under alice");
    } finally {
      if (!stopped) await server.stop();
    }
  }
  assert.deepEqual(stable(runs[0].stdout), stable(runs[1].stdout));
  const { summary } = JSON.parse(runs[0].stdout);
  assert.equal(summary.defense, "remote/pa=0.5/oracle=label");
  assert.equal(summary.oracle, "label");
});

/** A loopback port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("rsbench attack --target refuses the shortcut rule before any request, and says when nothing listens", async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const shortcut = await runCli([...ATTACK, "--target", url, "--oracle", "shortcut"]);
  assert.equal(shortcut.code, 2);
  assert.match(shortcut.stderr, /invalid --oracle shortcut with --target: the shortcut reads the n vote counts of g\(sigma, n\), and a label-only endpoint returns labels only; use --oracle label \(the default\) or repeat:K/);
  const refused = await runCli([...ATTACK, "--target", url]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`cannot reach ${url.replace(/[.]/g, "\\.")}/v1/info: connection refused \\(is \`rsbench serve\` running there\\?\\)`));
});

test("resolveConfig with --target: rule label by default, repeat:K allowed; --sigma, --model, --key alone are usage errors", () => {
  const flags = { target: "http://h:1", data: "fashion-mnist", attack: "rays", queries: "100", seed: "0" };
  const config = resolveConfig(flags);
  assert.deepEqual(config.defense, { id: "remote/pa=0.5/oracle=label", name: "remote", kind: "none", model: "http://h:1", sigma: null, drop: null, n: null, pa: 0.5, oracle: "label" });
  // The check of eq. (4) and hardening call the endpoint: on by default, as with --sigma.
  assert.deepEqual([config.attack.verify, config.attack.verification, config.attack.verifyAlpha, config.attack.harden], [100, "sequential", 0.05, true]);
  const checked = resolveConfig({ ...flags, verify: "40", verifyAlpha: "0.01", hardenAt: "50" }).attack;
  assert.deepEqual([checked.verify, checked.verifyAlpha, checked.hardenAt], [40, 0.01, [50]]);
  assert.equal(resolveConfig({ ...flags, harden: false }).attack.harden, undefined);
  assert.throws(() => resolveConfig({ ...flags, verify: "0", harden: true }), /invalid --harden: it confirms hardened points with the sequential test/);
  assert.equal(resolveConfig({ ...flags, oracle: "repeat:5", pa: "0.6", defense: "api" }).defense.id, "api/pa=0.6/oracle=repeat:5");
  assert.throws(() => resolveConfig({ ...flags, sigma: "0.25" }), /invalid --sigma: it sets a local g\(sigma, n\), but --target attacks the server's own defense/);
  assert.throws(() => resolveConfig({ ...flags, n: "10" }), /invalid --n: it sets a local g\(sigma, n\)/);
  assert.throws(() => resolveConfig({ ...flags, model: MODEL }), /invalid --model: --target attacks a remote endpoint; give one of --model and --target/);
  const { target: _t, ...local } = flags;
  assert.throws(() => resolveConfig(local), /expected --model \(a model to attack in-process\) or --target/);
  assert.throws(() => resolveConfig({ ...local, model: MODEL, key: "k" }), /invalid --key: it authenticates to --target, which is not given/);
});

test("rsbench serve --headers-timeout / --request-timeout: a stalled client gets 408 after them; bad values are usage errors", async () => {
  const server = await serve(["--model", "fashion-mnist-standard", "--headers-timeout", "0.5", "--request-timeout", "2"]);
  let stderr = "";
  try {
    const { hostname, port } = new URL(server.url);
    const started = performance.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write("POST /v1/classify HTTP/1.1\r\nHost: x\r\n"));
      let data = "";
      socket.on("data", (d) => { data += d; });
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
      socket.setTimeout(20_000, () => { socket.destroy(); reject(new Error(`no close; got ${data}`)); });
    });
    const seconds = (performance.now() - started) / 1000;
    assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(answer, /"request not received in time: expected its headers within 0\.5 s and the whole request within 2 s"\}$/);
    // Not node's 60 s default: the flags reach the server.
    assert.ok(seconds >= 0.45 && seconds < 5, `answered after ${seconds} s`);
  } finally {
    ({ stderr } = await server.stop());
  }
  assert.match(stderr, /timeouts: headers 0\.5 s, request 2 s/);
  const cases: [string[], RegExp][] = [
    [["--headers-timeout", "5", "--request-timeout", "2"], /invalid --headers-timeout: expected at most --request-timeout \(2 s\), got "5"/],
    [["--request-timeout", "0"], /invalid --request-timeout: expected a number > 0, got "0"/],
    [["--headers-timeout", "soon"], /invalid --headers-timeout: expected a number > 0, got "soon"/],
  ];
  for (const [flags, message] of cases) {
    const bad = await runCli(["serve", "--model", "fashion-mnist-standard", ...flags]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, message);
  }
});

test("rsbench serve refuses a bad keys file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rsbench-serve-keys-"));
  writeFileSync(join(dir, "keys.txt"), "alice:short\n");
  const bad = await runCli(["serve", "--model", MODEL, "--keys", join(dir, "keys.txt")]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /keys.txt line 1: the secret of key alice must be at least 16 printable characters/);
});

test("rsbench run with a defense given by a URL: records of the remote points, and the log counts every image the run asked", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rsbench-serve-run-"));
  const keys = join(dir, "keys.txt"), log = join(dir, "audit.jsonl"), config = join(dir, "remote.json");
  writeFileSync(keys, KEY_FILE);
  const server = await serve(["--model", MODEL, "--sigma", "0.25", "--n", "10", "--seed", "2", "--keys", keys, "--log", log]);
  let stopped = false;
  try {
    writeFileSync(config, JSON.stringify({
      name: "remote-tiny", seed: 1, data: { dataset: "fashion-mnist", count: 2 }, accuracy: { dataset: "fashion-mnist", count: 5 },
      defenses: [{ name: "api", target: server.url, oracle: ["label", "repeat:3"] }], attacks: [{ name: "rays", budget: 30, verify: 30, verification: "sequential", harden: true, hardenCalls: 200 }], figures: { include: [] },
    }));
    const run = await runCli(["run", config, "--out", join(dir, "run"), "--workers", "1"], { env: { ...process.env, RSBENCH_KEY: KEYS.bob }, timeout: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    const records = readFileSync(join(dir, "run", "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const attacks = records.filter((r) => r.kind === "attack");
    assert.deepEqual([...new Set(attacks.map((r) => r.defense.id))].sort(), ["api/pa=0.5/oracle=label", "api/pa=0.5/oracle=repeat:3"]);
    assert.ok(attacks.every((r) => r.defense.model === server.url && r.defense.sigma === null));
    const accuracy = records.find((r) => r.kind === "accuracy");
    assert.equal(accuracy.images, 5);
    const { code } = await server.stop();
    stopped = true;
    assert.equal(code, 0);
    const answered = readLog(log).filter((l) => l.status === 200).reduce((a, l) => a + l.images, 0);
    // The remote points are checked and hardened through the endpoint.
    const attacked = attacks.filter((r) => r.status === "attacked" && r.success);
    assert.ok(attacked.length >= 1 && attacked.every((r) => r.verification.calls >= 1 && r.hardened !== null), JSON.stringify(attacked.map((r) => [r.verification, r.hardened])));
    // Each attack record: its queries plus the defense's label of the original (also for a misclassified image, 0 queries),
    // plus the calls of its check and hardening.
    const checks = (r: any) => (r.verification?.calls ?? 0) + (r.hardened?.calls ?? 0) + (r.originalCheck?.calls ?? 0);
    assert.equal(answered, attacks.reduce((a, r) => a + r.queries + 1 + checks(r), 0) + accuracy.images);
  } finally {
    if (!stopped) await server.stop();
  }
});
