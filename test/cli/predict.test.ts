import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { MODEL, writeDataset } from "./certifyData.js";
import { runCli as runCliArgs } from "./zooRun.js";

const runCli = (...args: string[]) => runCliArgs(args);
import { rsbench } from "./zooRun.js";

let dir = "";
let data = "";

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "rsbench-predict-"));
  data = join(dir, "data");
  await writeDataset(data, [
    { distance: -1.0, label: 0 },
    { distance: 1.0, label: 1 },
    { distance: 0.0, label: 1 }, // on the boundary: PREDICT abstains
  ]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("rsbench predict --json predicts far images and abstains on the boundary", async () => {
  const out = join(dir, "rows.jsonl");
  const run = await rsbench("predict", "--model", MODEL, "--data", data, "--sigma", "0.25", "--n", "400", "--alpha", "0.001", "--out", out, "--json");
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const { summary, images } = JSON.parse(lines[0]);
  assert.equal(summary.images, 3);
  assert.equal(summary.abstain, 1);
  assert.ok(Math.abs(summary.accuracy - 2 / 3) < 1e-12);
  assert.equal(summary.forwardPasses, 1200);
  assert.deepEqual(images.map((r: { prediction: number | null }) => r.prediction), [0, 1, null]);
  assert.deepEqual(images.map((r: { correct: boolean }) => r.correct), [true, true, false]);
  // A folder dataset's rows name each image's file, relative to the folder (issue 26, item 13).
  assert.deepEqual(images.map((r: { file: string }) => r.file), ["0/img0.png", "1/img1.png", "1/img2.png"]);
  assert.ok(images[0].pValue < 1e-10 && images[2].pValue > 0.001);
  // JSON lines for a .jsonl FILE, one per image, in order
  const rows = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((r) => r.prediction), [0, 1, null]);
});

test("rsbench predict prints a text summary", async () => {
  const run = await runCli("predict", "--model", MODEL, "--data", data, "--sigma", "0.25", "--n", "100", "--count", "2");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /PREDICT on .*sigma=0\.25 n=100 alpha=0\.001 seed=0/);
  assert.match(run.stdout, /images: 2, accuracy: 100\.0%, abstentions: 0/);
});

test("rsbench predict rejects bad parameters with a message naming them", async () => {
  const base = ["predict", "--model", MODEL, "--data", data];
  const cases: Array<[string[], RegExp]> = [
    [[...base, "--sigma", "-0.5", "--n", "10"], /invalid --sigma: expected a number > 0, got "-0.5"/],
    [[...base, "--sigma", "0.5", "--n", "0"], /invalid --n: expected an integer >= 1, got "0"/],
    [[...base, "--sigma", "0.5", "--n", "10", "--alpha", "0"], /invalid --alpha: expected a number in \(0, 1\), got "0"/],
    [[...base, "--sigma", "0.5", "--n", "10", "--count", "0"], /invalid --count: expected an integer >= 1, got "0"/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(...args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
  const missing = await runCli("predict", "--model", MODEL, "--data", data, "--sigma", "0.5");
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /--n/);
});

test("rsbench predict rejects images of another shape unless --resize is given", async () => {
  const other = join(dir, "rgb");
  for (const label of ["0", "1"]) {
    mkdirSync(join(other, label), { recursive: true });
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toFile(join(other, label, "a.png"));
  }
  const refused = await runCli("predict", "--model", MODEL, "--data", other, "--sigma", "0.25", "--n", "20");
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /has shape 3x16x16 but 1x8x8 is expected/);
  const ok = await runCli("predict", "--model", MODEL, "--data", other, "--sigma", "0.25", "--n", "20", "--resize", "--json");
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).summary.images, 2);
});
