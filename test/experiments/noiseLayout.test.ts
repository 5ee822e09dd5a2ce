import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConfigError, parseConfig } from "../../src/experiments/plan/config.js";
import { configHash } from "../../src/experiments/store/runDirectory.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";
import { createEnvironment } from "./fixtureEnvironment.js";

const root = mkdtempSync(join(tmpdir(), "rsbench-noise-layout-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("config noise: \"per-draw\" is kept, \"per-point\" (the default) is dropped so that hashes made before the field stay, anything else is refused", () => {
  const parse = (extra: Record<string, unknown>) => parseConfig(tinyConfig(extra), { attacks: createEnvironment().attacks });
  assert.equal(parse({ noise: "per-draw" }).noise, "per-draw");
  assert.equal("noise" in parse({ noise: "per-point" }), false);
  assert.equal(configHash(parse({ noise: "per-point" })), configHash(parse({})));
  assert.notEqual(configHash(parse({ noise: "per-draw" })), configHash(parse({})));
  assert.throws(() => parse({ noise: "per-image" }), (e: Error) => e instanceof ConfigError && /noise: expected one of "per-point", "per-draw", got "per-image"|noise.*per-point.*per-draw.*per-image/.test(e.message));
});

test("config noise \"per-draw\" reaches every smoothed classifier of the run: the records of smoothed items change, the others do not", { timeout: 300_000 }, async () => {
  const records = async (name: string, extra: Record<string, unknown>) => {
    const out = join(root, name);
    await runExperiment(tinyConfig({ name, ...extra }) as never, { out, workers: 1, environment: FIXTURE_ENVIRONMENT });
    const byKey = new Map<string, string>();
    for (const line of readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n")) {
      const { seconds: _s, ...rest } = JSON.parse(line) as Record<string, unknown>;
      byKey.set(rest.key as string, JSON.stringify(rest));
    }
    return byKey;
  };
  const point = await records("per-point", {});
  const draw = await records("per-draw", { noise: "per-draw" });
  assert.deepEqual([...draw.keys()].sort(), [...point.keys()].sort());
  const changed = [...point.keys()].filter((k) => point.get(k) !== draw.get(k));
  const kinds = (keys: string[]) => [...new Set(keys.map((k) => k.split("/")[0]))].sort();
  // Calibration, certification, smoothed accuracy, attacks on RS and Fig. 1 all draw noise.
  assert.deepEqual(kinds(changed), ["accuracy", "attack", "calibration", "certification", "figure"]);
  assert.ok(changed.every((k) => !k.startsWith("attack/none/") && k !== "accuracy/none"), changed.join(", "));
});
