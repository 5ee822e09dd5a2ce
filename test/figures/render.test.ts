import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import {
  adversarialProfileSpec,
  certifiedAccuracyCurves,
  certifiedAccuracySpec,
  computeAdversarialProfile,
  computeDichotomySpread,
  computeSlice,
  dichotomySpreadSpec,
  distortionAccuracySpec,
  distortionVsAccuracy,
  FIGURE_FONT,
  renderPng,
  renderSvg,
  roundSvgAttributes,
  sliceSpec,
  withStrongest,
  writeFigureFiles,
} from "../../src/figures/index.js";
import { STRONGEST_NOTE } from "../../src/figures/specs.js";
import { createRandom } from "../../src/rng/index.js";
import { linearProblem } from "./linearFixture.js";
import { accuracy, attack, certification, defense, hardenedAt, hardening } from "./records.js";

/*
 * Snapshot tests (observablehq/plot style): each figure is rendered from fixed data and compared
 * with test/figures/snapshots/<name>.svg, numbers in attributes rounded to 2 decimals; one PNG
 * pins the bundled font. After an intended change (or a vega/resvg upgrade) run the test once
 * with UPDATE_SNAPSHOTS=1: it writes the new snapshots and still fails on each one that changed,
 * naming it, so that an update is never a silent pass. Look at the changed files (git diff, and
 * the SVG/PNG themselves), then run the test again without the variable: it must pass.
 */
const SNAPSHOTS = join(dirname(fileURLToPath(import.meta.url)), "snapshots");

function matchSnapshot(file: string, actual: string | Buffer): void {
  const path = join(SNAPSHOTS, file);
  const previous = existsSync(path) ? readFileSync(path) : null;
  const same = previous !== null && previous.equals(Buffer.from(actual));
  if (process.env.UPDATE_SNAPSHOTS === "1") {
    if (same) return;
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(path, actual);
    assert.fail(`${file} ${previous === null ? "created" : "changed"}: the new snapshot is written to ${path}; look at it, then run the test without UPDATE_SNAPSHOTS`);
  }
  assert.ok(previous !== null, `missing snapshot ${path}: run the test once with UPDATE_SNAPSHOTS=1 to create it`);
  if (typeof actual === "string") assert.equal(actual, previous.toString("utf8"), `${file} differs from its snapshot (UPDATE_SNAPSHOTS=1 rewrites it)`);
  else assert.ok(same, `${file} differs from its snapshot (UPDATE_SNAPSHOTS=1 rewrites it)`);
}

/** Like matchSnapshot, comparing decoded pixels: channel values off by more than 24 levels may number at most 0.5% of the pixels. */
async function matchPngSnapshot(file: string, png: Buffer): Promise<void> {
  const path = join(SNAPSHOTS, file);
  const decode = (b: Buffer) => sharp(b).raw().toBuffer({ resolveWithObject: true });
  const actual = await decode(png);
  if (existsSync(path)) {
    const expected = await decode(readFileSync(path));
    const sameSize = expected.info.width === actual.info.width && expected.info.height === actual.info.height && expected.info.channels === actual.info.channels;
    let off = 0;
    if (sameSize) for (let i = 0; i < actual.data.length; i++) if (Math.abs(actual.data[i] - expected.data[i]) > 24) off++;
    const pixels = actual.info.width * actual.info.height;
    if (sameSize && off <= 0.005 * pixels) return;
    if (process.env.UPDATE_SNAPSHOTS !== "1") {
      assert.fail(`${file} differs from its snapshot: ${sameSize ? `${off} of ${pixels} pixel channels off by more than 24 levels` : "another size"} (UPDATE_SNAPSHOTS=1 rewrites it)`);
    }
  }
  matchSnapshot(file, png);
}

const sigma = 0.25;

/** Renders and asserts that Vega-Lite and Vega had nothing to warn about. */
async function render(spec: Parameters<typeof renderSvg>[0]): Promise<string> {
  const warnings: string[] = [];
  const svg = await renderSvg(spec, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, [], "rendering warnings");
  return svg;
}

test("Fig. 1 snapshot: the profile of a flat boundary", async () => {
  const P = linearProblem(0.5);
  const data = await computeAdversarialProfile(P.base, P.smoothed(sigma, 400), P.image, P.label, createRandom(1), { sigma, direction: P.w, points: 21 });
  const svg = await render(adversarialProfileSpec(data));
  for (const text of ["n = 5", "n = 10", "n = 50", "base boundary", "RS boundary (p = 1/2)", "probability of being", "adversarial (0 to 1)", "(L2, pixels in [0, 1])"]) {
    assert.ok(svg.includes(text), `Fig. 1 shows "${text}"`);
  }
  matchSnapshot("fig1.svg", svg);
});

test("Fig. 2 snapshot: one rectangle per run of equal labels in each grid row", async () => {
  const P = linearProblem(0.5);
  const data = await computeSlice(
    [{ name: "base", classifier: P.base }, { name: "RS n=10", classifier: P.smoothed(sigma, 10) }],
    P.image, P.label, createRandom(2), { resolution: 11, extent: 3 },
  );
  const spec = sliceSpec(data, ["T-shirt/top", "Trouser"]);
  const rows = (spec as { data: { values: { panel: number; a: number; a2: number }[] } }).data.values;
  let runs = 0;
  for (const panel of data.panels) {
    for (let j = 0; j < 11; j++) for (let i = 0; i < 11; i++) if (i === 0 || panel.labels[j * 11 + i] !== panel.labels[j * 11 + i - 1]) runs++;
  }
  assert.equal(rows.length, runs);
  const svg = await render(spec);
  assert.ok(svg.includes("0 T-shirt/top") && svg.includes("RS n=10"));
  // one legend, naming the predicted labels (a stroke legend set to null once dropped it)
  assert.equal(svg.match(/role-legend"/g)?.length, 1, "Fig. 2 has its legend");
  assert.ok(svg.includes("predicted label") && svg.includes("1 Trouser"));
  matchSnapshot("fig2.svg", svg);
});

test("Fig. 3 snapshot: histograms per n with the g(sigma) boundary", async () => {
  const P = linearProblem(0.5);
  const data = await computeDichotomySpread(
    [10, 100].map((n) => ({ n, classifier: P.smoothed(sigma, n) })), P.smoothed(sigma, 500), P.base, P.image, P.label, createRandom(3),
    { direction: P.w, repetitions: 40, steps: 10 },
  );
  const svg = await render(dichotomySpreadSpec(data));
  assert.ok(svg.includes("n = 10") && svg.includes("n = 100"));
  matchSnapshot("fig3.svg", svg);
});

test("Fig. 4 and Fig. 5 snapshots from records", async () => {
  const curves = certifiedAccuracyCurves([
    certification("rs-3%", 0.12, 0, 0.31), certification("rs-3%", 0.12, 1, 0.12), certification("rs-3%", 0.12, 2, null),
    certification("randtrain", 0.25, 0, 0.74), certification("randtrain", 0.25, 1, 0.2), certification("randtrain", 0.25, 2, 0.5),
    // a sigma as the grid computes it (0.0367 * 255 / 255 in floating point)
    certification("rs-12%", 0.03671875000000001, 0, 0.1), certification("rs-12%", 0.03671875000000001, 1, 0.05),
  ]);
  const fig4 = await render(certifiedAccuracySpec(curves));
  for (const text of ["rs-3% (σ = 0.12, 3 images)", "rs-12% (σ = 0.03672, 2 images)", "certified radius r (L2, pixels in [0, 1])", "certified accuracy (% of images)", "100%"]) {
    assert.ok(fig4.includes(text), `Fig. 4 shows "${text}"`);
  }
  assert.ok(!fig4.includes("…"), "no legend label is cut off");
  // The legend lies below the plotting area (260 high), never over the curves.
  const legendY = Number(/role-legend[^>]*>\s*<g transform="translate\(([-\d.]+),([-\d.]+)\)"/.exec(fig4)?.[2]);
  assert.ok(legendY > 260, `the legend is below the plot, got y = ${legendY}`);
  matchSnapshot("fig4.svg", fig4);
  const none = defense("none", "none", null, null, null);
  const rs10 = defense("rs-3%", "rs", 0.12, 10, 0.5);
  const rs100 = defense("rs-3%", "rs", 0.12, 100, 0.8);
  const points = distortionVsAccuracy(
    [none, rs10, rs100].flatMap((d, k) => ["hsja", "rays"].flatMap((a, j) => [0, 1].map((i) => attack(d, a, i, 1 + k + j + i / 2)))),
    [accuracy("none", null, 0.92), accuracy("rs-3%", 10, 0.9), accuracy("rs-3%", 100, 0.89)],
  );
  const fig5 = await render(distortionAccuracySpec(points));
  for (const text of ["HSJA", "RayS", "mean distortion", "(L2, pixels in [0, 1])", "accuracy (% of test images)"]) assert.ok(fig5.includes(text), `Fig. 5 shows "${text}"`);
  assert.ok(!/>(hsja|rays)</.test(fig5), "attacks appear under their own names, not the registry's");
  matchSnapshot("fig5.svg", fig5);
  assert.ok(!fig5.includes("no final points"), "no note without a strongest column");
});

test("Fig. 5 with hardened points: the strongest attack's empty shortcut panel carries a note saying why", async () => {
  const none = defense("none", "none", null, null, null);
  const rs = defense("rs-3%", "rs", 0.12, 10, 0.5);
  const records = [none, rs].flatMap((d) => ["hsja", "rays"].flatMap((a, j) => [0, 1].map((i) => {
    const r = attack(d, a, i, 1 + j + i / 2);
    return d.sigma === null ? r : hardenedAt(r, hardening(2 + j + i / 2));
  })));
  const points = distortionVsAccuracy(withStrongest(records), [accuracy("none", null, 0.92), accuracy("rs-3%", 10, 0.9)]);
  const spec = distortionAccuracySpec(points) as unknown as { spec: { layer?: unknown[] }; data: { values: { attack: string; measure: string; note?: string }[] } };
  assert.equal(spec.spec.layer?.length, 2, "points and the note");
  assert.deepEqual(spec.data.values.filter((v) => v.note !== undefined).map((v) => [v.attack, v.measure]), [["strongest", "shortcut (final points)"]]);
  // The empty panel's own y scale has no data: Vega says so, and that is the only warning.
  const warnings: string[] = [];
  const svg = await renderSvg(spec as never, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, ['WARN Infinite extent for field "meanL2": [Infinity, -Infinity]']);
  for (const line of STRONGEST_NOTE.split("\n")) assert.equal(svg.split(`>${line}<`).length - 1, 1, `the note's line "${line}" once`);
});

test("PNG rendering draws the text in the bundled DejaVu Sans, the same on every machine", async () => {
  // The figures' own font list; Arial and Liberation Sans are never loaded, so DejaVu Sans draws it.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><text x="4" y="22" font-family="${FIGURE_FONT}" font-size="18">Radius σ 0.5</text></svg>`;
  const png = renderPng(svg, { scale: 1 });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [120, 30]);
  let dark = 0;
  for (let i = 0; i < data.length; i += info.channels) if (data[i] < 128) dark++;
  assert.ok(dark > 100, `expected the text to cover pixels, got ${dark} dark pixels: resvg found no font`);
  // A family that exists nowhere falls back to the same bundled font: the same pixels.
  assert.ok(renderPng(svg.replace(FIGURE_FONT, "No Such Font"), { scale: 1 }).equals(png), "an unknown family is drawn in DejaVu Sans");
  // System fonts are never read: a family a system may have (Debian's fonts-dejavu-core ships
  // DejaVu Serif) still comes out in the bundled DejaVu Sans.
  assert.ok(renderPng(svg.replace(FIGURE_FONT, "DejaVu Serif"), { scale: 1 }).equals(png), "no system font is loaded");
  // What DejaVu Sans draws, compared pixel by pixel with the snapshot: another font (a system
  // font picked up on some machine) moves most of the glyph pixels; a rasteriser's rounding on
  // another CPU moves a few edge pixels by a few levels, which the tolerance allows.
  await matchPngSnapshot("text.png", png);
});

test("writeFigureFiles writes the spec, the SVG and a PNG of the SVG's size", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rsbench-figures-"));
  try {
    const spec = certifiedAccuracySpec(certifiedAccuracyCurves([certification("rs", 0.25, 0, 0.5)]));
    const files = await writeFigureFiles(dir, "fig4", spec);
    assert.deepEqual(JSON.parse(readFileSync(files.spec, "utf8")), JSON.parse(JSON.stringify(spec)));
    const svg = readFileSync(files.svg, "utf8");
    const width = Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
    const meta = await sharp(files.png).metadata();
    assert.equal(meta.width, Math.round(2 * width));
    await assert.rejects(writeFigureFiles(dir, "../x", spec), /invalid figure name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("roundSvgAttributes rounds numbers in attributes only", () => {
  assert.equal(roundSvgAttributes('<path d="M1.23456,-0.0049h3"/><text x="2.5">0.12345</text>'), '<path d="M1.23,0h3"/><text x="2.5">0.12345</text>');
});
