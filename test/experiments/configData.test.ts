/**
 * Config gaps of issue 26 item 8: a partial certification block takes Cohen et al.'s defaults,
 * the default accuracy set fits a small folder, and a data block can resize its images.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { ConfigError, parseConfig } from "../../src/experiments/plan/config.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { classImage, copyModel, makeFolder } from "./folderFixture.js";

let root = "";
before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-configdata-")); });
after(() => rmSync(root, { recursive: true, force: true }));

const base = { name: "x", data: { dataset: "mnist", count: 5 }, defenses: [{ name: "none", model: "m" }], attacks: [{ name: "hsja", budget: 10 }] };

test("a partial certification block takes Cohen et al.'s defaults for the missing fields (n0 100, n 100000, alpha 0.001)", () => {
  assert.deepEqual(parseConfig({ ...base, certification: { n: 500 } }).certification, { n0: 100, n: 500, alpha: 0.001 });
  assert.deepEqual(parseConfig({ ...base, certification: {} }).certification, { n0: 100, n: 100000, alpha: 0.001 });
  assert.throws(() => parseConfig({ ...base, certification: { n: 0 } }), ConfigError);
});

/** The run's records of one kind. */
function records(dir: string, kind: string): Record<string, unknown>[] {
  return readFileSync(join(dir, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.kind === kind);
}

test("without an accuracy block, accuracy is measured on the first 1000 images or all of a smaller folder", async () => {
  const folder = await makeFolder(join(root, "small"), ["0-neg", "1-pos"], 3);
  const model = copyModel(join(root, "model.onnx"));
  const config = { name: "small", data: { dataset: folder, count: 2 }, defenses: [{ name: "none", model }], attacks: [], certification: null, figures: { include: [] } };
  const out = join(root, "run-small");
  const result = await runExperiment(config as never, { out, workers: 1 });
  assert.equal(result.manifest.complete, true);
  assert.deepEqual(records(out, "accuracy").map((r) => [r.images, r.correct]), [[6, 6]]);
});

test("a data block with \"resize\": true decodes the images to the model's shape; without it the error says how", async () => {
  // 16x16 RGB images of the 8x8 patterns (each pixel doubled): converted to grey and resized to 8x8, the model's labels hold.
  const folder = join(root, "large");
  for (const [name, sign] of [["0-neg", -1], ["1-pos", 1]] as const) {
    mkdirSync(join(folder, name), { recursive: true });
    for (let k = 0; k < 2; k++) {
      writeFileSync(join(folder, name, `img${k}.png`), await sharp(await classImage(sign, k)).resize(16, 16, { kernel: "nearest" }).png().toBuffer());
    }
  }
  const model = copyModel(join(root, "model16.onnx"));
  const config = (resize: boolean) => ({
    name: "large", data: { dataset: folder, count: 4, ...(resize ? { resize: true } : {}) }, accuracy: { dataset: folder, count: 4, ...(resize ? { resize: true } : {}) },
    defenses: [{ name: "none", model }], attacks: [], certification: null, figures: { include: [] },
  });
  await assert.rejects(runExperiment(config(false) as never, { out: join(root, "run-noresize"), workers: 1 }),
    /takes 1x8x8 images, but data \(.*\) has 3x16x16 images; set "resize": true in the data block to decode them to 1x8x8/);
  const out = join(root, "run-resize");
  const result = await runExperiment(config(true) as never, { out, workers: 1 });
  assert.equal(result.manifest.complete, true);
  assert.deepEqual(records(out, "accuracy").map((r) => [r.images, r.correct]), [[4, 4]]);
});

test("a defense's \"shape\" loads a model with dynamic height and width (issue 26 item 9)", async () => {
  assert.throws(() => parseConfig({ ...base, defenses: [{ name: "none", model: "m", shape: [3, 32] }] }), /defenses\[0\]\.shape: expected \[channels, height, width\], three positive integers/);
  const images = new URL("../../examples/own-model/images", import.meta.url).pathname;
  const model = new URL("../fixtures/own_dynamic_hw.onnx", import.meta.url).pathname;
  const classMap = JSON.parse(readFileSync(new URL("../../examples/own-model/class_map.json", import.meta.url), "utf8"));
  const config = {
    name: "dynamic", data: { dataset: images, count: 2, classMap }, accuracy: { dataset: images, count: 40, classMap },
    defenses: [{ name: "none", model, shape: [3, 32, 32] }], attacks: [], certification: null, figures: { include: [] },
  };
  const out = join(root, "run-dynamic");
  const result = await runExperiment(config as never, { out, workers: 1 });
  assert.equal(result.manifest.complete, true);
  assert.deepEqual(records(out, "accuracy").map((r) => [r.images, r.correct]), [[40, 40]]);
});
