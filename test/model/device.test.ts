import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DeviceError, deviceSessionOptions, ModelError, noiseThreadsFor, OnnxClassifier, parseDevice, probeVulkan } from "../../src/model/index.js";
import { deviceUnavailable } from "../../src/model/device.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "rsbench-device-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("parseDevice accepts cpu and webgpu and names the choices otherwise", () => {
  assert.equal(parseDevice("cpu"), "cpu");
  assert.equal(parseDevice("webgpu"), "webgpu");
  assert.throws(() => parseDevice("cuda"), /invalid device: expected one of cpu, webgpu, got "cuda"/);
  assert.throws(() => parseDevice(undefined, "--device"), /invalid --device: expected one of cpu, webgpu, got undefined/);
});

test("deviceSessionOptions maps each device to its onnxruntime execution provider", () => {
  assert.deepEqual(deviceSessionOptions("cpu"), { executionProviders: ["cpu"] });
  assert.deepEqual(deviceSessionOptions("webgpu"), { executionProviders: [{ name: "webgpu" }] });
});

test("noiseThreadsFor: none on the cpu, all cores but one (at least one) off it", () => {
  assert.equal(noiseThreadsFor("cpu", 16), 0);
  assert.equal(noiseThreadsFor("webgpu", 16), 15);
  assert.equal(noiseThreadsFor("webgpu", 1), 1);
});

test("noiseThreadsFor with K workers sharing the machine: the spare cores shared out, floor((cores - K) / K) each (at least 1), not cores - 1 each", () => {
  assert.equal(noiseThreadsFor("webgpu", 16, 1), 15);
  assert.equal(noiseThreadsFor("webgpu", 16, 4), 3);
  assert.equal(noiseThreadsFor("webgpu", 16, 5), 2);
  assert.equal(noiseThreadsFor("webgpu", 2, 2), 1);
  assert.equal(noiseThreadsFor("cpu", 16, 4), 0);
  assert.throws(() => noiseThreadsFor("webgpu", 16, 0), /invalid sharing: expected an integer >= 1, got 0/);
});

test("probeVulkan finds the loader through LD_LIBRARY_PATH and the drivers through VK_ICD_FILENAMES", () => {
  const lib = join(dir, "lib");
  mkdirSync(lib);
  writeFileSync(join(lib, "libvulkan.so.1"), "");
  const icd = join(dir, "nvidia_icd.json");
  writeFileSync(icd, "{}");
  const probe = probeVulkan({ LD_LIBRARY_PATH: `/nonexistent:${lib}`, VK_ICD_FILENAMES: `${icd}:/nonexistent/icd.json` });
  assert.equal(probe.loader, join(lib, "libvulkan.so.1"));
  assert.deepEqual(probe.drivers, [icd]);
});

test("deviceUnavailable says what was tried, what is missing and how to fix it", () => {
  const reason = "Failed to get a WebGPU adapter: No supported adapters";
  const noLoader = deviceUnavailable("webgpu", "m.onnx", reason, { loader: null, drivers: [] });
  assert.ok(noLoader instanceof DeviceError);
  assert.match(noLoader.message, /^device webgpu is not usable: tried onnxruntime-node \d+\.\d+\.\d+'s webgpu execution provider on "m\.onnx", and it failed to start \(Failed to get a WebGPU adapter: No supported adapters\)\. Missing: no Vulkan loader \(libvulkan\.so\.1/);
  assert.match(noLoader.message, /To fix: .*apt-get install libvulkan1.*or pass --device cpu\. rsbench never falls back to another device by itself\.$/);
  const noDriver = deviceUnavailable("webgpu", "m.onnx", reason, { loader: "/usr/lib/libvulkan.so.1", drivers: [] });
  assert.match(noDriver.message, /Missing: no Vulkan driver \(the loader is \/usr\/lib\/libvulkan\.so\.1, but no driver manifest/);
  const software = deviceUnavailable("webgpu", "m.onnx", reason, { loader: "/usr/lib/libvulkan.so.1", drivers: ["/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"] });
  assert.match(software.message, /Missing: a GPU adapter that Dawn accepts \(the Vulkan drivers found, \/usr\/share\/vulkan\/icd\.d\/lvp_icd\.x86_64\.json, offered none; software Vulkan such as lavapipe/);
});

test("load on the cpu device gives the same model as the default", async () => {
  const model = await OnnxClassifier.load(fixture("linear.onnx"), { device: "cpu" });
  assert.equal(model.numClasses, 2);
  assert.equal(model.device, "cpu");
  assert.equal(model.noiseThreads, 0);
  const inWorker = await OnnxClassifier.load(fixture("linear.onnx"), { worker: true });
  assert.equal(inWorker.device, "cpu");
  await inWorker.dispose();
  await model.dispose();
  await assert.rejects(OnnxClassifier.load(fixture("linear.onnx"), { device: "cuda" as never }), /invalid device: expected one of cpu, webgpu, got "cuda"/);
});

// CI and this project's development machines have no GPU: there the WebGPU provider cannot start,
// and load must fail at once with a DeviceError. On a machine with a usable GPU it must load and agree.
test("load on webgpu fails at once with a DeviceError without a usable GPU, and never falls back to the CPU", { timeout: 30_000 }, async () => {
  const started = performance.now();
  let model: OnnxClassifier | null = null;
  try {
    model = await OnnxClassifier.load(fixture("linear.onnx"), { device: "webgpu" });
  } catch (error) {
    assert.ok(error instanceof DeviceError, `expected a DeviceError, got ${String(error)}`);
    assert.match(error.message, /^device webgpu is not usable: tried onnxruntime-node .* on ".*linear\.onnx", and it failed to start \(.+\)\. Missing: .+\. To fix: .+--device cpu/);
    assert.ok(performance.now() - started < 20_000, "the failure should be immediate, not a retry loop");
    return;
  }
  const cpu = await OnnxClassifier.load(fixture("linear.onnx"));
  const x = new Float32Array(20 * 64).map((_, i) => (i * 0.37) % 1);
  assert.deepEqual(await model.predict(x, 20), await cpu.predict(x, 20));
  await Promise.all([model.dispose(), cpu.dispose()]);
});

test("a file that is not a model is a ModelError on webgpu too, not a device problem", async () => {
  await assert.rejects(OnnxClassifier.load(fixture("not_a_model.onnx"), { device: "webgpu" }), (error: unknown) => {
    assert.ok(error instanceof ModelError, `expected a ModelError, got ${String(error)}`);
    assert.match((error as Error).message, /^not an ONNX model: expected a valid ONNX file at/);
    return true;
  });
});
