/**
 * Config paths are relative to the config file (issue 26 item 7): the same config runs from any
 * working directory; absolute paths, built-in datasets, shipped models and URLs are kept.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ATTACKS } from "../../src/attacks/registry.js";
import { loadConfig, resolveConfigPaths } from "../../src/experiments/store/runDirectory.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { copyModel, makeFolder } from "./folderFixture.js";

let root = "";
before(() => { root = mkdtempSync(join(tmpdir(), "rsbench-configpaths-")); });
after(() => rmSync(root, { recursive: true, force: true }));

test("resolveConfigPaths resolves relative paths against the config's folder and keeps names, URLs and absolute paths", () => {
  const config = {
    name: "x",
    data: { dataset: "images", count: 2 },
    accuracy: { dataset: "fashion-mnist:test", count: 2 },
    defenses: [
      { name: "a", model: "models/net.onnx" }, { name: "b", model: "mnist-standard" },
      { name: "c", model: "/abs/net.onnx" }, { name: "d", target: "http://127.0.0.1:1/" },
      { name: "e", model: "synthetic-model" },
    ],
  };
  const dir = join(root, "elsewhere");
  mkdirSync(join(dir, "images"), { recursive: true });
  const out = resolveConfigPaths(config, join(dir, "config.json")) as typeof config;
  assert.equal(out.data.dataset, join(dir, "images"));
  assert.equal(out.accuracy.dataset, "fashion-mnist:test");
  assert.deepEqual(out.defenses.map((d) => (d as { model?: string }).model), [join(dir, "models/net.onnx"), "mnist-standard", "/abs/net.onnx", undefined, "synthetic-model"]);
  // From the config's own folder, values are kept as written (same hash as before).
  const here = resolveConfigPaths(config, "config.json") as typeof config;
  assert.equal(here.data.dataset, "images");
});

test("rsbench run's config loads and runs from another working directory", async () => {
  const project = join(root, "project");
  mkdirSync(project);
  copyModel(join(project, "model.onnx"));
  await makeFolder(join(project, "images"), ["0-neg", "1-pos"], 2);
  const path = join(project, "config.json");
  writeFileSync(path, JSON.stringify({
    name: "paths", data: { dataset: "images", count: 2 }, accuracy: { dataset: "./images", count: 4 },
    defenses: [{ name: "none", model: "model.onnx" }], attacks: [{ name: "rays", budget: 10 }], certification: null, figures: { include: [] },
  }));
  const config = loadConfig(path, ATTACKS);
  assert.equal(config.data.dataset, join(project, "images"));
  assert.equal(config.defenses[0].model, join(project, "model.onnx"));
  const result = await runExperiment(config, { out: join(root, "run"), workers: 1 });
  assert.equal(result.manifest.complete, true);
});
