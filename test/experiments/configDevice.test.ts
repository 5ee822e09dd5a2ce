import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseConfig } from "../../src/experiments/plan/config.js";
import { configHash } from "../../src/experiments/store/runDirectory.js";
import { tinyConfig } from "./tinyConfig.js";

test("config device: absent and \"cpu\" are the same experiment, with the hash of configs written before the field", () => {
  const before = parseConfig(tinyConfig());
  assert.equal("device" in before, false);
  const cpu = parseConfig(tinyConfig({ device: "cpu" }));
  assert.equal("device" in cpu, false);
  assert.equal(configHash(cpu), configHash(before));
});

test("config device: webgpu is kept, survives re-parsing and is another experiment (another hash)", () => {
  const gpu = parseConfig(tinyConfig({ device: "webgpu" }));
  assert.equal(gpu.device, "webgpu");
  assert.deepEqual(parseConfig(gpu), gpu);
  assert.notEqual(configHash(gpu), configHash(parseConfig(tinyConfig())));
});

test("config device: anything else names the field and the choices", () => {
  assert.throws(() => parseConfig(tinyConfig({ device: "cuda" })), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /device: expected one of "cpu", "webgpu", got "cuda"/);
    return true;
  });
});
