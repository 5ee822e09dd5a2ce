import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { UsageError } from "../../src/cli/args.js";
import { resolveConfig, type AttackFlags } from "../../src/cli/commands/attack.js";
import { rsbench } from "./zooRun.js";

const MODEL = fileURLToPath(new URL("../fixtures/linear.onnx", import.meta.url));
const LINEAR = JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/linear.json", import.meta.url)), "utf8")) as { w: number[]; b: number };

let dir = "";
let data = "";

/** Score w.x + b of the fixture model (class 1 iff > 0) on 8-bit pixels. */
function score(pixels: Uint8Array): number {
  let s = LINEAR.b;
  for (let j = 0; j < pixels.length; j++) s += LINEAR.w[j] * (pixels[j] / 255);
  return s;
}

/**
 * A folder dataset of 8x8 grey images for the linear fixture model: class folders "0" and "1",
 * three images each; the last image of "1" is really of class 0 (the misclassified one).
 */
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "rsbench-attack-"));
  data = join(dir, "data");
  const wanted = [0, 0, 0, 1, 1, 0];
  let made = 0;
  for (let k = 0; made < wanted.length; k++) {
    const pixels = new Uint8Array(64);
    for (let j = 0; j < 64; j++) pixels[j] = (37 * j + 101 * k + 13 * j * k) % 256;
    const s = score(pixels);
    if (Math.abs(s) < 0.5 || (s > 0 ? 1 : 0) !== wanted[made]) continue;
    const folder = join(data, made < 3 ? "0" : "1");
    mkdirSync(folder, { recursive: true });
    await sharp(Buffer.from(pixels), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace("b-w").png().toFile(join(folder, `img${made}.png`));
    made++;
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("rsbench attack --json attacks the correctly classified images and skips the others", async () => {
  const out = join(dir, "rays.jsonl");
  const run = await rsbench("attack", "--model", MODEL, "--data", data, "--attack", "rays", "--queries", "300", "--out", out, "--json");
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const { summary, images } = JSON.parse(lines[0]);
  for (const key of ["attempted", "success", "meanL2", "medianL2", "meanLinf", "medianLinf", "queries", "forwardPasses"]) {
    assert.ok(key in summary, `summary lacks ${key}`);
  }
  assert.equal(summary.images, 6);
  assert.equal(summary.attempted, 5);
  assert.deepEqual(summary.skipped, [{ image: 5, label: 1, prediction: 0 }]);
  assert.equal(summary.success, 1);
  assert.equal(summary.norm, "linf");
  assert.equal(summary.queries, 5 * 300);
  assert.equal(summary.forwardPasses, 5 * 300);
  assert.deepEqual(summary.checkpoints.map((c: { queries: number }) => c.queries), [300]);
  assert.equal(images.length, 5);
  assert.equal(summary.verify, 0, "no check of eq. (4) by default without --sigma");
  assert.equal(summary.verified, null);
  for (const image of images) {
    assert.equal(image.verification, null);
    for (const key of ["key", "image", "label", "success", "l2", "linf", "queries", "forwardPasses"]) assert.ok(key in image, `image lacks ${key}`);
    assert.equal(image.key, `attack/none/rays-linf/image=${image.image}`);
    assert.ok(image.linf > 0 && image.linf <= image.l2);
    assert.equal(image.queries, 300);
  }
  const sorted = images.map((r: { l2: number }) => r.l2).sort((a: number, b: number) => a - b);
  assert.ok(Math.abs(summary.medianL2 - sorted[2]) < 1e-12);
  // The stream file holds one record per image, skipped one included, in order.
  const streamed = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(streamed.map((r) => r.image), [0, 1, 2, 3, 4, 5]);
  // A folder dataset's records name each image's file, right after its index (issue 26, item 13).
  assert.deepEqual(streamed.map((r) => r.file), ["0/img0.png", "0/img1.png", "0/img2.png", "1/img3.png", "1/img4.png", "1/img5.png"]);
  assert.deepEqual(Object.keys(streamed[0]).slice(3, 6), ["image", "file", "label"]);
  assert.deepEqual(images.map((r: { file: string }) => r.file), ["0/img0.png", "0/img1.png", "0/img2.png", "1/img3.png", "1/img4.png"]);
  assert.equal(streamed[5].status, "misclassified");
  assert.deepEqual(streamed.slice(0, 5), images);
});

test("rsbench attack with RS: one query costs n forward passes and a record depends on the seed and the image only", async () => {
  const args = ["attack", "--model", MODEL, "--data", data, "--attack", "rays", "--queries", "40", "--sigma", "0.05", "--n", "4", "--pa", "0.5", "--seed", "3", "--json"];
  const [a, b] = await Promise.all([rsbench(...args, "--count", "2"), rsbench(...args, "--offset", "1", "--count", "1")]);
  assert.equal(a.code, 0, a.stderr);
  const first = JSON.parse(a.stdout), second = JSON.parse(b.stdout);
  assert.equal(first.summary.sigma, 0.05);
  assert.equal(first.summary.n, 4);
  for (const image of first.images) {
    // Each query draws at most n = 4 noisy copies (the oracle stops once the level-Pa answer is decided).
    assert.equal(image.queries, 40);
    assert.ok(image.forwardPasses >= 40 && image.forwardPasses <= 160, `${image.forwardPasses} passes`);
    // With --sigma the final point is checked against eq. (4) by the sequential test, at most 100 fresh calls (not counted above).
    const v = image.verification;
    assert.deepEqual(Object.keys(v), ["status", "rate", "lower", "upper", "calls"]);
    assert.ok([13, 25, 50, 100].includes(v.calls), `${v.calls} calls: a look of the schedule`);
    assert.ok(v.lower <= v.rate && v.rate <= v.upper);
    assert.equal(v.status, v.lower >= 0.5 ? "verified" : v.upper < 0.5 ? "refuted" : "undecided");
  }
  assert.equal(first.summary.verify, 100);
  assert.deepEqual([first.summary.verification, first.summary.verifyAlpha, first.summary.oracle], ["sequential", 0.05, "label"]);
  assert.equal(first.summary.verificationCalls, first.images.reduce((a: number, r: { verification: { calls: number } }) => a + r.verification.calls, 0));
  // Image 1 alone (--offset 1 --count 1) gets the same record as in the run of images 0 and 1.
  const strip = (images: Array<Record<string, unknown>>) => images.map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(first.images.map((r: { image: number }) => r.image), [0, 1]);
  assert.deepEqual(strip(second.images), strip(first.images.slice(1)));
});

test("--verify --verification estimate checks each final point against eq. (4) by a point estimate: with n = 1 the shortcut keeps lucky points that fail it", async () => {
  const args = ["attack", "--model", MODEL, "--data", data, "--attack", "hsja", "--queries", "200", "--sigma", "0.5", "--n", "1", "--oracle", "shortcut", "--verification", "estimate", "--seed", "1"];
  const [json, off, text] = await Promise.all([rsbench(...args, "--verify", "60", "--json"), rsbench(...args, "--verify", "0", "--json"), rsbench(...args, "--verify", "60")]);
  assert.equal(json.code, 0, json.stderr);
  const { summary, images } = JSON.parse(json.stdout);
  assert.equal(summary.verify, 60);
  let verified = 0;
  const l2: number[] = [];
  for (const image of images) {
    assert.equal(image.success, true);
    assert.equal(image.verification.repeats, 60);
    assert.ok(Math.abs(image.verification.rate * 60 - Math.round(image.verification.rate * 60)) < 1e-9);
    assert.equal(image.verification.verified, image.verification.rate >= 0.5);
    if (image.verification.verified) { verified++; l2.push(image.l2); }
  }
  assert.ok(verified < images.length, "some final points are not adversarial at level Pa by eq. (4)");
  assert.equal(summary.verified, verified / summary.attempted);
  assert.ok(summary.verified < summary.success);
  assert.ok(Math.abs(summary.meanL2Verified - l2.reduce((a, b) => a + b, 0) / l2.length) < 1e-12);
  assert.equal(summary.verificationCalls, 60 * summary.attempted, "the point estimate spends its 60 calls on every attacked image");
  // The check runs after the attack on its own noise: without it, the attack records are the same.
  const without = JSON.parse(off.stdout);
  assert.equal(without.summary.verified, null);
  assert.equal(without.summary.verificationCalls, null);
  const strip = (rows: Array<Record<string, unknown>>) => rows.map(({ seconds: _s, verification: _v, ...rest }) => rest);
  assert.deepEqual(strip(without.images), strip(images));
  for (const image of without.images) assert.equal(image.verification, null);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /verified at level Pa=0\.5 by eq\. \(4\) \(60 fresh votes, outside the budget\): \d+\.\d%, mean L2 /);
});

test("rsbench attack prints a text summary with the distortion at 500, 1000 and the budget", async () => {
  const run = await rsbench("attack", "--model", MODEL, "--data", data, "--attack", "rays", "--queries", "1200", "--count", "1");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /success: 100\.0%/);
  assert.match(run.stdout, /^\s+500\s/m);
  assert.match(run.stdout, /^\s+1000\s/m);
  assert.match(run.stdout, /^\s+1200\s/m);
});

test("rsbench attack --start data starts from the nearest image of another class", async () => {
  const run = await rsbench("attack", "--model", MODEL, "--data", data, "--attack", "hsja", "--queries", "100", "--count", "4", "--start", "data", "--json");
  assert.equal(run.code, 0, run.stderr);
  const { summary, images } = JSON.parse(run.stdout);
  assert.equal(summary.start, "data");
  // Images 0-2 are of class 0 and image 3 of class 1 (see the dataset above): each starts from the other class.
  assert.deepEqual(images.map((r: { image: number; start: number }) => [r.image, r.start >= 3 && r.start <= 4]), [[0, true], [1, true], [2, true], [3, false]]);
  assert.ok(images[3].start <= 2 || images[3].start === 5);
  for (const image of images) assert.equal(image.success, true);
});

test("resolveConfig names the bad flag, what it expected and what it got", () => {
  const base: AttackFlags = { model: MODEL, data, attack: "rays", queries: "2000", seed: "0" };
  const cases: Array<[Partial<AttackFlags>, RegExp]> = [
    [{ attack: "foo" }, /invalid --attack: expected one of hsja, surfree, rays, psj, got "foo"/],
    [{ attack: "rays", norm: "l2" }, /invalid --norm: expected one of linf, got "l2"/],
    [{ attack: "surfree", norm: "linf" }, /invalid --norm: expected one of l2, got "linf"/],
    [{ attack: "rays", queries: "0" }, /invalid --queries: expected an integer >= 1, got "0"/],
    [{ attack: "rays", sigma: "-1" }, /invalid --sigma: expected a number > 0, got "-1"/],
    [{ attack: "rays", n: "10" }, /invalid --n: it sets g\(sigma, n\) and needs --sigma/],
    [{ attack: "rays", sigma: "0.1", pa: "1" }, /invalid --pa: expected a number in \(0, 1\), got "1"/],
    [{ attack: "rays", sigma: "0.1", n: "2.5" }, /invalid --n: expected an integer >= 1, got "2.5"/],
    [{ attack: "rays", count: "2", sample: "2" }, /expected either --count or --sample, got both/],
    [{ attack: "rays", seed: "-3" }, /invalid --seed: expected an integer >= 0/],
    [{ attack: "hsja", start: "noise" }, /invalid --start: expected one of auto, data, own, got "noise"/],
    [{ attack: "rays", sigma: "0.1", verify: "-1" }, /invalid --verify: expected an integer >= 0, got "-1"/],
    [{ attack: "rays", verify: "10" }, /invalid --verify: it sets g\(sigma, n\) and needs --sigma/],
    [{ attack: "rays", sigma: "0.1", verify: "1.5" }, /invalid --verify: expected an integer >= 0, got "1.5"/],
    [{ attack: "hsja", options: "{\"numIteration\": 5}" }, /invalid --options\.numIteration: unknown option \(allowed: constraint, gamma, numIterations,/],
    [{ attack: "hsja", options: "{\"gamma\": \"big\"}" }, /invalid --options\.gamma: expected a number, got "big"/],
    [{ attack: "rays", options: "{\"epsilon\": -1}" }, /invalid --options: invalid RayS epsilon: expected a number >= 0, got -1/],
    [{ attack: "rays", options: "[1]" }, /invalid --options: expected a JSON object, got "\[1\]"/],
    [{ attack: "rays", defense: "a b" }, /invalid --defense: expected a name of letters, digits/],
    [{ attack: "rays", oracle: "label" }, /invalid --oracle: it sets g\(sigma, n\) and needs --sigma/],
    [{ attack: "rays", verifyAlpha: "0.1" }, /invalid --verify-alpha: it sets g\(sigma, n\) and needs --sigma/],
    [{ attack: "rays", sigma: "0.1", verification: "exact" }, /invalid --verification: expected one of estimate, sequential, got "exact"/],
    [{ attack: "rays", sigma: "0.1", verifyAlpha: "1" }, /invalid --verify-alpha: expected a number in \(0, 1\), got "1"/],
    [{ attack: "rays", sigma: "0.1", verification: "estimate", verifyAlpha: "0.1" }, /invalid --verify-alpha: only with --verification sequential/],
    [{ attack: "rays", sigma: "0.1", oracle: "votes" }, /invalid --oracle: expected "shortcut", "label" or "repeat:K" with K an integer in \[1, 1000\], got "votes"/],
    [{ attack: "rays", sigma: "0.1", oracle: "repeat:0" }, /invalid --oracle: expected .*, got "repeat:0"/],
    [{ attack: "rays", sigma: "0.1", oracle: "repeat:2.5" }, /invalid --oracle: expected .*, got "repeat:2.5"/],
    [{ attack: "rays", sigma: "0.1", oracle: "repeat:1001" }, /invalid --oracle: expected .*, got "repeat:1001"/],
    [{ attack: "rays", sigma: "0.1", verification: "estimate", harden: true }, /invalid --harden: it confirms hardened points with the sequential test, so it needs --verification sequential and --verify >= 1/],
    [{ attack: "rays", sigma: "0.1", verify: "0", harden: true }, /invalid --harden: .* needs --verification sequential and --verify >= 1/],
    [{ attack: "rays", sigma: "0.1", harden: false, hardenCalls: "10" }, /invalid --harden-calls: only with hardening/],
    [{ attack: "rays", hardenCalls: "10" }, /invalid --harden-calls: only with hardening/],
    [{ attack: "rays", sigma: "0.1", hardenCalls: "0" }, /invalid --harden-calls: expected an integer >= 1, got "0"/],
    [{ attack: "rays", sigma: "0.1", harden: false, hardenAt: "500" }, /invalid --harden-at: only with hardening/],
    [{ attack: "rays", sigma: "0.1", hardenAt: "500,2000" }, /invalid --harden-at: expected an integer in \[1, 1999\], got "2000"/],
    [{ attack: "rays", sigma: "0.1", hardenAt: "1000,500" }, /invalid --harden-at: expected budgets in ascending order, got "1000,500"/],
  ];
  for (const [flags, message] of cases) {
    assert.throws(() => resolveConfig({ ...base, ...flags }), (e: unknown) => e instanceof UsageError && message.test(e.message));
  }
  const ok = resolveConfig({ ...base, attack: "hsja", sigma: "0.25", sample: "5", seed: "9" });
  assert.deepEqual(ok, {
    model: MODEL, data, selection: { sample: 5, seed: 9, offset: undefined }, seed: 9,
    defense: { id: "rs/n=10/pa=0.5/oracle=label", name: "rs", kind: "rs", model: MODEL, sigma: 0.25, drop: null, n: 10, pa: 0.5, oracle: "label" },
    attack: { name: "hsja", norm: "l2", budget: 2000, options: {}, start: "auto", verify: 100, verification: "sequential", verifyAlpha: 0.05, harden: true, hardenCalls: 1000 },
  });
  // Hardening: on by default with --sigma and the sequential test, off otherwise; --harden without --sigma only asks for `hardened: null`.
  const hardening = (flags: Partial<AttackFlags>) => { const a = resolveConfig({ ...base, ...flags }).attack; return [a.harden, a.hardenCalls]; };
  assert.deepEqual(hardening({ sigma: "0.1", harden: false }), [undefined, undefined]);
  assert.deepEqual(hardening({ sigma: "0.1", verification: "estimate" }), [undefined, undefined]);
  assert.deepEqual(hardening({ sigma: "0.1", verify: "0" }), [undefined, undefined]);
  assert.deepEqual(hardening({ sigma: "0.1", hardenCalls: "300" }), [true, 300]);
  assert.deepEqual(hardening({}), [undefined, undefined]);
  assert.deepEqual(hardening({ harden: true }), [true, 1000]);
  assert.deepEqual(resolveConfig({ ...base, sigma: "0.1", hardenAt: "500, 1000" }).attack.hardenAt, [500, 1000]);
  assert.deepEqual(resolveConfig(base).defense, { id: "none", name: "none", kind: "none", model: MODEL, sigma: null, drop: null, n: null, pa: null });
  assert.equal(resolveConfig(base).attack.verify, 0, "no check without --sigma");
  assert.equal("verification" in resolveConfig(base).attack, false, "no test without --sigma");
  assert.equal(resolveConfig({ ...base, sigma: "0.25", verify: "0" }).attack.verify, 0);
  assert.equal(resolveConfig({ ...base, attack: "surfree", start: "data" }).attack.start, "data");
  assert.equal(resolveConfig({ ...base, sigma: "0.1", n: "4", pa: "0.8", defense: "rs-3%" }).defense.id, "rs-3%/n=4/pa=0.8/oracle=label", "label by default with --sigma");
  // The paper's shortcut names the point as a config without defenses[].oracle does.
  assert.deepEqual(resolveConfig({ ...base, sigma: "0.1", n: "4", pa: "0.8", defense: "rs-3%", oracle: "shortcut" }).defense,
    { id: "rs-3%/n=4/pa=0.8", name: "rs-3%", kind: "rs", model: MODEL, sigma: 0.1, drop: null, n: 4, pa: 0.8 });
  assert.equal(resolveConfig({ ...base, sigma: "0.1", oracle: "repeat:5" }).defense.id, "rs/n=10/pa=0.5/oracle=repeat:5");
  assert.deepEqual(resolveConfig({ ...base, attack: "hsja", options: "{\"gamma\": 2}" }).attack.options, { gamma: 2 });
});

test("rsbench attack exits with code 2 and the message on a bad flag", async () => {
  const [bad, missing] = await Promise.all([
    rsbench("attack", "--model", MODEL, "--data", data, "--attack", "rays", "--norm", "l2"),
    rsbench("attack", "--data", data, "--attack", "rays"),
  ]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /rsbench: error: invalid --norm: expected one of linf, got "l2"/);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /--model/);
});

test("rsbench attack reproduces the records of rsbench run: same key, l2, linf, queries, forward passes, verification", async () => {
  const { runExperiment } = await import("../../src/experiments/execute/runner.js");
  const { readRecords } = await import("../../src/experiments/store/store.js");
  const out = join(dir, "run");
  const config = {
    name: "parity", seed: 4,
    data: { dataset: data }, accuracy: { dataset: data },
    defenses: [
      { name: "none", model: MODEL }, { name: "rs-small", model: MODEL, sigma: 0.05, n: 4, pa: [0.5, 0.8] },
      { name: "rs-rep", model: MODEL, sigma: 0.05, n: 4, oracle: ["label", "repeat:3"] },
    ],
    attacks: [{ name: "rays", budget: 40, verify: 10 }, { name: "hsja", budget: 60, options: { gamma: 2 } }],
    figures: { include: [] },
  };
  await runExperiment(config as never, { out, workers: 1 });
  const stored = new Map(readRecords(out).map((r) => [r.key, r]));
  const strip = ({ seconds: _s, ...rest }: Record<string, unknown>) => rest;
  const cases: Array<[string, string[]]> = [
    ["attack/rs-small/n=4/pa=0.8/rays-linf/image=1", ["--attack", "rays", "--queries", "40", "--verify", "10", "--verification", "estimate", "--sigma", "0.05", "--n", "4", "--pa", "0.8", "--oracle", "shortcut", "--defense", "rs-small", "--offset", "1"]],
    ["attack/rs-small/n=4/pa=0.5/hsja-l2/image=2", ["--attack", "hsja", "--queries", "60", "--options", '{"gamma": 2}', "--verify", "0", "--sigma", "0.05", "--n", "4", "--oracle", "shortcut", "--defense", "rs-small", "--offset", "2"]],
    ["attack/rs-rep/n=4/pa=0.5/oracle=repeat:3/rays-linf/image=1", ["--attack", "rays", "--queries", "40", "--verify", "10", "--verification", "estimate", "--sigma", "0.05", "--n", "4", "--oracle", "repeat:3", "--defense", "rs-rep", "--offset", "1"]],
    ["attack/none/hsja-l2/image=0", ["--attack", "hsja", "--queries", "60", "--options", '{"gamma": 2}', "--offset", "0"]],
    ["attack/none/rays-linf/image=5", ["--attack", "rays", "--queries", "40", "--offset", "5"]],
  ];
  const runs = await Promise.all(cases.map(([, args], k) =>
    rsbench("attack", "--model", MODEL, "--data", data, "--count", "1", "--seed", "4", "--out", join(dir, `parity${k}.jsonl`), ...args)));
  cases.forEach(([key], k) => {
    assert.equal(runs[k].code, 0, runs[k].stderr);
    const [record] = readFileSync(join(dir, `parity${k}.jsonl`), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const expected = stored.get(key) as unknown as Record<string, unknown> | undefined;
    assert.ok(expected, `the run has ${key}`);
    assert.deepEqual(strip(record), strip(expected), key);
  });
  // The cases cover an attacked image with a verification, and a misclassified one.
  const rs = stored.get(cases[0][0]) as unknown as { status: string; verification: { repeats: number } | null; queries: number };
  assert.equal(rs.status, "attacked");
  assert.equal(rs.verification?.repeats, 10);
  assert.equal(rs.queries, 40);
  assert.equal((stored.get(cases[4][0]) as unknown as { status: string }).status, "misclassified");
  // A repeat:3 record counts its calls as queries, within the budget, and reports its steps apart.
  const rep = stored.get(cases[2][0]) as unknown as { defense: { oracle: string }; queries: number; steps: number };
  assert.equal(rep.defense.oracle, "repeat:3");
  assert.ok(rep.queries <= 40 && rep.steps < rep.queries && rep.steps * 3 >= rep.queries, `${rep.steps} steps, ${rep.queries} queries`);
  assert.equal("steps" in (stored.get(cases[0][0]) as object), false, "shortcut records have no steps field");
});

test("rsbench attack writes progress lines when stderr is not a terminal, and no NaN when nothing was attacked", async () => {
  const [all, none] = await Promise.all([
    rsbench("attack", "--model", MODEL, "--data", data, "--attack", "rays", "--queries", "30"),
    rsbench("attack", "--model", MODEL, "--data", data, "--attack", "rays", "--queries", "30", "--offset", "5", "--count", "1"),
  ]);
  assert.equal(all.code, 0, all.stderr);
  // A line at the start and one at the end (then one every 30 s).
  assert.match(all.stderr, /^attack rays: 0\/6 images started$/m);
  assert.match(all.stderr, /^attack rays: 6\/6 images done in \d+ s \| [0-9.]+ (images\/s|s\/image) \| success 100% \| median L2 \d\.\d{4}$/m);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /^success: - \(no image attacked: the defense misclassifies every image\)$/m);
  assert.doesNotMatch(none.stdout, /NaN/);
  assert.match(none.stdout, /^queries: 0 \(- per image\)/m);
});

/** Reads a .npy file (format 1.0, '<f4', C order) by the format's specification: the shape and the values. */
function readNpy(path: string): { shape: number[]; values: Float32Array } {
  const bytes = readFileSync(path);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], "magic and version 1.0");
  const length = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + length).toString("latin1");
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \((\d+), (\d+), (\d+)\), \} *\n$/);
  const shape = /\((\d+), (\d+), (\d+)\)/.exec(header)!.slice(1).map(Number);
  const values = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readFloatLE(10 + length + 4 * i);
  assert.equal(bytes.length, 10 + length + 4 * values.length);
  return { shape, values };
}

test("rsbench attack --harden --save writes each final and hardened point as .npy, and the hardened field of each record", async () => {
  const { loadData } = await import("../../src/data/index.js");
  const { binomialTailAtLeast, normalCdf } = await import("../../src/stats/index.js");
  const save = join(dir, "saved");
  const sigma = 0.05, n = 4;
  const args = ["attack", "--model", MODEL, "--data", data, "--attack", "rays", "--queries", "60", "--sigma", String(sigma), "--n", String(n), "--seed", "2", "--count", "5"];
  const [json, text] = await Promise.all([rsbench(...args, "--harden", "--save", save, "--json"), rsbench(...args, "--count", "2")]);
  assert.equal(json.code, 0, json.stderr);
  const { summary, images } = JSON.parse(json.stdout) as { summary: Record<string, number | boolean | null>; images: Array<{ image: number; label: number; success: boolean; linf: number; hardened: { status: string; l2: number | null; linf: number | null; calls: number; reason?: string } }> };
  const set = await loadData(data, {});
  const norm = Math.hypot(...LINEAR.w);
  // Exact P[g_{sigma,n}(x) != label] of the linear fixture (class 1 iff w.x + b > 0; ties go to class 0).
  const wrong = (x: Float32Array, label: number) => {
    let s = LINEAR.b;
    for (let j = 0; j < x.length; j++) s += LINEAR.w[j] * x[j];
    const p1 = normalCdf(s / norm / sigma);
    return label === 0 ? binomialTailAtLeast(Math.floor(n / 2) + 1, n, p1) : binomialTailAtLeast(Math.ceil(n / 2), n, 1 - p1);
  };
  const distances = (x: Float32Array, o: Float32Array) => {
    let s = 0, m = 0;
    for (let j = 0; j < x.length; j++) { const d = Math.abs(x[j] - o[j]); s += d * d; m = Math.max(m, d); }
    return { l2: Math.sqrt(s), linf: m };
  };
  let hardened = 0;
  for (const r of images) {
    const original = set.images.subarray(r.image * 64, (r.image + 1) * 64);
    assert.ok(r.success, `image ${r.image} attacked successfully`);
    const final = readNpy(join(save, `${r.image}.npy`));
    assert.deepEqual(final.shape, [1, 8, 8]);
    assert.ok(Math.abs(distances(final.values, original).linf - r.linf) < 1e-6, `image ${r.image}: the saved final point is the record's (linf ${r.linf})`);
    assert.deepEqual(Object.keys(r.hardened).filter((k) => k !== "reason"), ["status", "l2", "linf", "calls"]);
    assert.ok(r.hardened.calls > 0 && r.hardened.calls <= 1000, `${r.hardened.calls} hardening calls`);
    if (r.hardened.status === "hardened") {
      hardened++;
      const h = readNpy(join(save, `${r.image}.hardened.npy`));
      const d = distances(h.values, original);
      assert.ok(Math.abs(d.l2 - r.hardened.l2!) < 1e-5 && Math.abs(d.linf - r.hardened.linf!) < 1e-6, `image ${r.image}: the saved hardened point is the record's`);
      assert.ok(d.linf >= r.linf - 1e-6, "outward from the final point (no starting point with rays' own start)");
      assert.ok(wrong(h.values, r.label) >= 0.5, `image ${r.image}: P[g != y] = ${wrong(h.values, r.label)} at the hardened point`);
    } else {
      assert.equal(existsSync(join(save, `${r.image}.hardened.npy`)), false);
      assert.match(r.hardened.reason!, /^(calls|bounds|confirmations): /);
    }
  }
  assert.ok(hardened >= 3, `${hardened} of ${images.length} hardened`);
  assert.equal(summary.hardened, hardened / images.length);
  assert.equal(summary.hardeningCalls, images.reduce((a, r) => a + r.hardened.calls, 0));
  assert.deepEqual([summary.harden, summary.hardenCalls], [true, 1000]);
  assert.ok(readdirSync(save).every((f) => /^\d+(\.hardened)?\.npy$/.test(f)), readdirSync(save).join(", "));
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^verified at level Pa=0\.5 by eq\. \(4\) \(sequential test, .*\(verified successes only\); verification calls \d+ \(\d+\.\d{4} per attacked image\)$/m);
  assert.match(text.stdout, /^hardened \(nearest point outward that the sequential test verifies at level Pa=0\.5, error 0\.05, at most 1000 calls each, outside the budget\): \d+\.\d%, mean L2 \d\.\d{4}, median L2 \d\.\d{4}, mean Linf \d\.\d{4}, median Linf \d\.\d{4} \(hardened only\); hardening calls \d+ \(\d+\.\d{4} per attacked image\)$/m);
});
