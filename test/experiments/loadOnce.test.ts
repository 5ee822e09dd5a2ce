import assert from "node:assert/strict";
import { test } from "node:test";
import type { LabeledImages } from "../../src/data/types.js";
import type { DataConfig } from "../../src/experiments/plan/config.js";
import { fingerprintInputs, withLoadedData } from "../../src/experiments/store/fingerprint.js";
import { createEnvironment } from "../../src/experiments/execute/shipped.js";

test("the shipped fingerprintData reads a built-in selection through the loader it is given (the images the pre-run check loaded), with the same fingerprint", async () => {
  const environment = createEnvironment();
  const data: DataConfig = { dataset: "fashion-mnist", count: 5 } as DataConfig;
  const calls: DataConfig[] = [];
  const load = (d: DataConfig) => { calls.push(d); return environment.loadData(d); };
  const given = await environment.fingerprintData!(data, load);
  assert.equal(calls.length, 1, "the loader was not used: the images were loaded a second time");
  assert.deepEqual(given, await environment.fingerprintData!(data));
});

test("withLoadedData loads each data config once (by value), keeps apart different ones, and does not keep a failure", async () => {
  let loads = 0, fail = true;
  const base = {
    async loadData(d: DataConfig): Promise<LabeledImages> {
      loads++;
      if (d.dataset === "flaky" && fail) { fail = false; throw new Error("not yet"); }
      return { source: d.dataset, count: 0 } as unknown as LabeledImages;
    },
  };
  const env = withLoadedData(base);
  const a = await env.loadData({ dataset: "x", count: 3 } as DataConfig);
  assert.equal(await env.loadData({ count: 3, dataset: "x" } as DataConfig), a);
  assert.equal(loads, 1);
  await env.loadData({ dataset: "x", count: 4 } as DataConfig);
  assert.equal(loads, 2);
  await assert.rejects(env.loadData({ dataset: "flaky" } as DataConfig), /not yet/);
  await env.loadData({ dataset: "flaky" } as DataConfig);
  assert.equal(loads, 4);
});

test("fingerprintInputs on withLoadedData(shipped): every selection of a config is loaded once, checks and fingerprints together", async () => {
  const shipped = createEnvironment();
  let loads = 0;
  const counting = { ...shipped, loadData: (d: DataConfig) => { loads++; return shipped.loadData(d); } };
  const env = withLoadedData(counting);
  const config = { data: { dataset: "fashion-mnist", count: 3 }, accuracy: { dataset: "fashion-mnist", count: 7 }, defenses: [], attacks: [] };
  // What resolveInputs loads first, then the fingerprints.
  await env.loadData(config.data as DataConfig);
  await env.loadData(config.accuracy as DataConfig);
  const inputs = await fingerprintInputs(config as never, env);
  assert.deepEqual(Object.keys(inputs.data).sort(), ["accuracy", "data"]);
  assert.equal(loads, 2);
});

test("ExecutionContext tells the environment how many workers load models (the noise-thread hint off the CPU is shared out among them)", async () => {
  const { ExecutionContext } = await import("../../src/experiments/execute/execute.js");
  const seen: unknown[] = [];
  const environment = { loadModel: async (_name: string, options: unknown) => { seen.push(options); return {} as never; } };
  await new ExecutionContext(environment as never, { device: "webgpu", defenses: [] } as never, 1, undefined, 4).model("m");
  await new ExecutionContext(environment as never, { defenses: [] } as never, 2).model("m");
  assert.deepEqual(seen, [{ threads: 1, device: "webgpu", workers: 4 }, { threads: 2, device: "cpu", workers: 1 }]);
});

test("a run with one worker loads each model once: the pre-run check's session runs the items", { timeout: 300_000 }, async () => {
  const { runExperiment } = await import("../../src/experiments/execute/runner.js");
  const { FIXTURE_ENVIRONMENT, tinyConfig } = await import("./tinyConfig.js");
  const { MODEL_LOADS } = await import("./fixtureEnvironment.js");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const out = mkdtempSync(join(tmpdir(), "rsbench-load-once-"));
  try {
    MODEL_LOADS.clear();
    const config = tinyConfig({ name: "load-once", defenses: [{ name: "none", model: "linear" }, { name: "rs-0.3", model: "linear", sigma: 0.3, n: 5 }], certification: null, figures: { include: [] } });
    const summary = await runExperiment(config as never, { out, workers: 1, environment: FIXTURE_ENVIRONMENT });
    assert.ok(summary.executed > 0);
    assert.deepEqual([...MODEL_LOADS], [["linear", 1]]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
