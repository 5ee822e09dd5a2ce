import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, statSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openFileAtomic, writeFileAtomic } from "../../src/io/atomic.js";
import { checkOutputPath, OutputPathError } from "../../src/io/outputPath.js";

let dir = "";
before(() => { dir = mkdtempSync(join(tmpdir(), "rsbench-io-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

test("checkOutputPath refuses inputs (also through a symbolic link), input folders, run files, /proc and /sys", () => {
  const model = join(dir, "m.onnx");
  writeFileSync(model, "model");
  const link = join(dir, "link.onnx");
  symlinkSync(model, link);
  const data = join(dir, "data");
  mkdirSync(join(data, "a"), { recursive: true });
  const inputs = [{ path: model, what: "the model" }, { path: data, what: "the dataset" }];
  assert.throws(() => checkOutputPath(link, { inputs }), (e: Error) => e instanceof OutputPathError && /invalid --out: ".*link\.onnx" is the model ".*m\.onnx", an input of this command/.test(e.message));
  assert.throws(() => checkOutputPath(join(data, "a", "x.csv"), { inputs, flag: "--export" }), /invalid --export: .* is inside the dataset/);
  assert.throws(() => checkOutputPath("/proc/self/x"), /is inside \/proc/);
  assert.throws(() => checkOutputPath("/sys"), /is inside \/sys/);
  assert.throws(() => checkOutputPath(dir), /is a folder: expected a file path/);
  assert.throws(() => checkOutputPath(join(dir, "missing", "x.csv")), /cannot be written: its folder .*missing does not exist \(create it first\)/);
  assert.throws(() => checkOutputPath(model, { kind: "directory" }), /is an existing file: expected a run directory/);
  const run = join(dir, "run");
  mkdirSync(run);
  writeFileSync(join(run, "config.json"), "{}");
  writeFileSync(join(run, "results.jsonl"), "");
  for (const f of ["config.json", "run.json", "results.jsonl", "run.lock"]) assert.throws(() => checkOutputPath(join(run, f)), /of the run directory .*refusing to overwrite a run's own files/, f);
  // Allowed: a new file next to the inputs, a new run directory, a file named results.jsonl outside a run directory.
  checkOutputPath(join(dir, "out.csv"), { inputs });
  checkOutputPath(join(dir, "new-run"), { kind: "directory", inputs });
  checkOutputPath(join(dir, "results.jsonl"), { inputs });
  checkOutputPath("/dev/null");
});

test("openFileAtomic: the target changes only on commit; abort removes the temporary file, abandon keeps it", () => {
  const target = join(dir, "rows.tsv");
  writeFileSync(target, "old\n");
  const file = openFileAtomic(target);
  file.write("a\n");
  file.write(Buffer.from("b\n"));
  assert.equal(readFileSync(target, "utf8"), "old\n", "unchanged while writing");
  assert.equal(readFileSync(file.temporary, "utf8"), "a\nb\n", "rows reach the temporary file as written");
  file.commit();
  assert.equal(readFileSync(target, "utf8"), "a\nb\n");
  assert.equal(existsSync(file.temporary), false);

  const aborted = openFileAtomic(target);
  aborted.write("x\n");
  aborted.abort();
  assert.equal(readFileSync(target, "utf8"), "a\nb\n");
  assert.equal(existsSync(aborted.temporary), false);

  const abandoned = openFileAtomic(target);
  abandoned.write("partial\n");
  abandoned.abandon();
  assert.equal(readFileSync(target, "utf8"), "a\nb\n");
  assert.equal(readFileSync(abandoned.temporary, "utf8"), "partial\n");
  rmSync(abandoned.temporary);

  // A device is written directly (a rename would replace it). Through a link in the test folder,
  // so that a regression replaces the link, never /dev/null itself.
  const device = join(dir, "device");
  symlinkSync("/dev/null", device);
  writeFileAtomic(device, "nothing");
  assert.ok(lstatSync(device).isSymbolicLink(), "the link still points to the device");
  assert.ok(statSync(device).isCharacterDevice());
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
});
