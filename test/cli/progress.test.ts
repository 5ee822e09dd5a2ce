/**
 * Long commands say where they are (issue 26 item 12): on a terminal one redrawn line with the rate
 * and the ETA; in a log a line at the start, every 30 s (inside a long image too) and at the end.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { roughDuration } from "../../src/cli/output.js";
import { formatRate, logInterval, progressRenderer } from "../../src/cli/progress.js";
import { progressReporter } from "../../src/cli/commands/run.js";
import type { RunProgress } from "../../src/experiments/execute/runner.js";
import { LINEAR_ONNX, makeFolder } from "../experiments/folderFixture.js";
import { json, runCli } from "./zooRun.js";

let dir = "";
before(() => { dir = mkdtempSync(join(tmpdir(), "rsbench-progress-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

test("roughDuration: seconds, minutes, hours", () => {
  assert.deepEqual([roughDuration(44.6), roughDuration(725), roughDuration(2 * 3600 + 190)], ["45 s", "12 min 5 s", "2 h 3 min"]);
});

test("certify and predict write a progress line at the start and at the end on a non-terminal stderr", async () => {
  const folder = await makeFolder(join(dir, "images"), ["0-neg", "1-pos"], 2);
  for (const command of ["certify", "predict"]) {
    const run = await runCli([command, "--model", LINEAR_ONNX, "--data", folder, "--sigma", "0.25", "--n", "20", "--count", "3"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`^${command}: 0/3 images started$`, "m"));
    assert.match(run.stderr, new RegExp(`^${command}: 3/3 images .*correct`, "m"));
  }
});

/** A fake stderr: what was written, and whether it is a terminal. */
function fakeStream(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return { stream: { isTTY, columns, write: (text: string) => writes.push(text) }, writes };
}

test("formatRate: per second at one or more, seconds per item below", () => {
  assert.deepEqual([formatRate(1667, "draws"), formatRate(12.5, "images"), formatRate(0.05, "images"), formatRate(0, "items")], ["1667 draws/s", "12.5 images/s", "20.0 s/image", "- items/s"]);
  assert.equal(formatRate(0.5, "queries"), "2.00 s/query");
});

test("on a terminal: one line redrawn with \\r (at most every 250 ms), the draws of the image in progress, rate and ETA; cleared at the end", () => {
  const { stream, writes } = fakeStream(true, 200);
  let now = 0;
  const bar = progressRenderer("certify", { stream, now: () => now, interval: 30 });
  bar.update(0, 4);
  assert.deepEqual(writes, ["\rcertify [--------------------] 0/4 images | ETA ?\x1b[K"]);
  now = 100;
  bar.within(100, 1000); // 100 ms after the last redraw: throttled
  assert.equal(writes.length, 1);
  now = 10_000;
  bar.within(500, 1000); // half an image in 10 s: 50 draws/s, 3.5 images left at 20 s each; the bar at 2.5 of 20
  assert.equal(writes[1], "\rcertify [###-----------------] 0/4 images | 500/1000 draws | 50.0 draws/s | ETA 1 min 10 s\x1b[K");
  now = 20_000;
  bar.update(1, 4, "certified correct 1/1");
  assert.equal(writes[2], "\rcertify [#####---------------] 1/4 images | 20.0 s/image | ETA 1 min 0 s | certified correct 1/1\x1b[K");
  now = 30_000;
  bar.tick(); // no news for 10 s: the ETA counts down from the same rate
  assert.equal(writes[3], "\rcertify [#####---------------] 1/4 images | 30.0 s/image | ETA 1 min 30 s | certified correct 1/1\x1b[K");
  bar.stop();
  assert.equal(writes[4], "\r\x1b[K");
  bar.update(2, 4);
  bar.stop();
  assert.equal(writes.length, 5, "nothing after stop");
});

test("on a terminal: a caller's ETA (rsbench run's) counts down between its updates; the line fits the terminal's width", () => {
  const { stream, writes } = fakeStream(true, 40);
  let now = 0;
  const bar = progressRenderer("run tiny", { stream, now: () => now, unit: "items" });
  bar.update(3, 10, "", 100);
  now = 40_000;
  bar.tick();
  assert.deepEqual(writes.map((w) => w.length <= 1 + 39 + 3), [true, true]);
  assert.equal(writes[0], "\rrun tiny [######--------------] 3/10 it\x1b[K"); // 39 characters
  const wide = fakeStream(true);
  now = 0;
  const full = progressRenderer("run tiny", { stream: wide.stream, now: () => now, unit: "items" });
  full.update(3, 10, "3 from earlier sessions", 100);
  now = 40_000;
  full.tick();
  assert.equal(wide.writes[1], "\rrun tiny [######--------------] 3/10 items | ETA 1 min 0 s | 3 from earlier sessions\x1b[K");
});

test("off a terminal: a line at the start, then at most one per interval, inside a long image too, and one at the end", () => {
  const { stream, writes } = fakeStream(false);
  let now = 0;
  const bar = progressRenderer("certify", { stream, now: () => now, interval: 30 });
  now = 31_000;
  bar.tick(); // before the first update: nothing to say
  now = 0;
  bar.update(0, 40);
  now = 10_000;
  bar.within(20_000, 100_000); // 10 s after the first line: not yet
  now = 45_000;
  bar.within(45_000, 100_000);
  now = 50_000;
  bar.within(50_000, 100_000); // 5 s after the last line: not yet
  now = 100_000;
  bar.update(1, 40, "certified correct 1/1"); // 55 s after the last line
  now = 110_000;
  bar.tick(); // 10 s: not yet
  now = 131_000;
  bar.tick();
  now = 140_000;
  bar.update(40, 40, "certified correct 30/40");
  now = 200_000;
  bar.tick(); // the last line is written once
  bar.stop();
  assert.deepEqual(writes, [
    "certify: 0/40 images started\n",
    "certify: image 1/40: 45000/100000 draws | 1000 draws/s | ETA 1 h 5 min\n",
    "certify: 1/40 images | 100 s/image | elapsed 1 min 40 s | ETA 1 h 5 min | certified correct 1/1\n",
    "certify: 1/40 images | 131 s/image | elapsed 2 min 11 s | ETA 1 h 25 min | certified correct 1/1\n",
    "certify: 40/40 images done in 2 min 20 s | 3.50 s/image | certified correct 30/40\n",
  ]);
});

test("inside an attacked image the line counts queries (within's unit), on a terminal and off it", () => {
  const off = fakeStream(false);
  let now = 0;
  const log = progressRenderer("attack psj", { stream: off.stream, now: () => now, interval: 30 });
  log.update(0, 4);
  now = 40_000;
  log.within(1000, 2000, "queries"); // half an image in 40 s: 80 s per image, 3.5 images left = 280 s
  assert.deepEqual(off.writes, ["attack psj: 0/4 images started\n", "attack psj: image 1/4: 1000/2000 queries | 25.0 queries/s | ETA 4 min 40 s\n"]);
  const tty = fakeStream(true);
  now = 0;
  const bar = progressRenderer("attack psj", { stream: tty.stream, now: () => now });
  bar.update(0, 4);
  now = 40_000;
  bar.within(1000, 2000, "queries");
  // The bar: 20 x 0.5 / 4 = 2.5 cells, rounded to 3.
  assert.match(tty.writes[tty.writes.length - 1], /^\rattack psj \[###-{17}\] 0\/4 images \| 1000\/2000 queries \| 25\.0 queries\/s \| ETA 4 min 40 s\x1b\[K$/);
});

test("rsbench run's reporter: the oldest item in flight is shown with its queries or draws; when it is stored the next one takes its place, then none", () => {
  const { stream, writes } = fakeStream(false);
  let now = 0;
  const reporter = progressReporter("run x", false, progressRenderer("run x", { stream, now: () => now, unit: "items", interval: 0 }));
  const stored = (done: number, key: string | null, etaSeconds: number | null): RunProgress => ({ phase: "items", done, total: 4, resumed: 0, elapsedSeconds: now / 1000, etaSeconds, key });
  reporter.onProgress(stored(0, null, null));
  now = 1000;
  reporter.onWithin("a", 10, 100, "queries");
  now = 2000;
  reporter.onWithin("b", 500, 1000, "draws"); // a second worker's item: not shown while a is in flight
  now = 3000;
  reporter.onWithin("a", 30, 100, "queries"); // 20 queries in the 2 s since a was first shown
  now = 4000;
  reporter.onProgress(stored(1, "a", 30)); // a is stored: b (500 draws so far) takes its place
  now = 5000;
  reporter.onWithin("b", 700, 1000, "draws"); // 200 draws in the 1 s since b was first shown
  now = 6000;
  reporter.onProgress(stored(2, "b", 20));
  now = 7000;
  reporter.stop();
  assert.deepEqual(writes, [
    "run x: 0/4 items started\n",
    "run x: item 1/4: 10/100 queries | ETA ?\n",
    "run x: item 1/4: 30/100 queries | 10.0 queries/s | ETA ?\n",
    "run x: 1/4 items | 4.00 s/item | elapsed 4 s | ETA 30 s\n",
    "run x: item 2/4: 500/1000 draws | 4.00 s/item | ETA 30 s\n",
    "run x: item 2/4: 700/1000 draws | 200 draws/s | ETA 29 s\n",
    "run x: 2/4 items | 3.00 s/item | elapsed 6 s | ETA 20 s\n",
  ]);
  // On a terminal: once the last item in flight is stored, the line has no in-item part.
  const tty = fakeStream(true);
  now = 0;
  const line = progressReporter("run x", false, progressRenderer("run x", { stream: tty.stream, now: () => now, unit: "items" }));
  line.onProgress(stored(0, null, null));
  now = 1000;
  line.onWithin("a", 10, 100, "queries");
  assert.match(tty.writes.at(-1)!, /\| 10\/100 queries \|/);
  now = 2000;
  line.onProgress(stored(1, "a", 30));
  assert.equal(tty.writes.at(-1), "\rrun x [#####---------------] 1/4 items | 2.00 s/item | ETA 30 s\x1b[K");
});

test("quiet, or off a terminal without an interval: nothing at all", () => {
  for (const [tty, options] of [[true, { quiet: true }], [false, { quiet: true, interval: 30 }], [false, {}]] as const) {
    const { stream, writes } = fakeStream(tty);
    const bar = progressRenderer("predict", { stream, ...options });
    bar.update(0, 2);
    bar.within(5, 10);
    bar.update(2, 2);
    bar.tick();
    bar.stop();
    assert.deepEqual(writes, []);
  }
});

test("RSBENCH_PROGRESS_INTERVAL sets the log interval (seconds > 0); a bad value is a usage error naming it", () => {
  assert.equal(logInterval(30, {}), 30);
  assert.equal(logInterval(30, { RSBENCH_PROGRESS_INTERVAL: "0.5" }), 0.5);
  assert.throws(() => logInterval(30, { RSBENCH_PROGRESS_INTERVAL: "0" }), /invalid RSBENCH_PROGRESS_INTERVAL: expected a number of seconds > 0, got "0"/);
});

test("certify and predict off a terminal: a line inside each long image with RSBENCH_PROGRESS_INTERVAL; stdout stays the JSON; --quiet writes no progress", async () => {
  const folder = await makeFolder(join(dir, "long"), ["0-neg", "1-pos"], 1);
  const env = { ...process.env, RSBENCH_PROGRESS_INTERVAL: "0.000001" };
  for (const command of ["certify", "predict"]) {
    const args = [command, "--model", LINEAR_ONNX, "--data", folder, "--sigma", "0.25", "--n", "3000", "--batch", "500", "--count", "2", "--json"];
    const run = await runCli(args, { env });
    const out = json(run);
    assert.equal(out.images.length, 2);
    const total = command === "certify" ? 3100 : 3000;
    assert.match(run.stderr, new RegExp(`^${command}: image 1/2: 1${command === "certify" ? 6 : 5}00/${total} draws \\| [0-9.]+ (draws/s|s/draw) \\| ETA `, "m"));
    assert.match(run.stderr, new RegExp(`^${command}: image 2/2: \\d+/${total} draws`, "m"));
    assert.match(run.stderr, new RegExp(`^${command}: 2/2 images done in `, "m"));
    const quiet = await runCli([...args, "--quiet"], { env });
    const timeless = (images: Array<{ seconds: number }>) => images.map(({ seconds: _s, ...rest }) => rest);
    assert.deepEqual(timeless(json(quiet).images), timeless(out.images));
    assert.equal(quiet.stderr, "");
  }
});

test("attack off a terminal: a line inside the attacked image counts the oracle's queries of the budget; --quiet writes none", async () => {
  const folder = await makeFolder(join(dir, "attack"), ["0-neg", "1-pos"], 1);
  const env = { ...process.env, RSBENCH_PROGRESS_INTERVAL: "0.000001" };
  const args = ["attack", "--model", LINEAR_ONNX, "--data", folder, "--attack", "hsja", "--queries", "300", "--count", "1", "--json"];
  const run = await runCli(args, { env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^attack hsja: image 1\/1: \d+\/300 queries \| /m);
  assert.match(run.stderr, /^attack hsja: 1\/1 images done in /m);
  const quiet = await runCli([...args, "--quiet"], { env });
  assert.equal(quiet.stderr, "");
});
