import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { readReportInput, writeReport } from "../../src/report/index.js";
import { tinyConfig } from "../experiments/tinyConfig.js";

const ENVIRONMENT = new URL("./environment.ts", import.meta.url).href;

test("writeReport turns a real run directory into report.html and figure files", async () => {
  const out = mkdtempSync(join(tmpdir(), "rsbench-report-"));
  try {
    const config = tinyConfig({
      figures: {
        include: ["fig1", "fig2", "fig3", "fig4", "fig5"],
        images: 1,
        defense: "rs-0.3",
        options: {
          fig1: { ns: [5, 10], draws: 200, points: 11 },
          fig2: { ns: [10, 50], resolution: 11 },
          fig3: { ns: [10, 50], repetitions: 20, referenceDraws: 200, steps: 10 },
        },
      },
    });
    await runExperiment(config as never, { out, workers: 1, environment: ENVIRONMENT });
    const input = readReportInput(out);
    assert.equal(input.title, 'rsbench run "tiny"');
    assert.ok(input.manifest?.complete);
    assert.deepEqual(input.modelCards, [{ name: "linear", card: null }]);

    const path = await writeReport(out, { input: { generatedAt: "2026-01-01T00:00:00Z" } });
    assert.equal(path, join(out, "report.html"));
    const html = readFileSync(path, "utf8");
    for (const figure of ["fig1", "fig2", "fig3", "fig4", "fig5"]) assert.match(html, new RegExp(`<figure class="figure" id="${figure}`));
    const start = html.indexOf('id="conclusions-table"');
    const conclusionsTable = html.slice(start, html.indexOf("</table>", start));
    assert.equal((conclusionsTable.match(/<tr><td>[1-5]<\/td>/g) ?? []).length, 5, "five conclusions");
    // The tiny run has a defense-less cell and an RS defense with two n and two Pa: the paired check of conclusions 2, 4 and 5 follows the table.
    const pairedStart = html.indexOf('id="paired-table"');
    assert.ok(pairedStart > start, "the paired check comes after the conclusions");
    assert.deepEqual(html.slice(pairedStart, html.indexOf("</table>", pairedStart)).match(/<tr><td>[2-5]<\/td>/g), ["<tr><td>2</td>", "<tr><td>4</td>", "<tr><td>5</td>"]);
    assert.ok(!readdirSync(out).some((f) => f.endsWith(".tmp")), "no temporary file left");

    const files = readdirSync(join(out, "figures")).sort();
    assert.ok(files.includes("fig4.png") && files.includes("fig4.svg") && files.includes("fig4.vl.json"));
    assert.equal(files.filter((f) => f.endsWith(".png")).length, 5);
    const meta = await sharp(join(out, "figures", "fig5.png")).metadata();
    assert.ok((meta.width ?? 0) > 200 && (meta.height ?? 0) > 200);

    // Same run, same inputs: the same bytes; the progress says each step, in order.
    const steps: string[] = [];
    await writeReport(out, { input: { generatedAt: "2026-01-01T00:00:00Z" }, figureFiles: false, onProgress: (p) => steps.push(`${p.step} ${p.done}/${p.total} ${p.step === "html" ? "" : p.detail}`) });
    assert.equal(readFileSync(path, "utf8"), html);
    assert.equal(steps.length, 7, steps.join("; "));
    assert.match(steps[0], /^read 1\/1 \d+ records$/);
    assert.deepEqual(steps.slice(1, 6).map((s) => s.replace(/ \S+$/, "")), ["figure 1/5", "figure 2/5", "figure 3/5", "figure 4/5", "figure 5/5"]);
    assert.equal(steps[6], "html 1/1 ");

    // Figure files an earlier report wrote and this one does not (fig6 of a run without a
    // repeating attacker, fig1 of another image) are removed; other files are left alone.
    const figuresDir = join(out, "figures");
    for (const stale of ["fig6.png", "fig6.svg", "fig6.vl.json", "fig1-image0-old.png"]) writeFileSync(join(figuresDir, stale), "stale");
    writeFileSync(join(figuresDir, "notes.txt"), "mine");
    writeFileSync(join(figuresDir, "figure6.png"), "mine");
    await writeReport(out, { input: { generatedAt: "2026-01-01T00:00:00Z" } });
    assert.deepEqual(readdirSync(figuresDir).sort(), [...files, "figure6.png", "notes.txt"].sort());
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("writeReport names a directory that is not a run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rsbench-report-"));
  try {
    await assert.rejects(writeReport(dir), /is not a run directory: expected config.json in it/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
