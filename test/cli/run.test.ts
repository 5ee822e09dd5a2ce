import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { assertStoredOnce } from "../experiments/compare.js";
import { tinyConfig } from "../experiments/tinyConfig.js";
import { rsbench, runCli } from "./zooRun.js";

const ENVIRONMENT = fileURLToPath(new URL("../experiments/fixtureEnvironment.ts", import.meta.url));

let dir = "";
before(() => { dir = mkdtempSync(join(tmpdir(), "rsbench-cli-run-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

test("rsbench run --json runs the experiment and prints one JSON object; a second run resumes and executes nothing", async () => {
  const config = join(dir, "tiny.json");
  writeFileSync(config, JSON.stringify(tinyConfig()));
  const out = join(dir, "run");
  const first = await rsbench("run", config, "--environment", ENVIRONMENT, "--out", out, "--workers", "2", "--no-report", "--json");
  assert.equal(first.code, 0, first.stderr);
  const result = JSON.parse(first.stdout) as { dir: string; executed: number; resumed: number; report: null; manifest: { items: number; complete: boolean; workers: number }; headline: { points: { defense: { id: string }; attack: string; accuracy: number }[] } };
  assert.equal(result.executed, 39);
  assert.equal(result.manifest.complete, true);
  assert.equal(result.manifest.workers, 2);
  assert.equal(result.report, null);
  // Progress off a terminal: a line at the start and one at the end, on stderr only.
  assert.match(first.stderr, /^run tiny: 0\/39 items started/m);
  assert.match(first.stderr, /^run tiny: 39\/39 items done in \d+ s \| [0-9.]+ (items\/s|s\/item)$/m);
  assert.deepEqual(result.headline.points.map((p) => p.defense.id), ["none", "rs-drop/n=5/pa=0.5", "rs-drop/n=5/pa=0.8", "rs-drop/n=10/pa=0.5", "rs-drop/n=10/pa=0.8", "rs-0.3/n=5/pa=0.5"]);
  assert.equal(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).name, "tiny");
  const again = await rsbench("run", config, "--environment", ENVIRONMENT, "--out", out);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^Run tiny: 39\/39 items \(0 run now, 39 from earlier sessions\)/);
  assertStoredOnce(out, 39);
  assert.match(again.stdout, new RegExp(`Report: ${join(out, "report.html").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  assert.match(readFileSync(join(out, "report.html"), "utf8"), /<html/);
  assert.match(again.stdout, /defense +attack +accuracy +accuracy at Pa +attacked +success +shortcut mean L2 +shortcut median L2 +verified +verified mean L2 +hardened +hardened mean L2/);
});

test("rsbench run refuses a bad config naming the field, and a changed config for an existing run", async () => {
  const bad = join(dir, "bad.json");
  const config = tinyConfig();
  (config.defenses as Record<string, unknown>[])[2].n = 0;
  writeFileSync(bad, JSON.stringify(config));
  const refused = await rsbench("run", bad, "--environment", ENVIRONMENT, "--out", join(dir, "bad"));
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /invalid .*bad\.json:\n  defenses\[2\]\.n: expected an integer >= 1, got 0/);
  const notJson = join(dir, "broken.json");
  writeFileSync(notJson, "{ name: ");
  const broken = await rsbench("run", notJson, "--environment", ENVIRONMENT);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /broken\.json:\n  not valid JSON/);
  const small = join(dir, "small.json");
  writeFileSync(small, JSON.stringify(tinyConfig({ defenses: [{ name: "none", model: "linear" }], certification: null, figures: { include: [] } })));
  assert.equal((await rsbench("run", small, "--environment", ENVIRONMENT, "--out", join(dir, "small"), "--no-report")).code, 0);
  writeFileSync(small, JSON.stringify(tinyConfig({ seed: 99, defenses: [{ name: "none", model: "linear" }], certification: null, figures: { include: [] } })));
  const changed = await rsbench("run", small, "--environment", ENVIRONMENT, "--out", join(dir, "small"), "--no-report");
  assert.equal(changed.code, 1);
  assert.match(changed.stderr, /holds a different experiment .*differing fields: seed/);
  const workers = await rsbench("run", small, "--workers", "0");
  assert.equal(workers.code, 2);
  assert.match(workers.stderr, /invalid --workers: expected an integer in \[1, \d+\], got "0"/);
});

test("rsbench run off a terminal: a progress line with the rate and the ETA every RSBENCH_PROGRESS_INTERVAL seconds; --quiet: none", async () => {
  const small = join(dir, "progress.json");
  writeFileSync(small, JSON.stringify(tinyConfig({ defenses: [{ name: "none", model: "linear" }], certification: null, figures: { include: [] } })));
  const env = { ...process.env, RSBENCH_PROGRESS_INTERVAL: "0.000001" };
  const run = await runCli(["run", small, "--environment", ENVIRONMENT, "--out", join(dir, "progress"), "--no-report", "--workers", "1"], { env });
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stderr.split("\n").filter((l) => /^run tiny: \d+\/\d+ items \| .* \| elapsed \d+ s \| ETA \d+ s$/.test(l));
  assert.ok(lines.length >= 3, run.stderr);
  const quiet = await runCli(["run", small, "--environment", ENVIRONMENT, "--out", join(dir, "progress-quiet"), "--no-report", "--workers", "1", "--quiet"], { env });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, "");
});

test("rsbench run off a terminal: inside an attacked image the line counts the oracle's queries of its budget; --quiet: none", async () => {
  const slow = join(dir, "within.json");
  // 10 ms per query, 40 queries: each attacked image is in flight for about 400 ms.
  writeFileSync(slow, JSON.stringify(tinyConfig({ defenses: [{ name: "none", model: "linear" }], attacks: [{ name: "probe", budget: 40, options: { delayMs: 10 } }], certification: null, figures: { include: [] } })));
  const env = { ...process.env, RSBENCH_PROGRESS_INTERVAL: "0.000001" };
  for (const workers of ["1", "2"]) {
    const args = ["run", slow, "--environment", ENVIRONMENT, "--no-report", "--workers", workers];
    const run = await runCli([...args, "--out", join(dir, `within-${workers}`)], { env });
    assert.equal(run.code, 0, run.stderr);
    const inside = run.stderr.split("\n").filter((l) => /^run tiny: item \d+\/\d+: \d+\/40 queries( \| [0-9.]+ (queries\/s|s\/query))? \| ETA /.test(l));
    assert.ok(inside.length >= 2, run.stderr);
    assert.match(run.stderr, /^run tiny: \d+\/\d+ items done in /m);
    const quiet = await runCli([...args, "--out", join(dir, `within-quiet-${workers}`), "--quiet"], { env });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, "");
  }
});
