import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { buildProgram } from "../../src/cli/main.js";
import { MODEL, writeDataset } from "./certifyData.js";
import { rsbench } from "./zooRun.js";

let dir = "";
let data = "";

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "rsbench-device-cli-"));
  data = join(dir, "data");
  await writeDataset(data, [{ distance: -1.0, label: 0 }, { distance: 1.0, label: 1 }]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("every command that runs a model takes --device, cpu by default (run and demo: the config's)", () => {
  const program = buildProgram();
  const device = (name: string) => program.commands.find((c) => c.name() === name)?.options.find((o) => o.long === "--device");
  for (const name of ["attack", "certify", "predict", "evaluate", "calibrate"]) {
    assert.equal(device(name)?.defaultValue, "cpu", name);
    assert.match(device(name)!.description, /cpu or webgpu/);
  }
  for (const name of ["run", "demo"]) {
    assert.ok(device(name), name);
    assert.equal(device(name)!.defaultValue, undefined, name);
  }
  for (const name of ["models", "theory", "results"]) assert.equal(device(name), undefined, name);
});

test("rsbench predict --device cpu runs as before", async () => {
  const run = await rsbench("predict", "--model", MODEL, "--data", data, "--sigma", "0.25", "--n", "50", "--device", "cpu", "--json");
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).images.length, 2);
});

test("rsbench predict --device cuda is a usage error naming the devices", async () => {
  const run = await rsbench("predict", "--model", MODEL, "--data", data, "--sigma", "0.25", "--n", "50", "--device", "cuda");
  assert.equal(run.code, 2);
  assert.match(run.stderr, /invalid --device: expected one of cpu, webgpu, got "cuda"/);
});

// No GPU here (CI, development machines): webgpu must fail at once, non-zero, with the diagnosis.
test("rsbench certify --device webgpu without a usable GPU exits 1 with what was tried, what is missing and the fix", { skip: process.env.RSBENCH_GPU === "1" && "a GPU machine" }, async () => {
  const out = join(dir, "rows.tsv");
  const run = await rsbench("certify", "--model", MODEL, "--data", data, "--sigma", "0.25", "--n0", "10", "--n", "50", "--device", "webgpu", "--out", out);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /rsbench: error: device webgpu is not usable: tried onnxruntime-node .*webgpu execution provider .* Missing: .* To fix: .*--device cpu/);
  assert.equal(run.stdout, "");
  assert.ok(run.seconds < 30, `took ${run.seconds} s`);
});

test("rsbench run --device webgpu without a usable GPU stops at the first model load, exit 1", { skip: process.env.RSBENCH_GPU === "1" && "a GPU machine" }, async () => {
  const config = join(dir, "gpu.json");
  writeFileSync(config, JSON.stringify({
    name: "gpu-check", data: { dataset: "fashion-mnist", count: 1 }, accuracy: { dataset: "fashion-mnist", count: 2 },
    defenses: [{ name: "none", model: "fashion-mnist-standard" }], attacks: [],
  }));
  const run = await rsbench("run", config, "--out", join(dir, "run"), "--workers", "1", "--no-report", "--device", "webgpu");
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /device webgpu is not usable/);
});
