import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildReportHtml, escapeHtml, formatNumber, scopeSvgIds } from "../../src/report/index.js";
import { sampleReportInput } from "./sampleReport.js";

test("the report holds the conclusions, every figure, the tables, the run, seeds, versions, cards and config", async () => {
  const html = await buildReportHtml(await sampleReportInput());
  for (const id of ["conclusions-table", "attacks-table", "ratio-table", "certified-table", "calibration", "run-table", "software", "seeds", "model-card-0", "config"]) {
    assert.ok(html.includes(`id="${id}"`), `the report has #${id}`);
  }
  const figures = [...html.matchAll(/<figure class="figure" id="([^"]+)">/g)].map((m) => m[1]);
  assert.deepEqual(figures, ["fig1-image7-rs-12_", "fig2-image7-rs-12_", "fig3-image7-rs-12_", "fig4", "fig5"]);
  assert.equal((html.match(/<svg /g) ?? []).length, 5);
  assert.equal((html.match(/class="verdict verdict-holds"/g) ?? []).length, 5, "the paper-like records satisfy all five conclusions");
  for (const text of ["10 min 13 s", "v20.0.0", "1.30.0", "image sample seed", "no model card", "Fig. 2: input-space slice"]) {
    assert.ok(html.includes(text), `the report shows "${text}"`);
  }
});

test("the report is self-contained: no script, no external resource, a CSP that forbids loading any", async () => {
  const html = await buildReportHtml(await sampleReportInput());
  assert.ok(!/<script/i.test(html), "no script");
  assert.ok(!/<link|<img|<iframe|@import|@font-face/i.test(html), "no linked resource");
  const urls = [...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]);
  assert.deepEqual([...new Set(urls)].filter((u) => !u.startsWith("http://www.w3.org/")), [], "only XML namespace URIs");
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test("text from the run is escaped", async () => {
  const html = await buildReportHtml(await sampleReportInput('<script>alert("x")</script>'));
  assert.ok(!html.includes('<script>alert("x")</script>'));
  assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
  assert.ok(html.includes("&lt;not html&gt;"));
});

test("an incomplete run says so; a run without records shows no figure and 'not enough data'", async () => {
  const input = await sampleReportInput();
  const html = await buildReportHtml({ ...input, manifest: { ...(input.manifest as NonNullable<typeof input.manifest>), done: 40, complete: false }, records: [] });
  assert.match(html, /40\/100 items, INCOMPLETE/);
  assert.ok(html.includes("This run computed no figure."));
  // Five conclusions on four measures (without smoothed records every measure applies), and the adaptive section.
  assert.equal((html.match(/class="verdict verdict-not-enough-data"/g) ?? []).length, 5 * 4 + 1);
});

test("the attack table shows the share of final points verified by eq. (4), and explains it, only when some were checked", async () => {
  const input = await sampleReportInput();
  const plain = await buildReportHtml(input);
  assert.ok(!plain.includes('id="verification"'), "no paragraph without any check");
  assert.ok(plain.includes("<th scope=\"col\">verified (eq. 4)</th>"));
  let i = 0;
  const records = input.records.map((r) =>
    r.kind === "attack" && r.status === "attacked" && r.success && r.defense.sigma !== null
      ? { ...r, verification: { verified: i++ % 2 === 0 } }
      : r);
  assert.ok(i >= 2, "the sample has smoothed successes to check");
  const html = await buildReportHtml({ ...input, records });
  assert.ok(html.includes('id="verification"'));
  assert.match(html, /P\[g<sub>σ,n<\/sub>\(x<sub>a<\/sub>\) ≠ y\] ≥ Pa/);
  const table = html.slice(html.indexOf('id="attacks-table"'), html.indexOf("</table>", html.indexOf('id="attacks-table"')));
  const cells = [...table.matchAll(/<td>(\d+)\/(\d+)<\/td>/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.ok(cells.length > 0, "verified cells as k/attacked");
  assert.equal(cells.reduce((s, [k]) => s + k, 0), Math.ceil(i / 2), "every verified point counted once");
});

test("helpers: escaping, number formatting, SVG id scoping", () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  assert.deepEqual([formatNumber(null), formatNumber(3), formatNumber(0.123456), formatNumber(Infinity), formatNumber(NaN)], ["–", "3", "0.1235", "∞", "–"]);
  assert.equal(
    scopeSvgIds('<clipPath id="clip1"/><g clip-path="url(#clip1)"/><use href="#clip1"/>', "fig4"),
    '<clipPath id="fig4-clip1"/><g clip-path="url(#fig4-clip1)"/><use href="#fig4-clip1"/>',
  );
});
