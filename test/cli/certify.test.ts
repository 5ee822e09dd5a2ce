import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { MODEL, writeDataset } from "./certifyData.js";
import { runCli as runCliArgs } from "./zooRun.js";

const runCli = (...args: string[]) => runCliArgs(args);

let dir = "";
let data = "";
let distances: number[] = [];

// Folder listing order: class "0" first (images 0, 1), then class "1" (images 2, 3, 4).
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "rsbench-certify-"));
  data = join(dir, "data");
  distances = await writeDataset(data, [
    { distance: -1.0, label: 0 },
    { distance: -0.4, label: 0 },
    { distance: 1.0, label: 1 },
    { distance: 0.0, label: 1 }, // on the boundary: CERTIFY abstains
    { distance: -1.0, label: 1 }, // mislabelled: certified, but wrong
  ]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("rsbench certify --json prints one object with the summary and one record per image", async () => {
  const out = join(dir, "rows.tsv");
  const run = await runCli("certify", "--model", MODEL, "--data", data, "--sigma", "0.25", "--n0", "20", "--n", "500", "--alpha", "0.01", "--out", out, "--json");
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const { summary, images } = JSON.parse(lines[0]);
  assert.equal(summary.images, 5);
  assert.equal(summary.abstain, 1);
  assert.equal(summary.cleanAccuracy, 0.6);
  assert.deepEqual(summary.certifiedAccuracy[0], { radius: 0, accuracy: 0.6 });
  assert.deepEqual(summary.certifiedAccuracy.map((a: { radius: number }) => a.radius), [0, 0.25, 0.5]); // max radius 0.25 Phi^-1(0.01^(1/500)) = 0.63
  assert.deepEqual(images.map((r: { prediction: number | null }) => r.prediction), [0, 0, 1, null, 0]);
  assert.deepEqual(images.map((r: { correct: boolean }) => r.correct), [true, true, true, false, false]);
  // A folder dataset's rows name each image's file, relative to the folder (issue 26, item 13).
  assert.deepEqual(images.map((r: { file: string }) => r.file), ["0/img0.png", "0/img1.png", "1/img2.png", "1/img3.png", "1/img4.png"]);
  images.forEach((r: { index: number; label: number; radius: number }, i: number) => {
    assert.equal(r.index, i);
    assert.equal(r.label, i < 2 ? 0 : 1);
    assert.ok(r.radius <= Math.abs(distances[i]), `image ${i}: radius ${r.radius} beyond the distance ${distances[i]}`);
  });
  assert.equal(images[3].radius, 0);
  // the rows were streamed to FILE: a header and one tab-separated line per image
  const rows = readFileSync(out, "utf8").trim().split("\n").map((l) => l.split("\t"));
  assert.deepEqual(rows[0], ["index", "file", "label", "prediction", "radius", "correct", "seconds"]);
  assert.equal(rows.length, 6);
  assert.deepEqual(rows.slice(1).map((r) => r[3]), ["0", "0", "1", "abstain", "0"]);
  assert.deepEqual(rows.slice(1).map((r) => r[1]), ["0/img0.png", "0/img1.png", "1/img2.png", "1/img3.png", "1/img4.png"]);
});

test("rsbench certify gives the same rows whatever --batch, and depends on --seed", async () => {
  const args = ["certify", "--model", MODEL, "--data", data, "--sigma", "0.5", "--n0", "10", "--n", "300", "--alpha", "0.1", "--count", "3", "--json"];
  const a = await runCli(...args, "--batch", "1000");
  const b = await runCli(...args, "--batch", "7");
  const c = await runCli(...args, "--seed", "5");
  assert.equal(a.code, 0, a.stderr);
  const strip = (run: { stdout: string }) => JSON.parse(run.stdout).images.map(({ seconds: _s, ...rest }: { seconds: number }) => rest);
  assert.deepEqual(strip(b), strip(a));
  assert.notDeepEqual(strip(c), strip(a));
});

test("rsbench certify prints a text summary with certified accuracy per radius", async () => {
  const run = await runCli("certify", "--model", MODEL, "--data", data, "--sigma", "0.25", "--n0", "10", "--n", "200", "--count", "2", "--offset", "1");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /CERTIFY on linear, .*sigma=0\.25 n0=10 n=200 alpha=0\.001 seed=0/);
  assert.match(run.stdout, /images: 2, clean accuracy \(base model\): 100\.0%, abstentions: 0/);
  assert.match(run.stdout, /^\s+0\.00\s+100\.0%$/m);
});

test("rsbench certify rejects bad parameters with a message naming them", async () => {
  const base = ["certify", "--model", MODEL, "--data", data];
  const cases: Array<[string[], RegExp]> = [
    [[...base, "--sigma", "0"], /invalid --sigma: expected a number > 0, got "0"/],
    [[...base, "--sigma", "0.25", "--n", "0"], /invalid --n: expected an integer >= 1, got "0"/],
    [[...base, "--sigma", "0.25", "--n0", "2.5"], /invalid --n0: expected an integer >= 1, got "2.5"/],
    [[...base, "--sigma", "0.25", "--alpha", "1"], /invalid --alpha: expected a number in \(0, 1\), got "1"/],
    [[...base, "--sigma", "0.25", "--batch", "0"], /invalid --batch: expected an integer >= 1, got "0"/],
    [[...base, "--sigma", "0.25", "--seed", "-1"], /invalid --seed: expected an integer >= 0/],
    [[...base, "--sigma", "0.25", "--bogus"], /unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(...args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});
