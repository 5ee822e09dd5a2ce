import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalJson, ConfigError, parseConfig } from "../../src/experiments/plan/config.js";
import { tinyConfig } from "./tinyConfig.js";

const attacks = { probe: { norms: ["l2", "linf"] as const, defaultNorm: "l2" as const }, rays: { norms: ["linf"] as const, defaultNorm: "linf" as const } };

function problems(value: unknown): string[] {
  try {
    parseConfig(value, { attacks });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return [...error.problems];
  }
  assert.fail("expected the config to be refused");
}

test("parseConfig fills the defaults of a minimal config", () => {
  const config = parseConfig({
    name: "min", data: { dataset: "fashion-mnist", count: 3 },
    defenses: [{ name: "rs", model: "m", sigma: 0.25, n: [10, 50] }], attacks: [{ name: "rays", budget: 100 }],
  }, { attacks });
  assert.equal(config.seed, 0);
  assert.deepEqual(config.accuracy, { dataset: "fashion-mnist", count: 1000, upTo: true }, "the first 1000 images, or all of a smaller dataset");
  assert.deepEqual(config.defenses[0], { name: "rs", model: "m", kind: "rs", sigma: 0.25, n: [10, 50], pa: [0.5] });
  assert.equal(config.attacks[0].norm, "linf", "an attack's own default norm");
  assert.deepEqual(config.attacks[0].options, {});
  assert.equal(config.attacks[0].verify, 0, "no verification of the final points unless asked");
  assert.equal(config.certification, null);
  assert.deepEqual(config.calibration, { count: 500, n: 100 });
  assert.deepEqual(config.figures.include, []);
  assert.equal(config.batchSize, 100);
});

test("parseConfig names the path of a bad field, what it expected and what it got", () => {
  const bad = tinyConfig();
  (bad.defenses as Record<string, unknown>[])[2].n = 0;
  assert.deepEqual(problems(bad), ["defenses[2].n: expected an integer >= 1, got 0"]);
  const list = tinyConfig();
  (list.defenses as Record<string, unknown>[])[1].n = [10, 2.5];
  assert.deepEqual(problems(list), ["defenses[1].n[1]: expected an integer >= 1, got 2.5"]);
  assert.deepEqual(problems(tinyConfig({ attacks: [{ name: "probe", budget: "2000" }] })), ['attacks[0].budget: expected an integer >= 1, got "2000"']);
  assert.deepEqual(problems(tinyConfig({ attacks: [{ name: "probe", budget: 10, verify: -1 }] })), ["attacks[0].verify: expected an integer >= 0, got -1"]);
  assert.deepEqual(problems(tinyConfig({ attacks: [{ name: "probe", budget: 10, verify: 2.5 }] })), ["attacks[0].verify: expected an integer >= 0, got 2.5"]);
  assert.deepEqual(problems(tinyConfig({ attacks: [{ name: "hjsa", budget: 10 }] })), ['attacks[0].name: expected one of "probe", "rays", got "hjsa"']);
  assert.deepEqual(problems(tinyConfig({ attacks: [{ name: "rays", norm: "l2", budget: 10 }] })), ['attacks[0].norm: expected one of "linf", got "l2"']);
  assert.deepEqual(problems(tinyConfig({ certification: { n0: 10, n: 100, alpha: 1 } })), ["certification.alpha: expected a number in (0, 1), got 1"]);
  assert.deepEqual(problems(tinyConfig({ data: { dataset: "synthetic", sample: 0 } })), ["data.sample: expected an integer >= 1, got 0"]);
});

test("parseConfig reports every problem at once, including unknown and missing fields", () => {
  const found = problems({ name: "bad name", data: { dataset: "" }, defenses: [{ name: "a", model: "m", sigma: -1, n: 5, pa: 1.2, extra: 1 }], attacks: [], figures: { include: ["fig9"] } });
  assert.deepEqual(found, [
    'name: expected a name of letters, digits and . _ % + -, got "bad name"',
    'data.dataset: expected a non-empty string, got ""',
    "defenses[0].extra: unknown field (allowed: name, model, kind, sigma, n, pa, oracle, target, shape)",
    'defenses[0].sigma: expected a number > 0 or { "drop": d } with d in (0, 1), got -1',
    "defenses[0].pa: expected a number in (0, 1), got 1.2",
    'figures.include[0]: expected one of "fig1", "fig2", "fig3", "fig4", "fig5", "fig6", got "fig9"',
  ]);
  assert.deepEqual(problems({ name: "x" }), ["data: expected an object, got nothing", "defenses: expected a non-empty array, got nothing", "attacks: expected an array (possibly empty), got nothing"]);
});

test("parseConfig refuses contradictory defenses", () => {
  assert.deepEqual(problems(tinyConfig({ defenses: [{ name: "a", model: "m", n: 10 }] })).slice(0, 1), ["defenses[0].n: only allowed with sigma (no smoothing without it)"]);
  assert.deepEqual(problems(tinyConfig({ defenses: [{ name: "a", model: "m", sigma: 0.1 }] })).slice(0, 1), ["defenses[0].n: expected an integer >= 1 or a list of them (noise draws, required with sigma), got nothing"]);
  assert.deepEqual(problems(tinyConfig({ defenses: [{ name: "a", model: "m", kind: "advtrain", sigma: 0.1, n: 1 }] })).slice(0, 1), ['defenses[0].kind: "advtrain" has no smoothing, but sigma is given (use "rs" or "randtrain", or drop sigma)']);
  assert.deepEqual(problems(tinyConfig({ defenses: [{ name: "a", model: "m" }, { name: "a", model: "m" }], figures: {} })), ['defenses: duplicate name "a"', "figures.include: fig1, fig2 and fig3 need a smoothed defense (one with sigma)"]);
  assert.deepEqual(problems(tinyConfig({ defenses: [{ name: "a", model: "m", sigma: { drop: 0.03 }, n: [10, 10] }] })).slice(0, 1), ["defenses[0].n: duplicate value 10"]);
});

test("a validated config parses to itself (run directories store it)", () => {
  const config = parseConfig(tinyConfig(), { attacks });
  const again = parseConfig(JSON.parse(canonicalJson(config)), { attacks });
  assert.equal(canonicalJson(again), canonicalJson(config));
});

test("a config with the defaults spelled out parses to itself too", () => {
  const config = parseConfig({ name: "d", data: { dataset: "x" }, defenses: [{ name: "none", model: "m" }], attacks: [] }, { attacks });
  assert.equal(canonicalJson(parseConfig(JSON.parse(canonicalJson(config)), { attacks })), canonicalJson(config));
});

test("canonicalJson ignores key order", () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: 0 } }), canonicalJson({ a: { c: 0, d: [1, { e: 3, f: 2 }] }, b: 1 }));
});

test("parseConfig refuses unknown or ill-typed attack and figure options, with their paths, all at once", async () => {
  const { ATTACKS } = await import("../../src/attacks/registry.js");
  const config = tinyConfig({
    attacks: [
      { name: "hsja", budget: 100, options: { numIteration: 5 } },
      { name: "surfree", budget: 100, options: { steps: "many" } },
      { name: "rays", budget: 100, options: { epsilon: -1 } },
    ],
    figures: { include: ["fig1", "fig3"], images: 1, defense: "rs-0.3", options: { fig1: { ns: [5], draw: 20 }, fig3: { pa: 1.5 }, fig4: { size: 2 } } },
  });
  let problems: readonly string[] = [];
  try {
    parseConfig(config, { attacks: ATTACKS });
    assert.fail("expected the config to be refused");
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    problems = error.problems;
  }
  assert.equal(problems.length, 6, problems.join("\n"));
  assert.match(problems[0], /^attacks\[0\]\.options\.numIteration: unknown option \(allowed: constraint, gamma, numIterations, /);
  assert.equal(problems[1], 'attacks[1].options.steps: expected a number, got "many"');
  assert.equal(problems[2], "attacks[2].options: invalid RayS epsilon: expected a number >= 0, got -1");
  assert.match(problems[3], /^unknown option figures\.options\.fig1\.draw: expected one of ns, pa, draws, /);
  assert.equal(problems[4], "invalid figures.options.fig3.pa: expected a number in (0, 1), got 1.5");
  assert.equal(problems[5], "unknown option figures.options.fig4.size: expected none (fig4 takes no options)");
  // Valid options pass, and a parsed config is not parsed again.
  const ok = parseConfig(tinyConfig({ attacks: [{ name: "hsja", budget: 100, options: { gamma: 2 } }] }), { attacks: ATTACKS });
  assert.deepEqual(ok.attacks[0].options, { gamma: 2 });
  assert.equal(parseConfig(ok, { attacks: ATTACKS }), ok);
  assert.notEqual(parseConfig(ok), ok, "another registry checks it again");
});

test("defenses[].oracle: a rule or a list of rules, only with sigma; the paper's shortcut is the default and is stored absent", () => {
  const smoothed = (oracle: unknown) => tinyConfig({ defenses: [{ name: "a", model: "m", sigma: 0.1, n: 4, ...(oracle === undefined ? {} : { oracle }) }], figures: { include: [] } });
  const parsed = (oracle: unknown) => parseConfig(smoothed(oracle), { attacks }).defenses[0];
  assert.equal("oracle" in parsed(undefined), false);
  // Spelling out the default is the same experiment (same canonical JSON, same hash).
  assert.equal(canonicalJson(parseConfig(smoothed("shortcut"), { attacks })), canonicalJson(parseConfig(smoothed(undefined), { attacks })));
  assert.equal(canonicalJson(parseConfig(smoothed(["shortcut"]), { attacks })), canonicalJson(parseConfig(smoothed(undefined), { attacks })));
  assert.deepEqual(parsed("label").oracle, ["label"]);
  assert.deepEqual(parsed(["shortcut", "label", "repeat:3"]).oracle, ["shortcut", "label", "repeat:3"]);
  const forms = '"shortcut", "label" or "repeat:K" with K an integer in [1, 1000]';
  assert.deepEqual(problems(smoothed("votes")), [`defenses[0].oracle: expected ${forms}, got "votes"`]);
  assert.deepEqual(problems(smoothed(["label", "repeat:0", 3])), [`defenses[0].oracle[1]: expected ${forms}, got "repeat:0"`, `defenses[0].oracle[2]: expected ${forms}, got 3`]);
  assert.deepEqual(problems(smoothed(["label", "label"])), ['defenses[0].oracle: duplicate value "label"']);
  assert.deepEqual(problems(tinyConfig({ defenses: [{ name: "a", model: "m", oracle: "label" }], figures: { include: [] } })).slice(0, 1), ["defenses[0].oracle: only allowed with sigma (without noise every rule gives the label)"]);
});

test("attacks[].verification: absent or \"estimate\" is the point estimate (stored absent); \"sequential\" gets verifyAlpha, 0.05 by default", () => {
  const withCheck = (check: Record<string, unknown>) => tinyConfig({ attacks: [{ name: "probe", budget: 40, verify: 50, ...check }], figures: { include: [] } });
  const parsed = (check: Record<string, unknown>) => parseConfig(withCheck(check), { attacks }).attacks[0];
  assert.deepEqual(parsed({}), { name: "probe", norm: "l2", budget: 40, options: {}, start: "own", verify: 50 });
  assert.equal(canonicalJson(parseConfig(withCheck({ verification: "estimate" }), { attacks })), canonicalJson(parseConfig(withCheck({}), { attacks })));
  assert.deepEqual(parsed({ verification: "sequential" }), { name: "probe", norm: "l2", budget: 40, options: {}, start: "own", verify: 50, verification: "sequential", verifyAlpha: 0.05 });
  assert.equal(parsed({ verification: "sequential", verifyAlpha: 0.01 }).verifyAlpha, 0.01);
  const config = parseConfig(withCheck({ verification: "sequential" }), { attacks });
  assert.equal(canonicalJson(parseConfig(JSON.parse(canonicalJson(config)), { attacks })), canonicalJson(config), "parses to itself");
  assert.deepEqual(problems(withCheck({ verification: "exact" })), ['attacks[0].verification: expected one of "estimate", "sequential", got "exact"']);
  assert.deepEqual(problems(withCheck({ verification: "sequential", verifyAlpha: 1 })), ["attacks[0].verifyAlpha: expected a number in (0, 1), got 1"]);
  assert.deepEqual(problems(withCheck({ verifyAlpha: 0.1 })), ['attacks[0].verifyAlpha: only allowed with "verification": "sequential" (the point estimate has no error level)']);
});

test("attacks[].id: one attack and norm at several budgets needs an id per entry; without one the entry is stored without it", () => {
  const config = parseConfig(tinyConfig({ attacks: [{ name: "probe", budget: 100 }, { name: "probe", id: "probe-300", budget: 300 }] }), { attacks });
  assert.equal("id" in config.attacks[0], false, "no id: stored absent, so older configs keep their hash");
  assert.equal(config.attacks[1].id, "probe-300");
  assert.deepEqual(problems(tinyConfig({ attacks: [{ name: "probe", budget: 100 }, { name: "probe", budget: 300 }] })), [
    'attacks: probe with norm l2 appears twice (to run it at several budgets or options, give each entry its own "id", e.g. "probe-300")',
  ]);
  assert.deepEqual(problems(tinyConfig({ attacks: [{ name: "probe", id: "x", budget: 100 }, { name: "rays", id: "x", budget: 300 }] })), [
    'attacks: duplicate id "x" (ids, and "<name>-<norm>" of entries without one, must be unique)',
  ]);
  assert.deepEqual(problems(tinyConfig({ attacks: [{ name: "probe", id: "a/b", budget: 100 }] })), ['attacks[0].id: expected a name of letters, digits and . _ % + -, got "a/b"']);
});

test("attacks[].harden: true (with the sequential test) gets hardenCalls, 1000 by default; false or absent is stored absent", () => {
  const withHarden = (fields: Record<string, unknown>) => tinyConfig({ attacks: [{ name: "probe", budget: 40, verify: 50, verification: "sequential", ...fields }], figures: { include: [] } });
  const parsed = (fields: Record<string, unknown>) => parseConfig(withHarden(fields), { attacks }).attacks[0];
  assert.deepEqual(parsed({ harden: true }), { name: "probe", norm: "l2", budget: 40, options: {}, start: "own", verify: 50, verification: "sequential", verifyAlpha: 0.05, harden: true, hardenCalls: 1000 });
  assert.equal(parsed({ harden: true, hardenCalls: 300 }).hardenCalls, 300);
  assert.equal(canonicalJson(parseConfig(withHarden({ harden: false }), { attacks })), canonicalJson(parseConfig(withHarden({}), { attacks })), "false is absent");
  const config = parseConfig(withHarden({ harden: true }), { attacks });
  assert.equal(canonicalJson(parseConfig(JSON.parse(canonicalJson(config)), { attacks })), canonicalJson(config), "parses to itself");
  const needs = 'attacks[0].harden: needs "verification": "sequential" and "verify" >= 1 (each confirmation of the hardened point is the sequential test, with at most verify calls)';
  assert.deepEqual(problems(withHarden({ harden: "yes" })), ['attacks[0].harden: expected true or false, got "yes"']);
  assert.deepEqual(problems(withHarden({ harden: true, hardenCalls: 0 })), ["attacks[0].hardenCalls: expected an integer >= 1, got 0"]);
  assert.deepEqual(problems(withHarden({ hardenCalls: 100 })), ['attacks[0].hardenCalls: only allowed with "harden": true']);
  assert.deepEqual(problems(withHarden({ harden: true, verification: "estimate" })), [needs]);
  assert.deepEqual(problems(withHarden({ harden: true, verify: 0 })), [needs]);
});

test("attacks[].hardenAt: budgets below the attack's, ascending, only with harden", () => {
  const withHarden = (fields: Record<string, unknown>) => tinyConfig({ attacks: [{ name: "probe", budget: 40, verify: 50, verification: "sequential", ...fields }], figures: { include: [] } });
  assert.deepEqual(parseConfig(withHarden({ harden: true, hardenAt: [10, 25] }), { attacks }).attacks[0].hardenAt, [10, 25]);
  assert.deepEqual(parseConfig(withHarden({ harden: true, hardenAt: 10 }), { attacks }).attacks[0].hardenAt, [10], "one budget");
  assert.equal("hardenAt" in parseConfig(withHarden({ harden: true }), { attacks }).attacks[0], false, "absent without it");
  assert.deepEqual(problems(withHarden({ harden: true, hardenAt: [10, 40] })), ["attacks[0].hardenAt[1]: expected a budget below the attack's (40), got 40"]);
  assert.deepEqual(problems(withHarden({ harden: true, hardenAt: [25, 10] })), ["attacks[0].hardenAt: expected budgets in ascending order, got [25,10]"]);
  assert.deepEqual(problems(withHarden({ harden: true, hardenAt: [0] })), ["attacks[0].hardenAt[0]: expected an integer >= 1, got 0"]);
  assert.deepEqual(problems(withHarden({ harden: true, hardenAt: [] })), ["attacks[0].hardenAt: expected a value or a non-empty array, got []"]);
  assert.deepEqual(problems(withHarden({ hardenAt: [10] })), ['attacks[0].hardenAt: only allowed with "harden": true']);
});

test("save: true is kept (points under the run directory's adversarial/); false or absent is stored absent", () => {
  const config = (save?: unknown) => tinyConfig({ figures: { include: [] }, ...(save === undefined ? {} : { save }) });
  assert.equal(parseConfig(config(true), { attacks }).save, true);
  assert.equal(canonicalJson(parseConfig(config(false), { attacks })), canonicalJson(parseConfig(config(), { attacks })));
  assert.equal("save" in parseConfig(config(false), { attacks }), false);
  assert.deepEqual(problems(config("yes")), ['save: expected true or false, got "yes"']);
});
