/**
 * A folder dataset's records name the image's file (issue 26, item 13): a record's `image` is the
 * index in the folder's listing (class folders sorted, then files sorted within a class), and
 * `file` says which file that is, relative to the folder. Built-in datasets get no such field.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadData, withFile } from "../../src/data/index.js";
import { exportRecords, toCsv } from "../../src/experiments/store/export.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { readRecords } from "../../src/experiments/store/store.js";
import { copyModel, makeFolder } from "./folderFixture.js";

let root = "";
before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-files-")); });
after(() => rmSync(root, { recursive: true, force: true }));

// The listing of makeFolder(["1-pos", "0-neg"], 3): "0-neg" sorts first, then its files by name.
const LISTING = ["0-neg/img0.png", "0-neg/img1.png", "0-neg/img2.png", "1-pos/img0.png", "1-pos/img1.png", "1-pos/img2.png"];

test("loadData: a folder's images carry their files in listing order, built-in datasets none", async () => {
  const folder = await makeFolder(join(root, "listing"), ["1-pos", "0-neg"], 3);
  const all = await loadData(folder);
  assert.deepEqual(all.files, LISTING);
  const sampled = await loadData(folder, { selection: { sample: 3, seed: 2 } });
  assert.deepEqual(sampled.files, Array.from(sampled.indices, (i) => LISTING[i]));
  const record = { kind: "x", image: 4, label: 1 };
  assert.equal(withFile(record, undefined), record, "no file: the same object, serialised the same");
  assert.equal(JSON.stringify(withFile(record, "1-pos/img1.png")), '{"kind":"x","image":4,"file":"1-pos/img1.png","label":1}');
});

test("rsbench run on a folder: attack and certification records, and the CSV rows, name each image's file", async () => {
  const folder = await makeFolder(join(root, "images"), ["0-neg", "1-pos"], 3);
  const model = copyModel(join(root, "model.onnx"));
  const out = join(root, "run");
  const config = {
    name: "files", seed: 1,
    data: { dataset: folder, count: 3, offset: 2 },
    accuracy: { dataset: folder, count: 6 },
    defenses: [{ name: "none", model }, { name: "rs", model, sigma: 0.05, n: 4 }],
    attacks: [{ name: "rays", budget: 20 }],
    certification: { n0: 10, n: 50, alpha: 0.01 },
    figures: { include: [] }, batchSize: 50,
  };
  const result = await runExperiment(config as never, { out, workers: 1 });
  assert.equal(result.manifest.complete, true);
  const records = readRecords(out);
  const perImage = records.filter((r) => r.kind === "attack" || r.kind === "certification");
  assert.ok(perImage.filter((r) => r.kind === "attack").length >= 3 && perImage.some((r) => r.kind === "certification"));
  for (const r of perImage) {
    assert.ok(r.kind === "attack" || r.kind === "certification");
    assert.equal(r.file, LISTING[r.image], `${r.key}: file of image ${r.image}`);
  }
  assert.deepEqual([...new Set(perImage.map((r) => (r as { image: number }).image))].sort(), [2, 3, 4]);
  const csv = toCsv(exportRecords(records)).trim().split("\n").map((l) => l.split(","));
  const [header, ...rows] = csv;
  const image = header.indexOf("image"), file = header.indexOf("file"), kind = header.indexOf("record");
  assert.equal(file, image + 1, "the file column follows the image column");
  const rowsWithImage = rows.filter((row) => row[kind] === "attack" || row[kind] === "certification");
  assert.equal(rowsWithImage.length, perImage.length);
  for (const row of rowsWithImage) assert.equal(row[file], LISTING[Number(row[image])]);
  for (const row of rows.filter((row) => row[kind] === "accuracy")) assert.equal(row[file], "");
});
