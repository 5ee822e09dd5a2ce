import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../src/experiments/plan/config.js";
import { calibrationItems, calibrationKey, defensePoints, itemRandom, keyWords, workItems } from "../../src/experiments/plan/grid.js";
import { tinyConfig } from "./tinyConfig.js";

const config = parseConfig(tinyConfig());
const images = [0, 1, 2, 3].map((position) => ({ position, index: 10 + position, label: 0 }));

test("calibrationItems: one per distinct (model, drop)", () => {
  const items = calibrationItems(config);
  assert.deepEqual(items.map((i) => i.key), ["calibration/linear/drop=10%"]);
  assert.equal(calibrationKey("m", 0.03), "calibration/m/drop=3%");
  assert.equal(calibrationKey("m", 0.12), "calibration/m/drop=12%");
});

test("defensePoints expands n x Pa grids and resolves calibrated sigmas", () => {
  const points = defensePoints(config, new Map([["calibration/linear/drop=10%", 0.42]]));
  assert.deepEqual(points.map((p) => p.id), [
    "none", "rs-drop/n=5/pa=0.5", "rs-drop/n=5/pa=0.8", "rs-drop/n=10/pa=0.5", "rs-drop/n=10/pa=0.8", "rs-0.3/n=5/pa=0.5",
  ]);
  assert.deepEqual(points[3], { id: "rs-drop/n=10/pa=0.5", name: "rs-drop", kind: "rs", model: "linear", sigma: 0.42, drop: 0.1, n: 10, pa: 0.5 });
  assert.deepEqual(points[0], { id: "none", name: "none", kind: "none", model: "linear", sigma: null, drop: null, n: null, pa: null });
  assert.throws(() => defensePoints(config, new Map()), /defense rs-drop: sigma for a 10% accuracy drop is not calibrated yet \(missing calibration\/linear\/drop=10%\)/);
});

test("workItems: accuracy per (defense, n), figures, certification per (image, smoothed defense), attacks per (image, point, attack)", () => {
  const items = workItems(config, new Map([["calibration/linear/drop=10%", 0.42]]), images);
  const count = (kind: string) => items.filter((i) => i.kind === kind).length;
  assert.equal(count("accuracy"), 1 + 2 + 1);
  assert.equal(count("figure"), 2);
  assert.equal(count("certification"), 4 * 2);
  assert.equal(count("attack"), 4 * 6 * 1);
  assert.equal(new Set(items.map((i) => i.key)).size, items.length, "keys are unique");
  assert.ok(items.some((i) => i.key === "attack/rs-drop/n=10/pa=0.8/probe-l2/image=13"));
  assert.ok(items.some((i) => i.key === "certification/rs-0.3/image=10"));
  assert.ok(items.some((i) => i.key === "figure/fig1/rs-0.3/image=11"));
  // Keys do not depend on the sigma values (resumption finds them whatever calibration said).
  const other = workItems(config, new Map([["calibration/linear/drop=10%", 0.1]]), images);
  assert.deepEqual(other.map((i) => i.key), items.map((i) => i.key));
});

test("item streams depend on the key and the seed only", () => {
  assert.deepEqual(keyWords("attack/none/probe-l2/image=3"), keyWords("attack/none/probe-l2/image=3"));
  assert.notDeepEqual(keyWords("attack/none/probe-l2/image=3"), keyWords("attack/none/probe-l2/image=4"));
  const a = itemRandom(5, "k").nextUint32(), b = itemRandom(5, "k").nextUint32();
  assert.equal(a, b);
  assert.notEqual(itemRandom(6, "k").nextUint32(), a);
  // No collisions among many keys.
  const seen = new Set<string>();
  for (let i = 0; i < 20000; i++) seen.add(keyWords(`attack/rs/n=${i % 7}/probe/image=${i}`).join(","));
  assert.equal(seen.size, 20000);
});

test("defensePoints: one point per oracle rule, named by it unless it is the paper's shortcut", () => {
  const withRules = parseConfig(tinyConfig({ defenses: [{ name: "rs", model: "linear", sigma: 0.3, n: 5, pa: [0.5, 0.8], oracle: ["shortcut", "label", "repeat:3"] }], figures: { include: [] } }));
  const points = defensePoints(withRules, new Map());
  assert.deepEqual(points.map((p) => p.id), [
    "rs/n=5/pa=0.5", "rs/n=5/pa=0.5/oracle=label", "rs/n=5/pa=0.5/oracle=repeat:3",
    "rs/n=5/pa=0.8", "rs/n=5/pa=0.8/oracle=label", "rs/n=5/pa=0.8/oracle=repeat:3",
  ]);
  assert.deepEqual(points[0], { id: "rs/n=5/pa=0.5", name: "rs", kind: "rs", model: "linear", sigma: 0.3, drop: null, n: 5, pa: 0.5 });
  assert.deepEqual(points[2], { id: "rs/n=5/pa=0.5/oracle=repeat:3", name: "rs", kind: "rs", model: "linear", sigma: 0.3, drop: null, n: 5, pa: 0.5, oracle: "repeat:3" });
  // Accuracy and certification do not depend on the attacker's rule: one item per (defense, n) and per image.
  const items = workItems(withRules, new Map(), images);
  assert.equal(items.filter((i) => i.kind === "accuracy").length, 1);
  assert.ok(items.some((i) => i.key === "attack/rs/n=5/pa=0.8/oracle=label/probe-l2/image=10"));
});

test("workItems: an attack entry's id names its keys in place of <name>-<norm>; entries without one keep their keys", () => {
  const withIds = parseConfig(tinyConfig({ attacks: [{ name: "probe", budget: 100 }, { name: "probe", id: "probe-300", budget: 300 }], figures: { include: [] } }));
  const keys = workItems(withIds, new Map([["calibration/linear/drop=10%", 0.42]]), images).filter((i) => i.kind === "attack").map((i) => i.key);
  assert.ok(keys.includes("attack/none/probe-l2/image=10"));
  assert.ok(keys.includes("attack/none/probe-300/image=10"));
  assert.equal(new Set(keys).size, keys.length, "keys are unique");
});

test("an attack entry's defenses and oracle choose its cells; the other entries' items are unchanged", () => {
  const sigmas = new Map([["calibration/linear/drop=10%", 0.42]]);
  const grown = parseConfig(tinyConfig({
    attacks: [{ name: "probe", budget: 40 }, { name: "probe", id: "psj-like", budget: 20, defenses: ["none", "rs-drop"], oracle: ["label"] }],
  }));
  const items = workItems(grown, sigmas, images).filter((i) => i.kind === "attack");
  const own = items.filter((i) => i.key.includes("/psj-like/"));
  // 4 images x (none once + rs-drop's 2 n x 2 Pa, each under "label" instead of the default rule).
  assert.equal(own.length, 4 * (1 + 4));
  assert.deepEqual(own.filter((i) => i.key.endsWith("image=10")).map((i) => i.key), [
    "attack/none/psj-like/image=10",
    "attack/rs-drop/n=5/pa=0.5/oracle=label/psj-like/image=10",
    "attack/rs-drop/n=5/pa=0.8/oracle=label/psj-like/image=10",
    "attack/rs-drop/n=10/pa=0.5/oracle=label/psj-like/image=10",
    "attack/rs-drop/n=10/pa=0.8/oracle=label/psj-like/image=10",
  ]);
  assert.ok(own.every((i) => i.kind === "attack" && (i.defense.sigma === null ? i.defense.oracle === undefined : i.defense.oracle === "label")));
  // The first entry's items are those of the config without the second one, in the same order.
  const before = workItems(config, sigmas, images).map((i) => i.key);
  assert.deepEqual(workItems(grown, sigmas, images).map((i) => i.key).filter((k) => !k.includes("/psj-like/")), before);
});

test("an attack entry's defenses must name defenses of the config", () => {
  assert.throws(
    () => parseConfig(tinyConfig({ attacks: [{ name: "probe", budget: 40, defenses: ["rs-drop", "rs-5%"] }] })),
    /attacks: probe-l2's defenses name "rs-5%", which is not a defense of this config \(expected one of none, rs-drop, rs-0\.3\)/,
  );
  assert.throws(() => parseConfig(tinyConfig({ attacks: [{ name: "probe", budget: 40, oracle: ["majority"] }] })), /attacks\[0\]\.oracle\[0\]: expected/);
});

test("extensionProblems: only appended attack entries make an extension", async () => {
  const { extensionProblems } = await import("../../src/experiments/store/runDirectory.js");
  const two = parseConfig(tinyConfig({ attacks: [{ name: "probe", budget: 40 }, { name: "probe", id: "p2", budget: 20 }] }));
  assert.deepEqual(extensionProblems(config, two), []);
  assert.deepEqual(extensionProblems(two, config), ["attacks: expected more than the run's 2 entries, got 1"]);
  assert.deepEqual(extensionProblems(config, parseConfig(tinyConfig({ batchSize: 10, attacks: two.attacks }))), ["batchSize differs (only attack entries may be appended)"]);
});
