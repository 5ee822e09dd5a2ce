import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { ATTACKS } from "../../src/attacks/registry.js";
import { parseConfig } from "../../src/experiments/plan/config.js";
import { calibrationItems, workItems } from "../../src/experiments/plan/grid.js";
import { MODEL_NAMES } from "../../src/zoo/catalog.js";

const DIR = new URL("../../experiments/", import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

test("every shipped experiment config is valid against the attack registry and names shipped models", () => {
  assert.ok(files.includes("paper-fashion-mnist.json") && files.includes("paper-mnist.json"), files.join(", "));
  for (const file of files) {
    const config = parseConfig(JSON.parse(readFileSync(new URL(file, DIR), "utf8")), { attacks: ATTACKS, source: file });
    assert.equal(`${config.name}.json`, file, "a config is named after its file");
    for (const d of config.defenses) assert.ok(MODEL_NAMES.includes(d.model), `${file}: unknown model ${d.model}`);
  }
});

test("the paper grids: 20 defense points x 3 attacks x 100 images, 2000 queries, Cohen's certification defaults; PopSkipJump under label in the 18 RS and RandTrain points", () => {
  for (const file of ["paper-fashion-mnist.json", "paper-mnist.json"]) {
    const config = parseConfig(JSON.parse(readFileSync(new URL(file, DIR), "utf8")), { attacks: ATTACKS });
    const sigmas = new Map(calibrationItems(config).map((c) => [c.key, 0.1]));
    assert.equal(sigmas.size, 2, "sigmas for a 3% and a 12% drop");
    const images = Array.from({ length: 100 }, (_, position) => ({ position, index: position, label: 0 }));
    const items = workItems(config, sigmas, images);
    assert.equal(items.filter((i) => i.kind === "attack").length, 100 * 20 * 3 + 100 * 18);
    const psj = items.filter((i) => i.kind === "attack" && i.attack.name === "psj");
    assert.ok(psj.every((i) => i.kind === "attack" && i.defense.oracle === "label" && i.defense.sigma !== null), "psj runs under label against smoothed points only");
    assert.equal(items.filter((i) => i.kind === "certification").length, 100 * 3);
    assert.deepEqual(config.attacks.map((a) => [a.name, a.budget]), [["hsja", 2000], ["surfree", 2000], ["rays", 2000], ["psj", 2000]]);
    assert.deepEqual(config.certification, { n0: 100, n: 100000, alpha: 0.001 });
    assert.equal(config.data.sample, 100);
  }
});

test("the paper grids check every final point with the sequential test and harden it; the stored Fashion-MNIST run keeps the config it was run with", () => {
  for (const file of ["paper-fashion-mnist.json", "paper-mnist.json"]) {
    const config = parseConfig(JSON.parse(readFileSync(new URL(file, DIR), "utf8")), { attacks: ATTACKS });
    for (const a of config.attacks) {
      assert.deepEqual([a.verify, a.verification, a.verifyAlpha, a.harden, a.hardenCalls], [100, "sequential", 0.05, true, 1000], `${file}: ${a.name}`);
    }
  }
  // reports/paper-fashion-mnist was run before issue 12: its own config.json (what resume and
  // `npm run replay` read) keeps the point estimate and no hardening, so its records replay.
  const stored = parseConfig(JSON.parse(readFileSync(new URL("../reports/paper-fashion-mnist/config.json", DIR), "utf8")), { attacks: ATTACKS });
  for (const a of stored.attacks) assert.deepEqual([a.verify, a.verification, a.harden], [100, undefined, undefined], `stored ${a.name}`);
});
