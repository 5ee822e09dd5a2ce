/**
 * A config's `classMap` reaches every image set a run reads (issue 26 item 1): the attacked set,
 * the accuracy set, the calibration images, the starting-point pool, and their fingerprints.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseConfig } from "../../src/experiments/plan/config.js";
import { dataInputs } from "../../src/experiments/store/fingerprint.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import sharp from "sharp";
import { copyModel } from "./folderFixture.js";

const WEIGHTS = JSON.parse(readFileSync(new URL("../fixtures/linear.json", import.meta.url), "utf8")) as { w: number[] };

/** Grey 8x8 images a few levels along +-sign(w): the linear model's class is known, and noise flips it (a calibration finds sigma). */
function nearImage(sign: 1 | -1, k: number): Promise<Buffer> {
  const pixels = Buffer.from(WEIGHTS.w.map((x, i) => 128 + sign * Math.sign(x) * 20 + ((i + k) % 3)));
  return sharp(pixels, { raw: { width: 8, height: 8, channels: 1 } }).toColourspace("b-w").png().toBuffer();
}

let root = "";
before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-classmap-")); });
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * Folders whose sorted order is the reverse of the linear model's labels: "a-pos" holds images the
 * model calls 1, "b-neg" images it calls 0. Only the class map {"a-pos": 1, "b-neg": 0} is right.
 */
async function reversedFolder(path: string, perClass: number): Promise<string> {
  for (const [name, sign] of [["a-pos", 1], ["b-neg", -1]] as const) {
    mkdirSync(join(path, name), { recursive: true });
    for (let k = 0; k < perClass; k++) writeFileSync(join(path, name, `img${k}.png`), await nearImage(sign, k));
  }
  return path;
}

const MAP = { "a-pos": 1, "b-neg": 0 };

test("dataInputs: the calibration images and the starting-point pool carry the config's class maps", () => {
  const config = parseConfig({
    name: "x", data: { dataset: "/images", count: 5, classMap: MAP }, accuracy: { dataset: "/other", count: 6, classMap: { x: 0 } },
    defenses: [{ name: "rs", model: "m", sigma: { drop: 0.1 }, n: 5 }], attacks: [{ name: "hsja", budget: 10, start: "data" }],
  });
  const inputs = dataInputs(config);
  assert.deepEqual(inputs.calibration, { dataset: "/other", count: 500, classMap: { x: 0 } });
  assert.deepEqual(inputs.startPool, { dataset: "/images", count: 100, classMap: MAP });
});

test("a config without an accuracy block measures accuracy with the data block's class map", () => {
  const config = parseConfig({
    name: "x", data: { dataset: "/images", count: 5, classMap: MAP },
    defenses: [{ name: "none", model: "m" }], attacks: [{ name: "hsja", budget: 10 }],
  });
  assert.deepEqual(config.accuracy.classMap, MAP);
});

test("rsbench run: a sigma calibrated for an accuracy drop reads the images with the config's class map", async () => {
  const folder = await reversedFolder(join(root, "images"), 6);
  const model = copyModel(join(root, "model.onnx"));
  const out = join(root, "run");
  const config = {
    name: "classmap", seed: 1,
    data: { dataset: folder, count: 2, classMap: MAP },
    accuracy: { dataset: folder, count: 12, classMap: MAP },
    calibration: { count: 12, n: 10 },
    defenses: [{ name: "rs", model, sigma: { drop: 0.1 }, n: 10 }],
    attacks: [], certification: null, figures: { include: [] }, batchSize: 50,
  };
  const result = await runExperiment(config as never, { out, workers: 1 });
  assert.equal(result.manifest.complete, true);
  const records = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const calibration = records.find((r) => r.kind === "calibration");
  assert.equal(calibration.cleanAccuracy, 1, "every image is classified correctly under the class map");
  const accuracy = records.find((r) => r.kind === "accuracy");
  assert.ok(accuracy, "the defense's accuracy was measured");
});
