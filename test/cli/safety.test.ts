/**
 * Data safety through the CLI (issue 11): outputs never replace inputs or a run's own files,
 * run names stay one path segment, folder labels are said out loud and can be mapped, the export
 * holds every record field, the status counts only valid records, and no input gives a stack trace.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, linkSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { CSV_COLUMNS } from "../../src/experiments/store/export.js";
import type { AttackRecord, ResultRecord } from "../../src/experiments/store/records.js";
import { runDirectoryFor } from "../../src/experiments/store/runDirectory.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "../experiments/tinyConfig.js";
import { copyModel, makeFolder } from "../experiments/folderFixture.js";
import { runCli } from "./zooRun.js";

const rsbench = (args: string[], options: { cwd?: string; timeout?: number } = {}) => runCli(args, options);

const BIN = fileURLToPath(new URL("../../bin/rsbench.js", import.meta.url));
const ENVIRONMENT = fileURLToPath(FIXTURE_ENVIRONMENT);

const NO_STACK = /^\s+at /m;

let dir = "";
let run = "";
let model = "";
let folder = "";
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "rsbench-safety-"));
  run = join(dir, "run");
  // verify: 5 so that attack records carry a verification; every 7th label is flipped, so some images are misclassified.
  await runExperiment(tinyConfig({ attacks: [{ name: "probe", budget: 40, verify: 5 }] }) as never, { out: run, workers: 1, environment: FIXTURE_ENVIRONMENT });
  model = copyModel(join(dir, "model.onnx"));
  folder = await makeFolder(join(dir, "images"), ["0-neg", "1-pos"], 3);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("results --out refuses the run's own store, config and manifest, and /proc and /sys; the store stays intact", async () => {
  const store = readFileSync(join(run, "results.jsonl"));
  for (const file of ["results.jsonl", "config.json", "run.json"]) {
    const r = await rsbench(["results", run, "--csv", "--out", join(run, file)]);
    assert.equal(r.code, 2, file);
    assert.match(r.stderr, new RegExp(`invalid --out: ".*${file.replace(".", "\\.")}" is the ${file.replace(".", "\\.")} of the run directory .*: refusing to overwrite a run's own files`));
    assert.doesNotMatch(r.stderr, NO_STACK);
  }
  assert.deepEqual(readFileSync(join(run, "results.jsonl")), store);
  const proc = await rsbench(["results", run, "--json", "--out", "/proc/x"]);
  assert.equal(proc.code, 2);
  assert.match(proc.stderr, /invalid --out: "\/proc\/x" is inside \/proc, a system pseudo-filesystem/);
  const sys = await rsbench(["results", run, "--json", "--out", "/sys/kernel/x"]);
  assert.match(sys.stderr, /is inside \/sys/);
  // An export next to the store is fine, written whole (no temporary file left behind).
  const ok = await rsbench(["results", run, "--csv", "--out", join(run, "export.csv")]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(readdirSync(run).filter((f) => f.includes(".tmp-")), []);
});

test("attack and certify --out refuse the model file (also through a hard link) and paths inside the dataset folder", async () => {
  const bytes = readFileSync(model);
  const attack = await rsbench(["attack", "--model", model, "--data", folder, "--attack", "rays", "--queries", "10", "--out", model]);
  assert.equal(attack.code, 2);
  assert.match(attack.stderr, /invalid --out: ".*model\.onnx" is the model ".*model\.onnx", an input of this command: refusing to overwrite it/);
  const link = join(dir, "model-link.onnx");
  linkSync(model, link);
  const linked = await rsbench(["certify", "--model", model, "--data", folder, "--sigma", "0.25", "--n", "10", "--out", link]);
  assert.equal(linked.code, 2);
  assert.match(linked.stderr, /is the model .*an input of this command/);
  const inside = await rsbench(["certify", "--model", model, "--data", folder, "--sigma", "0.25", "--n", "10", "--out", join(folder, "1-pos", "rows.tsv")]);
  assert.equal(inside.code, 2);
  assert.match(inside.stderr, /invalid --out: ".*rows\.tsv" is inside the dataset ".*images": an output there would change an input/);
  assert.deepEqual(readFileSync(model), bytes, "the model is untouched");
  assert.equal(existsSync(join(folder, "1-pos", "rows.tsv")), false);
  // A good --out: the rows arrive in FILE when the command ends, with no temporary file left.
  const rows = join(dir, "rows.tsv");
  const good = await rsbench(["certify", "--model", model, "--data", folder, "--sigma", "0.25", "--n0", "10", "--n", "20", "--out", rows]);
  assert.equal(good.code, 0, good.stderr);
  assert.equal(readFileSync(rows, "utf8").trimEnd().split("\n").length, 1 + 6);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
  // A device is written directly (a rename over /dev/null would replace the device).
  const devnull = await rsbench(["certify", "--model", model, "--data", folder, "--sigma", "0.25", "--n0", "10", "--n", "20", "--out", "/dev/null"]);
  assert.equal(devnull.code, 0, devnull.stderr);
});

test("serve --log and attack --save go through the output check: never the model, the key file or a run's files (issue 26)", async () => {
  const bytes = readFileSync(model);
  const overModel = await rsbench(["serve", "--model", model, "--port", "0", "--log", model], { timeout: 20_000 });
  assert.equal(overModel.code, 2, overModel.stderr);
  assert.match(overModel.stderr, /invalid --log: ".*model\.onnx" is the model ".*model\.onnx", an input of this command: refusing to overwrite it/);
  assert.deepEqual(readFileSync(model), bytes, "the model is untouched");
  const keys = join(dir, "keys.txt");
  writeFileSync(keys, "alice:0123456789abcdef0123\n");
  const overKeys = await rsbench(["serve", "--model", model, "--port", "0", "--keys", keys, "--log", keys], { timeout: 20_000 });
  assert.equal(overKeys.code, 2, overKeys.stderr);
  assert.match(overKeys.stderr, /invalid --log: ".*keys\.txt" is the key file ".*keys\.txt", an input of this command/);
  assert.equal(readFileSync(keys, "utf8"), "alice:0123456789abcdef0123\n");
  const overStore = await rsbench(["serve", "--model", model, "--port", "0", "--log", join(run, "results.jsonl")], { timeout: 20_000 });
  assert.equal(overStore.code, 2, overStore.stderr);
  assert.match(overStore.stderr, /invalid --log: .*is the results\.jsonl of the run directory/);
  const save = await rsbench(["attack", "--model", model, "--data", folder, "--attack", "rays", "--queries", "10", "--save", keys]);
  assert.equal(save.code, 2, save.stderr);
  assert.match(save.stderr, /invalid --save: ".*keys\.txt" is an existing file: expected a run directory/);
});

test("run --out refuses its config file and /proc at once (no hang), and a name of '..' never escapes runs/", async () => {
  const config = join(dir, "tiny.json");
  writeFileSync(config, JSON.stringify(tinyConfig({ defenses: [{ name: "none", model: "linear" }], certification: null, figures: { include: [] } })));
  const self = await rsbench(["run", config, "--environment", ENVIRONMENT, "--out", config]);
  assert.equal(self.code, 2);
  assert.match(self.stderr, /invalid --out: ".*tiny\.json" is an existing file: expected a run directory/);
  const proc = await rsbench(["run", config, "--environment", ENVIRONMENT, "--out", "/proc/x"], { timeout: 60_000 });
  assert.equal(proc.code, 2);
  assert.match(proc.stderr, /invalid --out: "\/proc\/x" is inside \/proc/);
  const cwd = join(dir, "cwd");
  mkdirSync(cwd);
  for (const name of ["..", "."]) {
    writeFileSync(join(cwd, "dots.json"), JSON.stringify(tinyConfig({ name, defenses: [{ name: "none", model: "linear" }], certification: null, figures: { include: [] } })));
    const dots = await rsbench(["run", "dots.json", "--environment", ENVIRONMENT, "--no-report"], { cwd });
    assert.equal(dots.code, 2, name);
    assert.match(dots.stderr, new RegExp(`name: expected a name of letters, digits and \\. _ % \\+ - other than "\\." and "\\.\\.", got "${name.replace(/\./g, "\\.")}"`));
  }
  assert.deepEqual(readdirSync(cwd), ["dots.json"], "nothing written next to the config");
  assert.deepEqual(readdirSync(dir).filter((f) => ["config.json", "run.json", "results.jsonl"].includes(f)), []);
  assert.throws(() => runDirectoryFor("runs", ".."), /invalid run name "\.\.": expected one path segment/);
  assert.throws(() => runDirectoryFor("runs", "a/b"), /invalid run name "a\/b"/);
  assert.equal(runDirectoryFor("runs", "paper-fashion-mnist"), join("runs", "paper-fashion-mnist"));
});

test("a folder with only some of the model's classes: the folder -> label mapping is printed, and --class-map gives the right labels", async () => {
  const partial = await makeFolder(join(dir, "partial"), ["1-pos"], 4);
  const sorted = await rsbench(["evaluate", "--model", model, "--data", partial, "--json"]);
  assert.equal(sorted.code, 0, sorted.stderr);
  assert.match(sorted.stderr, /rsbench: warning: dataset folder .*partial has 1 class folder\(s\) but the model has 2 classes; labels are the sorted positions of its folders: 1-pos -> 0\. .*--class-map FILE/);
  assert.equal(JSON.parse(sorted.stdout).clean.accuracy, 0, "label 0 for images of class 1: every one wrong");
  const map = join(dir, "classes.json");
  writeFileSync(map, JSON.stringify({ "0-neg": 0, "1-pos": 1 }));
  const mapped = await rsbench(["evaluate", "--model", model, "--data", partial, "--class-map", map, "--json"]);
  assert.equal(mapped.code, 0, mapped.stderr);
  assert.equal(mapped.stderr, "", "no warning with an explicit map");
  assert.equal(JSON.parse(mapped.stdout).clean.accuracy, 1);
  // rsbench attack takes the same map: without it every image is "misclassified" (label 0), with it attacked as class 1.
  const attackArgs = ["attack", "--model", model, "--data", partial, "--attack", "rays", "--queries", "20", "--count", "2", "--json"];
  const unmapped = await rsbench(attackArgs);
  assert.equal(unmapped.code, 0, unmapped.stderr);
  assert.match(unmapped.stderr, /rsbench: warning: dataset folder .*partial has 1 class folder/);
  assert.equal(JSON.parse(unmapped.stdout).images.length, 0, "no image is correctly classified under the sorted labels");
  const attacked = await rsbench([...attackArgs, "--class-map", map]);
  assert.equal(attacked.code, 0, attacked.stderr);
  assert.deepEqual(JSON.parse(attacked.stdout).images.map((r: { label: number }) => r.label), [1, 1]);
  // A map that misses a folder, and one that is not JSON, are refused naming the file.
  writeFileSync(map, JSON.stringify({ "0-neg": 0 }));
  const missing = await rsbench(["evaluate", "--model", model, "--data", partial, "--class-map", map]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /class map of dataset folder .*partial.*: expected a label for every subfolder, got none for "1-pos"/);
  writeFileSync(map, "{ nope");
  const broken = await rsbench(["evaluate", "--model", model, "--data", partial, "--class-map", map]);
  assert.match(broken.stderr, /class map .*classes\.json: not valid JSON .*expected a JSON object \{"folder name": label, \.\.\.\}/);
  // The same map in a run config: the records carry the model's labels.
  const warnings: string[] = [];
  const out = join(dir, "run-mapped");
  const config = {
    name: "mapped", data: { dataset: partial, count: 2, classMap: { "1-pos": 1 } }, accuracy: { dataset: partial, classMap: { "1-pos": 1 } },
    defenses: [{ name: "none", model }], attacks: [{ name: "rays", budget: 10 }], certification: null, figures: { include: [] },
  };
  const summary = await runExperiment(config as never, { out, workers: 1, onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 0, warnings.join("\n"));
  const records = readFileSync(join(out, "results.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as ResultRecord);
  assert.deepEqual(records.filter((r): r is AttackRecord => r.kind === "attack").map((r) => r.label), [1, 1]);
  assert.equal(summary.manifest.complete, true);
  // Without the map the runner says which label each folder gets.
  await runExperiment({ ...config, data: { dataset: partial, count: 2 }, accuracy: { dataset: partial } } as never, { out: join(dir, "run-sorted"), workers: 1, onWarning: (m) => warnings.push(m) });
  assert.match(warnings.join("\n"), /dataset folder .*partial has class folders not named by their label; labels are the sorted positions of its folders: 1-pos -> 0/);
});

test("results --json holds every field of every record (rebuilt exactly); --csv has every scalar, prediction included", async () => {
  const stored = readFileSync(join(run, "results.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const r = await rsbench(["results", run, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, Record<string, unknown>[]> & { status: { valid: number; items: number; complete: boolean } };
  assert.deepEqual([out.status.valid, out.status.items, out.status.complete], [39, 39, true]);
  const rows = new Map<string, Record<string, unknown>>();
  for (const table of ["attacks", "certifications", "accuracy", "calibrations", "figures"]) for (const row of out[table]) rows.set(row.key as string, row);
  assert.equal(rows.size, stored.length, "one row per record");
  // The record, rebuilt from its row with the export's documented renames.
  const rebuild = (row: Record<string, unknown>): Record<string, unknown> => {
    const { record: kind, ...rest } = row;
    switch (kind) {
      case "attack": {
        const { defense, defenseName, defenseKind, model: m, sigma, drop, n, pa, oracle, l2At500, l2At1000, l2AtBudget, linfAt500, linfAt1000, linfAtBudget, ...own } = rest;
        void l2At500; void l2At1000; void l2AtBudget; void linfAt500; void linfAt1000; void linfAtBudget; // derived from the trace
        return { kind, ...own, defense: { id: defense, name: defenseName, kind: defenseKind, model: m, sigma, drop, n, pa, ...(oracle === undefined ? {} : { oracle }) } };
      }
      case "certification": {
        const { status, prediction, radius, pABar, certifyN0, certifyN, certifyAlpha, ...own } = rest;
        const outcome = status === "certified" ? { status, prediction, radius, pABar } : { status, pABar };
        return { kind, ...own, n0: certifyN0, n: certifyN, alpha: certifyAlpha, outcome };
      }
      case "accuracy": {
        const { correctImages, ...own } = rest;
        return { kind, ...own, correct: correctImages };
      }
      default: return { kind, ...rest };
    }
  };
  const sortKeys = (v: unknown): unknown => Array.isArray(v) ? v.map(sortKeys) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) : v;
  for (const record of stored) assert.deepEqual(sortKeys(rebuild(rows.get(record.key as string)!)), sortKeys(record), record.key as string);
  const attacks = stored.filter((s) => s.kind === "attack") as unknown as AttackRecord[];
  assert.ok(attacks.some((a) => a.verification !== null), "the fixture run has verified attacks");
  assert.ok(attacks.some((a) => a.status === "misclassified"), "and misclassified images");

  const csv = await rsbench(["results", run, "--csv"]);
  const lines = csv.stdout.trimEnd().split("\n");
  assert.deepEqual(lines[0].split(","), [...CSV_COLUMNS]);
  for (const c of ["verification.repeats", "verification.rate", "verification.verified", "start", "stopReason", "anomalies", "prediction", "iterations", "key", "seed", "drop"]) assert.ok(CSV_COLUMNS.includes(c), c);
  const column = (name: string) => CSV_COLUMNS.indexOf(name);
  const cells = (line: string) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, "").replace(/^"(.*)"$/, "$1").replace(/""/g, '"'));
  for (const line of lines.slice(1).filter((l) => l.startsWith("attack,"))) {
    const c = cells(line);
    const record = attacks.find((a) => a.key === c[column("key")])!;
    assert.equal(c[column("prediction")], String(record.prediction), `prediction of ${record.key} (${record.status})`);
    assert.equal(c[column("stopReason")], record.stopReason);
    assert.deepEqual(JSON.parse(c[column("anomalies")]), record.anomalies);
    assert.equal(c[column("start")], record.start === null ? "" : String(record.start));
    assert.equal(c[column("verification.rate")], record.verification === null ? "" : String(record.verification.rate));
    assert.equal(c[column("verification.verified")], record.verification === null ? "" : String((record.verification as { verified: boolean }).verified));
  }
});

/** A copy of the fixture run directory, changed by `change`, then `rsbench results` on it. */
async function resultsAfter(name: string, change: (store: string) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  const copy = join(dir, name);
  mkdirSync(copy);
  for (const f of ["config.json", "run.json", "results.jsonl"]) writeFileSync(join(copy, f), readFileSync(join(run, f)));
  change(join(copy, "results.jsonl"));
  return rsbench(["results", copy]);
}

test("results counts only valid records of the config's own keys and reports torn, foreign, duplicate and lost lines", async () => {
  const intact = await rsbench(["results", run]);
  assert.match(intact.stdout, /^Run tiny: 39\/39 items \(complete\), \d+s wall time over 1 session\(s\)\.\n\n/);
  const lines = () => readFileSync(join(run, "results.jsonl"), "utf8").trimEnd().split("\n");

  const torn = await resultsAfter("torn", (p) => { const l = lines(); l[5] = l[5].slice(0, 30); writeFileSync(p, l.join("\n") + "\n"); });
  assert.equal(torn.code, 0, torn.stderr);
  assert.match(torn.stdout, /^Run tiny: 38\/39 items \(incomplete\)/);
  assert.match(torn.stdout, /Warning: .*results\.jsonl: 1 torn or corrupt line\(s\) skipped \(line 6; expected one JSON record with a "key" per line\)/);

  const tornLast = await resultsAfter("torn-last", (p) => { const l = lines(); writeFileSync(p, l.slice(0, -1).join("\n") + "\n" + l[l.length - 1].slice(0, 25)); });
  assert.match(tornLast.stdout, /^Run tiny: 38\/39 items \(incomplete\)/);

  const foreign = await resultsAfter("foreign", (p) => writeFileSync(p, readFileSync(p, "utf8") + JSON.stringify({ kind: "accuracy", key: "accuracy/other", seed: 11, seconds: 0, defense: "other", model: "linear", sigma: null, n: null, images: 1, correct: 1, accuracy: 1 }) + "\n"));
  assert.match(foreign.stdout, /^Run tiny: 39\/39 items \(complete\)/, "a foreign record does not make it 40/39");
  assert.match(foreign.stdout, /1 foreign record\(s\) not counted: their keys are not items of this run's config \("accuracy\/other"\)/);

  const keyless = await resultsAfter("keyless", (p) => writeFileSync(p, readFileSync(p, "utf8") + '{"kind":"attack"}\n[1,2]\n'));
  assert.equal(keyless.code, 0, keyless.stderr);
  assert.match(keyless.stdout, /2 torn or corrupt line\(s\) skipped \(line 40, 41;/);

  const duplicate = await resultsAfter("duplicate", (p) => writeFileSync(p, readFileSync(p, "utf8") + lines()[0] + "\n"));
  assert.match(duplicate.stdout, /^Run tiny: 39\/39 items \(complete\)/);
  assert.match(duplicate.stdout, /1 duplicate line\(s\) ignored \(line 40; the first record of each key is used\)/);

  const emptied = await resultsAfter("emptied", (p) => writeFileSync(p, ""));
  assert.match(emptied.stdout, /^Run tiny: 0\/39 items \(incomplete\)/);
  assert.match(emptied.stdout, /holds 0 record\(s\) of this run but run\.json recorded 39 done: 39 record\(s\) were lost/);
  // A resume of the emptied store says so before computing the records again.
  const warnings: string[] = [];
  const again = await runExperiment(tinyConfig({ attacks: [{ name: "probe", budget: 40, verify: 5 }] }) as never, { out: join(dir, "emptied"), workers: 1, environment: FIXTURE_ENVIRONMENT, onWarning: (m) => warnings.push(m) });
  assert.equal(again.executed, 39);
  assert.match(warnings.join("\n"), /holds 0 record\(s\) of this run, but run\.json recorded 39 done .*39 record\(s\) were lost \(the store was emptied, truncated or replaced\) and are computed again now/);
});

test("malformed files of a run directory are named; a corrupt image is named; no stack traces", async () => {
  const bad = join(dir, "bad-run");
  mkdirSync(bad);
  for (const f of ["config.json", "run.json", "results.jsonl"]) writeFileSync(join(bad, f), readFileSync(join(run, f)));
  writeFileSync(join(bad, "run.json"), "{ torn");
  const manifest = await rsbench(["results", bad]);
  assert.notEqual(manifest.code, 0);
  assert.match(manifest.stderr, /bad-run\/run\.json: the run manifest is not valid JSON/);
  assert.doesNotMatch(manifest.stderr, NO_STACK);
  writeFileSync(join(bad, "config.json"), "[");
  const config = await rsbench(["results", bad]);
  assert.match(config.stderr, /bad-run\/config\.json: the run's config is not valid JSON/);
  const images = await makeFolder(join(dir, "corrupt"), ["0-neg", "1-pos"], 2);
  writeFileSync(join(images, "1-pos", "img1.png"), Buffer.from("\x89PNG\r\n\x1a\nnot really"));
  const corrupt = await rsbench(["evaluate", "--model", model, "--data", images]);
  assert.equal(corrupt.code, 2);
  assert.match(corrupt.stderr, /image .*corrupt\/1-pos\/img1\.png: cannot be decoded \(.*\); expected a PNG or JPEG file/);
  assert.doesNotMatch(corrupt.stderr, NO_STACK);
  const cfg = join(dir, "huge.json");
  writeFileSync(cfg, JSON.stringify(tinyConfig()).replace('"budget":40', '"budget":1e400'));
  const huge = await rsbench(["run", cfg, "--environment", ENVIRONMENT, "--out", join(dir, "huge")]);
  assert.equal(huge.code, 2);
  assert.match(huge.stderr, /attacks\[0\]\.budget: expected an integer >= 1, got Infinity \(a number beyond the range of a double\)/);
  const n = await rsbench(["predict", "--model", model, "--data", images, "--sigma", "0.25", "--n", "1e12"]);
  assert.equal(n.code, 2);
  assert.match(n.stderr, /invalid --n: expected at most 10000000 .*got "1e12"/);
  const sigma = await rsbench(["certify", "--model", model, "--data", images, "--sigma", "1e308"]);
  assert.match(sigma.stderr, /invalid --sigma: expected at most 100 .*got "1e308"/);
});

test("rsbench models --json > /dev/full fails in one line, without a stack trace", async () => {
  const full = openSync("/dev/full", "w");
  try {
    const child = spawn(process.execPath, [BIN, "models", "--json"], { stdio: ["ignore", full, "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => { stderr += d; });
    const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? -1)));
    assert.equal(code, 1);
    assert.equal(stderr, "rsbench: error: cannot write the output to standard output (ENOSPC: no space left on device)\n");
  } finally {
    closeSync(full);
  }
});
