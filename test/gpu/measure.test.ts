import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { measure, parseMeasureArgs } from "../../scripts/gpu/measure.js";
import { summary } from "../../scripts/gpu/summary.js";

// The GPU measurement must only have to be run on the GPU machine: every phase is exercised
// here on the CPU provider with the shipped 28x28 model and tiny settings.
const MODEL = fileURLToPath(new URL("../../models/fashion-mnist-standard.onnx", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "rsbench-gpu-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const quiet = () => {};

test("measure runs every phase on the cpu device and writes the report after each", { timeout: 120_000 }, async () => {
  const out = join(dir, "node.json");
  const options = parseMeasureArgs(["--model", MODEL, "--device", "cpu", "--batches", "8,16", "--seconds", "0.05", "--rounds", "1", "--queries", "60", "--n", "3", "--agreement-images", "8", "--noise-threads", "2", "--out", out], quiet);
  const report = await measure(options);
  for (const phase of ["environment", "load", "throughput", "hsja", "agreement"]) {
    assert.ok(report[phase] && !("error" in (report[phase] as object)), `${phase}: ${JSON.stringify(report[phase])}`);
  }
  const rows = (report.throughput as { rows: Array<Record<string, number>> }).rows;
  assert.deepEqual(rows.map((r) => r.batch), [8, 16]);
  for (const r of rows) assert.ok(r.rawImagesPerSecond > 0 && r.smoothedPerDrawThreadedPerSecond > 0 && Number.isFinite(r.ratioThreaded));
  assert.ok(rows[1].ratioInline > 0 && rows[0].ratioInline === undefined, "the inline case runs at the largest batch only");
  const hsja = report.hsja as Record<string, number>;
  assert.ok(hsja.queries <= 60 && hsja.queries > 0);
  assert.ok(hsja.forwardPasses <= 3 * hsja.queries && hsja.forwardPasses >= hsja.queries);
  // The CPU provider against itself: identical logits.
  assert.deepEqual({ ...(report.agreement as object), seconds: 0 }, { images: 8, agree: 8, agreement: 1, maxAbsDiff: 0, maxRelDiff: 0, seconds: 0 });
  assert.deepEqual(JSON.parse(readFileSync(out, "utf8")).hsja, JSON.parse(JSON.stringify(report.hsja)));
  const lines = summary(null, JSON.parse(readFileSync(out, "utf8")));
  assert.equal(lines[0], "PyTorch: no results (torch.json missing)");
  assert.ok(lines.some((l) => /^16 \| \d+ \| \d+ \| \d+\.\d{3} \| \d+\.\d{3} \| - \| - \| - \| -$/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("agreement with the CPU provider, ResNet-50, seeded images: 8/8 labels")));
});

test("measure on webgpu without a usable GPU records the DeviceError and measures nothing else", { skip: process.env.RSBENCH_GPU === "1" && "a GPU machine", timeout: 60_000 }, async () => {
  const report = await measure(parseMeasureArgs(["--model", MODEL, "--device", "webgpu"], quiet));
  assert.match(String((report.load as { error: string }).error), /^DeviceError: device webgpu is not usable: .* Missing: .* To fix: /);
  assert.equal(report.throughput, undefined);
  assert.ok(summary(null, JSON.parse(JSON.stringify(report))).some((l) => l.startsWith("load: FAILED DeviceError: device webgpu is not usable")));
});

test("parseMeasureArgs names a bad flag and its value", () => {
  assert.throws(() => parseMeasureArgs([], quiet), /missing --model: expected the path of an ONNX model/);
  assert.throws(() => parseMeasureArgs(["--model", "m.onnx", "--batches", "64,0"], quiet), /invalid --batches: expected an integer > 0, got "0"/);
  assert.throws(() => parseMeasureArgs(["--model", "m.onnx", "--device", "cuda"], quiet), /invalid --device: expected one of cpu, webgpu, got "cuda"/);
});
