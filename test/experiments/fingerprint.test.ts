import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { compareFingerprints, dataInputs, hashFile } from "../../src/experiments/store/fingerprint.js";
import { parseConfig } from "../../src/experiments/plan/config.js";
import { MANIFEST_FILE } from "../../src/experiments/store/runDirectory.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { classImage, copyModel, makeFolder } from "./folderFixture.js";

let root = "";
before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-fingerprint-")); });
after(() => rmSync(root, { recursive: true, force: true }));

/** A small run on the shipped environment: a private copy of the linear model and a private image folder. */
function folderConfig(model: string, folder: string): Record<string, unknown> {
  return {
    name: "fingerprints", seed: 3,
    data: { dataset: folder, count: 4 },
    accuracy: { dataset: folder, count: 6 },
    defenses: [{ name: "none", model }],
    attacks: [{ name: "rays", budget: 20 }],
    certification: null,
    figures: { include: [] },
  };
}

test("hashFile is the sha256 of the file's bytes", () => {
  const path = join(root, "abc.txt");
  writeFileSync(path, "abc");
  assert.deepEqual(hashFile(path), { path, bytes: 3, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" });
});

test("dataInputs lists each data config the run reads once, by role", () => {
  const config = parseConfig({
    name: "x", data: { dataset: "mnist", count: 5 }, accuracy: { dataset: "mnist", count: 5 },
    defenses: [{ name: "rs", model: "m", sigma: { drop: 0.1 }, n: 5 }], attacks: [{ name: "hsja", budget: 10, start: "data" }],
  });
  assert.deepEqual(dataInputs(config), {
    data: { dataset: "mnist", count: 5 },
    calibration: { dataset: "mnist", count: 500 },
    startPool: { dataset: "mnist", count: 100 },
  }, "accuracy is the same selection as data: hashed once");
});

test("a resume is refused when the model file was swapped or the image folder changed; --force-new starts over", async () => {
  const model = copyModel(join(root, "model.onnx"));
  const folder = await makeFolder(join(root, "images"), ["0-neg", "1-pos"], 4);
  const out = join(root, "run");
  const config = folderConfig(model, folder);
  const first = await runExperiment(config as never, { out, workers: 1 });
  assert.equal(first.manifest.complete, true);
  const inputs = first.manifest.inputs!;
  assert.equal(inputs.models[model].sha256, hashFile(model).sha256);
  assert.equal(inputs.models[model].bytes, readFileSync(model).length);
  assert.deepEqual(Object.keys(inputs.data.data.files!), ["0-neg/img0.png", "0-neg/img1.png", "0-neg/img2.png", "0-neg/img3.png"]);

  // Same bytes again: resumes (nothing to do).
  const again = await runExperiment(config as never, { out, workers: 1 });
  assert.equal(again.executed, 0);

  // The model file is replaced at the same path by a valid model with one weight changed: the
  // linear fixture's first weight (-1) is found as float32 bytes and its lowest mantissa bit is
  // flipped (-1 -> -1.0000001). The run still loads it (a corrupt file would be refused earlier).
  const original = readFileSync(model);
  const swapped = Buffer.from(original);
  const weight = Buffer.alloc(4);
  weight.writeFloatLE(-1, 0);
  const at = original.indexOf(weight);
  assert.ok(at >= 0, "the linear fixture's first weight is stored as float32");
  swapped[at] ^= 0x01;
  writeFileSync(model, swapped);
  await assert.rejects(runExperiment(config as never, { out, workers: 1 }),
    (error: Error) => {
      assert.match(error.message, /the inputs changed since the run started/);
      assert.match(error.message, new RegExp(`model ${model.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(.*\\): sha256 [0-9a-f]{12} \\(\\d+ bytes\\) when the run started, now [0-9a-f]{12}`));
      assert.match(error.message, /--force-new/);
      return true;
    });
  writeFileSync(model, original);

  // One PNG is added to a class folder: the listing shifts, the selected files change.
  writeFileSync(join(folder, "0-neg", "img00.png"), await classImage(-1, 9));
  await assert.rejects(runExperiment(config as never, { out, workers: 1 }),
    /data \(.*images\): 1 selected file\(s\) new: 0-neg\/img00\.png; 1 no longer selected or gone: 0-neg\/img3\.png/);
  // One selected image changes content only.
  rmSync(join(folder, "0-neg", "img00.png"));
  writeFileSync(join(folder, "0-neg", "img1.png"), await classImage(-1, 7));
  await assert.rejects(runExperiment(config as never, { out, workers: 1 }), /data \(.*images\): 1 changed content or label: 0-neg\/img1\.png/);

  // --force-new starts over and keeps the old run aside.
  const warnings: string[] = [];
  const fresh = await runExperiment(config as never, { out, workers: 1, forceNew: true, onWarning: (m) => warnings.push(m) });
  assert.equal(fresh.resumed, 0);
  assert.equal(fresh.manifest.sessions, 1);
  assert.ok(fresh.executed > 0);
  const aside = readdirSync(out).filter((f) => f.startsWith("superseded-"));
  assert.equal(aside.length, 1);
  assert.deepEqual(readdirSync(join(out, aside[0])).sort(), ["config.json", "results.jsonl", "run.json"]);
  assert.match(warnings.join("\n"), /--force-new: the earlier run of .* was moved to .*superseded-/);
});

test("a run.json without fingerprints (written before they existed) resumes with a warning and records them", async () => {
  const model = copyModel(join(root, "model-old.onnx"));
  const folder = await makeFolder(join(root, "images-old"), ["0-neg", "1-pos"], 3);
  const out = join(root, "run-old");
  const config = folderConfig(model, folder);
  await runExperiment(config as never, { out, workers: 1 });
  const path = join(out, MANIFEST_FILE);
  const manifest = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  delete manifest.inputs;
  writeFileSync(path, JSON.stringify(manifest));
  const warnings: string[] = [];
  const resumed = await runExperiment(config as never, { out, workers: 1, onWarning: (m) => warnings.push(m) });
  assert.equal(resumed.executed, 0);
  assert.match(warnings.join("\n"), /records no input fingerprints .*: the earlier sessions' models and data cannot be checked; they are recorded from this session on/);
  assert.ok(JSON.parse(readFileSync(path, "utf8")).inputs.models[model].sha256);
});

test("compareFingerprints says nothing for equal inputs and ignores roles recorded only now", () => {
  const a = { models: { m: { path: "m.onnx", bytes: 3, sha256: "a".repeat(64) } }, data: { data: { dataset: "mnist", images: 2, sha256: "b".repeat(64) } } };
  assert.deepEqual(compareFingerprints(a, a), []);
  assert.deepEqual(compareFingerprints({ models: {}, data: {} }, a), []);
  assert.deepEqual(compareFingerprints(a, { ...a, data: { data: { dataset: "mnist", images: 2, sha256: "c".repeat(64) } } }),
    [`data (mnist): the selected images changed (2 images sha256 ${"b".repeat(12)}, now 2 images sha256 ${"c".repeat(12)})`]);
});
