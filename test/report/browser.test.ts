import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { buildReportHtml } from "../../src/report/index.js";
import { findChromium } from "./chromium.js";
import { sampleReportInput } from "./sampleReport.js";

/*
 * Opens a generated report in a real browser, headless, with a fresh profile and no network:
 * RSBENCH_CHROMIUM, else a system Chromium (/usr/bin/chromium), else the one shipped inside the
 * npm package @sparticuz/chromium (a devDependency: `npm ci` is all a fresh machine needs; see
 * chromium.ts). Never skipped. Checks that every figure and table is rendered (visible, non-zero
 * size), that the page loads nothing but itself, that the console stays free of errors, and that
 * the values shown are the known ones of the fixture (sampleReport.ts: the paper's own Fig. 5
 * numbers, on which all five conclusions hold).
 */
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

test("the report renders in headless Chromium: every figure and table visible, no console error, no request, the fixture's known values", async () => {
  const { path: executablePath } = await findChromium();
  const dir = mkdtempSync(join(tmpdir(), "rsbench-browser-"));
  let browser: Browser | undefined;
  try {
    const file = join(dir, "report.html");
    writeFileSync(file, await buildReportHtml(await sampleReportInput()));
    const profile = join(dir, "profile");
    const context = await chromium.launchPersistentContext(profile, { executablePath, args: ARGS, headless: true, viewport: { width: 1280, height: 900 } });
    browser = context.browser() ?? undefined;
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;
    const response = await page.goto(url, { waitUntil: "load" });
    assert.ok(response?.ok(), `the report loads (status ${response?.status()})`);

    const figures = page.locator("figure.figure");
    const figureCount = await figures.count();
    assert.equal(figureCount, 5, "five figures");
    for (let i = 0; i < figureCount; i++) {
      const svg = figures.nth(i).locator("svg").first();
      const id = await figures.nth(i).getAttribute("id");
      assert.ok(await svg.isVisible(), `figure ${id} is visible`);
      const box = await svg.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 100, `figure ${id} has a size, got ${JSON.stringify(box)}`);
      // drawn marks, not an empty frame
      const marks = await svg.locator("path, line, rect").count();
      assert.ok(marks > 10, `figure ${id} draws marks, got ${marks}`);
    }
    const tables = page.locator("table");
    const tableCount = await tables.count();
    assert.ok(tableCount >= 8, `expected the report's tables, got ${tableCount}`);
    for (let i = 0; i < tableCount; i++) {
      const t = tables.nth(i);
      const id = await t.getAttribute("id");
      assert.ok(await t.isVisible(), `table ${id} is visible`);
      const box = await t.boundingBox();
      assert.ok(box && box.width > 0 && box.height > 0, `table ${id} has a size`);
      assert.ok((await t.locator("tbody tr").count()) > 0, `table ${id} has rows`);
    }
    // The verdicts and their deciding numbers, as worked out by hand from the fixture's records
    // (test/report/paperLike.ts: the paper's ImageNet Fig. 5 numbers, three images per cell).
    const rows = page.locator("#conclusions-table tbody tr");
    assert.equal(await rows.count(), 5);
    assert.deepEqual(await page.locator("#conclusions-table .verdict").allTextContents(), ["holds", "holds", "holds", "holds", "holds"]);
    const numbers = async (row: number) => (await rows.nth(row).locator("ul.numbers").first().locator("li").allTextContents());
    // 1: the smallest median ratio is RayS at sigma 0.15: 15 / 0.3 = 50
    assert.equal((await numbers(0))[0], "smallest median ratio: 50 [50, 50] on 3 images");
    // 3: accuracy at sigma 0.05 is (0.73 + 0.73) / 2, at sigma 0.15 (0.61 + 0.62) / 2
    assert.deepEqual((await numbers(2)).slice(0, 2), ["accuracy at σ=0.05: 0.73", "accuracy at σ=0.15: 0.615"]);
    // 5: every Pa = 0.8 cell is 1.05 x its Pa = 0.5 cell
    assert.match((await numbers(4))[0], /: 1\.05 \[1\.05, 1\.05\] on 3 images$/);
    // The attack table in reading order, with the fixture's distortions (the paper's ImageNet Fig. 5 values, paperLike.ts).
    const attackRows = page.locator("#attacks-table tbody tr");
    const cells = async (i: number) => (await attackRows.nth(i).locator("td").allTextContents());
    const head = await Promise.all([0, 1, 2, 3, 5].map(cells));
    assert.deepEqual(head.map((c) => [c[0], c[1], c[9]]), [
      ["none", "HSJA", "17.5"], ["none", "SurFree", "15.8"], ["none", "RayS", "13.4"],
      ["rs-3% σ=0.05 n=10 Pa=0.5", "HSJA", "48.8"], ["rs-3% σ=0.05 n=10 Pa=0.5", "RayS", "16.4"],
    ]);
    assert.deepEqual(requests, [url], "the page requests nothing but itself");
    assert.deepEqual(problems, [], "no console errors or warnings");
    await context.close();
  } finally {
    await browser?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
