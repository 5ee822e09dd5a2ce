import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseConfig } from "../../src/experiments/plan/config.js";
import { defensePoints } from "../../src/experiments/plan/grid.js";

const base = (defense: Record<string, unknown>) => ({
  name: "remote", seed: 1, data: { dataset: "fashion-mnist", count: 2 }, accuracy: { dataset: "fashion-mnist", count: 5 },
  defenses: [defense], attacks: [{ name: "rays", budget: 30 }], figures: { include: [] },
});

test("defenses[].target: the URL is the model, the rule defaults to label at Pa 0.5, one point per (pa, rule)", () => {
  const config = parseConfig(base({ name: "api", target: "http://127.0.0.1:8080" }));
  assert.deepEqual(config.defenses[0], { name: "api", model: "http://127.0.0.1:8080", kind: "none", sigma: null, n: [], pa: [0.5], oracle: ["label"], target: "http://127.0.0.1:8080" });
  assert.deepEqual(parseConfig(config), config); // parsing a validated config changes nothing
  const grid = parseConfig(base({ name: "api", target: "https://models.example/v2", oracle: ["label", "repeat:5"], pa: [0.5, 0.8] }));
  assert.deepEqual(defensePoints(grid, new Map()).map((p) => [p.id, p.model, p.pa, p.oracle, p.sigma, p.n]), [
    ["api/pa=0.5/oracle=label", "https://models.example/v2", 0.5, "label", null, null],
    ["api/pa=0.5/oracle=repeat:5", "https://models.example/v2", 0.5, "repeat:5", null, null],
    ["api/pa=0.8/oracle=label", "https://models.example/v2", 0.8, "label", null, null],
    ["api/pa=0.8/oracle=repeat:5", "https://models.example/v2", 0.8, "repeat:5", null, null],
  ]);
});

test("defenses[].target refuses the shortcut rule, a local sigma, another model and a URL that is not http(s)", () => {
  const problems = (defense: Record<string, unknown>) => {
    try {
      parseConfig(base(defense));
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.message;
    }
    assert.fail("expected a ConfigError");
  };
  assert.match(problems({ name: "api", target: "http://h:1", oracle: ["shortcut"] }), /defenses\[0\]\.oracle\[0\]: expected "label" or "repeat:K" \(a label-only endpoint returns no vote counts, which the shortcut reads\), got "shortcut"/);
  assert.match(problems({ name: "api", target: "http://h:1", sigma: 0.25, n: 10 }), /defenses\[0\]\.sigma: not with "target" \(the endpoint applies its own defense\)/);
  assert.match(problems({ name: "api", target: "http://h:1", model: "mnist-standard" }), /defenses\[0\]\.model: not with "target"/);
  assert.match(problems({ name: "api", target: "ftp://h:1" }), /defenses\[0\]\.target/);
  assert.match(problems({ name: "api", target: "http://h:1", kind: "rs" }), /defenses\[0\]\.kind: "none" with "target"/);
});
