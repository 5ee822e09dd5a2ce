import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttackRecord } from "../../src/experiments/store/records.js";
import { buildReportHtml, conclusionsByMeasure, headline, headlineText } from "../../src/report/index.js";
import { adaptive, hardening, tradeoffCell } from "../figures/records.js";
import { paperLike } from "./paperLike.js";
import { sampleReportInput } from "./sampleReport.js";

const verified = { status: "verified" as const, rate: 0.9, lower: 0.7, upper: 0.97, calls: 30 };

/**
 * The paper-like run with every smoothed final point verified and hardened: at n = 10 the hardened
 * point lies at half the final distortion (a repeating attacker holds a point close in), at n = 100
 * at the final distortion. On shortcut and verified numbers the five conclusions hold; on hardened
 * numbers conclusion 1 (RayS at sigma 0.15, n = 10: 7.5 / 0.3 = 25 < 30) and conclusion 4
 * (HSJA, rs-3%, Pa = 0.5: 24.4 / 46.6 = 0.524 < 0.9) do not.
 */
function hardenedRun() {
  const run = paperLike();
  const attacks: AttackRecord[] = run.attacks.map((a) => (a.defense.sigma === null
    ? a
    : { ...a, verification: verified, hardened: hardening((a.l2 as number) * (a.defense.n === 10 ? 0.5 : 1)) }));
  return { ...run, attacks };
}

test("conclusionsByMeasure judges on hardened distortions when the records carry them, and keeps the shortcut verdicts", () => {
  const c = conclusionsByMeasure(hardenedRun());
  assert.equal(c.judgedOn, "hardened");
  assert.deepEqual(c.missing, { shortcut: null, verified: null, hardened: null, strongest: null });
  assert.deepEqual(c.results.shortcut!.map((r) => r.verdict), Array(5).fill("holds"));
  assert.deepEqual(c.results.verified!.map((r) => r.verdict), Array(5).fill("holds"));
  assert.deepEqual(c.results.hardened!.map((r) => r.verdict), ["does not hold", "holds", "holds", "does not hold", "holds"]);
  const [c1, , , c4] = c.results.hardened!;
  assert.equal(c1.measure, "hardened");
  assert.equal(c1.numbers[0].label, "smallest median ratio");
  assert.ok(Math.abs((c1.numbers[0].value as number) - 25) < 1e-9);
  const hsja = c4.numbers.find((n) => n.label === "rs-3% Pa=0.5 hsja: L2(n=10) / L2(n=100)");
  assert.ok(hsja && Math.abs((hsja.value as number) - 24.4 / 46.6) < 1e-12, JSON.stringify(c4.numbers));
});

test("records without hardened points (the paper grid's) are judged on shortcut distortions and say hardened numbers are not available", () => {
  const c = conclusionsByMeasure(paperLike());
  assert.equal(c.judgedOn, "shortcut");
  assert.equal(c.results.hardened, null);
  assert.equal(c.results.verified, null);
  assert.match(c.missing.hardened as string, /^24 of 24 smoothed cells have no hardened points/);
  assert.deepEqual(c.results.shortcut!.map((r) => r.verdict), Array(5).fill("holds"));
});

test("the report shows the three verdicts side by side, judged on hardened, and the three distortions in its tables", async () => {
  const input = await sampleReportInput();
  const run = hardenedRun();
  const records = [...input.records.filter((r) => r.kind !== "attack"), ...run.attacks];
  const html = await buildReportHtml({ ...input, records });
  assert.match(html, /The verdicts are judged on the hardened distortions, attack by attack: they test the paper&#39;s statements about each attack\. The strongest column answers the defender&#39;s question/);
  // The strongest attack's deciding numbers are shown, not folded away: conclusion 2's median over (n, Pa), then n = 10, Pa = 0.5: RayS's 8.2 at sigma 0.05 / 13.4 without defense = 0.612.
  assert.match(html, /<p class="strongest-numbers"><strong>strongest: does not hold<\/strong><\/p><ul class="numbers"><li>strongest: median over \(n, Pa\) of L2\(σ=0\.05\) \/ L2\(none\): <strong>0\.859<\/strong> \[0\.859, 0\.859\] on 3 images<\/li><li>n=10 Pa=0\.5 strongest: L2\(σ=0\.05\) \/ L2\(none\): <strong>0\.612<\/strong>/);
  const rows = [...html.matchAll(/<tr><td>([1-5])<\/td><td>[^<]*<\/td><td><span class="verdict verdict-([a-z-]+)">[^<]*<\/span><\/td><td><span class="verdict verdict-([a-z-]+)">[^<]*<\/span><\/td><td><span class="verdict verdict-([a-z-]+)">[^<]*<\/span><\/td><td><span class="verdict verdict-([a-z-]+)">/g)]
    .map((m) => [Number(m[1]), m[2], m[3], m[4], m[5]]);
  assert.deepEqual(rows, [
    // strongest: per image the smallest hardened point of the three attacks, RayS's at every cell (hardened 8.2 at
    // sigma 0.05 n = 10 against 13.4 without defense: conclusion 2's factor < 1.5; 3: median over (n, Pa) of 7.5 / 8.2 and 15 / 14.4 = 0.98 <= 1.1).
    [1, "does-not-hold", "does-not-hold", "holds", "holds"], [2, "holds", "does-not-hold", "holds", "holds"], [3, "holds", "holds", "holds", "holds"],
    [4, "does-not-hold", "does-not-hold", "holds", "holds"], [5, "holds", "holds", "holds", "holds"],
  ]);
  // Attack table, HSJA on rs-3% n=10 Pa=0.5: shortcut 48.8 (3/3), verified 48.8 (3/3), hardened 24.4 (3/3).
  assert.match(html, /<tr><td>rs-3% σ=0\.05 n=10 Pa=0\.5<\/td><td>HSJA<\/td><td>0\.73<\/td><td>accuracy set<\/td><td>0<\/td><td>0\.73<\/td><td>3<\/td><td>3<\/td><td>48\.8<\/td><td>48\.8<\/td><td>3\/3<\/td><td>48\.8<\/td><td>48\.8<\/td><td>3\/3<\/td><td>24\.4<\/td><td>24\.4<\/td><\/tr>/);
  // Which attack is the per-image strongest: RayS on all 8 smoothed points x 3 images, at a median
  // 1 / 2.34 and 1 / 2.267 of the best other (SurFree's; 12 images each side of the median, (0.4274 + 0.4411) / 2);
  // HSJA on rs-3% n=10 Pa=0.5 at 24.4 / 8.2 of the strongest, which is also the best other (RayS).
  assert.match(html, /<tr><td>all defense points with noise<\/td><td>RayS<\/td><td>24<\/td><td>24<\/td><td>24\/24 \(100%\)<\/td><td>1<\/td><td>0\.4342<\/td><\/tr>/);
  assert.match(html, /<tr><td>rs-3% σ=0\.05 n=10 Pa=0\.5<\/td><td>HSJA<\/td><td>3<\/td><td>3<\/td><td>0\/3 \(0%\)<\/td><td>2\.976<\/td><td>2\.976<\/td><\/tr>/);
  // Ratio table, RayS on rs-12% n=10 Pa=0.5: radius 0.3; shortcut 15 / 0.3 = 50, hardened 7.5 / 0.3 = 25.
  assert.match(html, /<tr><td>rs-12% σ=0\.15 n=10 Pa=0\.5<\/td><td>RayS<\/td><td>0\.3<\/td><td>3<\/td><td>50<\/td><td>50<\/td><td>3<\/td><td>50<\/td><td>50<\/td><td>3<\/td><td>25<\/td><td>25<\/td><\/tr>/);
});

test("the report of records without hardening renders and says hardened numbers are not available", async () => {
  const html = await buildReportHtml(await sampleReportInput());
  assert.match(html, /Hardened numbers are not available for this run/);
  assert.equal((html.match(/>not available<\/span>/g) ?? []).length, 15, "hardened, strongest and verified columns of the five conclusions");
  assert.match(html, /<h3 id="adaptive">Does conclusion 4 survive an attacker who repeats queries\? \(Fig\. 6\)<\/h3>\n<p>[^<]*<span class="verdict verdict-not-enough-data">not enough data<\/span> <span class="muted">no records of a smoothed defense attacked through a label or repeat:K oracle with hardening/);
  assert.ok(!html.includes('id="fig6"'), "no Fig. 6 without its records");
});

test("the report answers conclusion 4 for the adaptive attacker with Fig. 6 and the deciding numbers", async () => {
  const input = await sampleReportInput();
  const attacks = [
    ...tradeoffCell(adaptive(10, "label"), "hsja", 1000, [2, 2, 2]),
    ...tradeoffCell(adaptive(10, "repeat:3"), "hsja", 1000, [1.5, 1.5, 1.5], 100),
    ...tradeoffCell(adaptive(100, "label"), "hsja", 1000, [1, 1, 1]),
    ...tradeoffCell(adaptive(100, "repeat:3"), "hsja", 1000, [1.2, 1.2, 1.2]),
  ];
  const html = await buildReportHtml({ ...input, records: attacks });
  assert.match(html, /<figure class="figure" id="fig6">/);
  assert.match(html, /fewer samples n still give at least as much practical robustness\. <span class="verdict verdict-holds">holds<\/span>/);
  assert.match(html, /<tr><td>rs-3%<\/td><td>0\.5<\/td><td>HSJA<\/td><td>1000<\/td><td>3<\/td><td>10<\/td><td>3<\/td><td>1\.5<\/td><td>3\/3<\/td><td>100<\/td><td>1<\/td><td>1<\/td><td>3\/3<\/td><td>1\.5<\/td><td>\[1\.5, 1\.5\]<\/td><\/tr>/);
  // The data of Fig. 6: n = 10, K = 3: 1000 queries + 100 hardening calls per image.
  assert.match(html, /<tr><td>rs-3%<\/td><td>0\.04<\/td><td>10<\/td><td>repeat:3<\/td><td>3<\/td><td>HSJA<\/td><td>l2<\/td><td>1000<\/td><td>3<\/td><td>3\/3<\/td><td>1100<\/td><td>1\.5<\/td><td>1\.5<\/td><\/tr>/);
  const text = headlineText(headline(attacks));
  assert.match(text, /Conclusion 4 against an attacker who repeats queries: fewer samples n still give at least as much practical robustness\. HOLDS \(95% paired bootstrap intervals over images, 2000 resamples, seed 0; threshold 0\.9\)\n   rs-3% Pa=0\.5 HSJA budget 1000, 3 images: L2\(n=10, best K=3: 1\.5\) \/ L2\(n=100, best K=1: 1\) = 1\.5 \(1\.5-1\.5, 3 images\)/);
  assert.match(html, /<li>rs-3% Pa=0\.5 HSJA budget 1000, 3 images: [^<]*: <strong>1\.5<\/strong> \[1\.5, 1\.5\] on 3 images<\/li>/);
});

test("headlineText shows the three verdicts per conclusion and says when hardened numbers are missing", () => {
  const { attacks, accuracies, certifications } = paperLike();
  const text = headlineText(headline([...attacks, ...accuracies, ...certifications]));
  assert.match(text, /judged on shortcut/);
  assert.match(text, /hardened numbers are not available: the records carry no hardened points/);
  assert.match(text, /^1\. hardened n\/a · strongest n\/a · verified n\/a · shortcut HOLDS: Practical distortions/m);
  const run = hardenedRun();
  const hardened = headlineText(headline([...run.attacks, ...run.accuracies, ...run.certifications]));
  assert.match(hardened, /^4\. hardened DOES NOT HOLD · strongest DOES NOT HOLD · verified HOLDS · shortcut HOLDS: Fewer samples/m);
});

test("a remote target's verified and hardened points are shown, not '-' (sigma null, an oracle rule; issue 26)", async () => {
  const remote = { id: "server/pa=0.5/oracle=label", name: "server", kind: "none" as const, model: "http://127.0.0.1:8080", sigma: null, drop: null, n: null, pa: 0.5, oracle: "label" as const };
  const records: AttackRecord[] = [1, 2].map((image) => ({
    kind: "attack", key: `attack/${remote.id}/hsja-l2/image=${image}`, seed: 1, seconds: 1, image, label: 0, prediction: 0, status: "attacked",
    defense: remote, attack: "hsja", norm: "l2", budget: 100, success: true, l2: 2, linf: 0.5, queries: 100, forwardPasses: 100,
    checkpoints: [], trace: [], iterations: 3, stopReason: "budget", anomalies: {}, start: null,
    verification: verified, hardened: hardening(3),
  }));
  const text = headlineText(headline(records));
  const row = text.split("\n").find((l) => l.startsWith("server/pa=0.5/oracle=label"))!;
  assert.match(row, /2\/2 +2 +2\/2 +3\s*$/, row);
  const html = await buildReportHtml({ ...(await sampleReportInput()), records });
  assert.match(html, /<td>2\/2<\/td><td>2<\/td><td>2<\/td><td>2\/2<\/td><td>3<\/td><td>3<\/td><\/tr>/);
});

test("the headline's strongest row against RS has no success count of its own (it has no final point), only its hardened count", () => {
  const run = hardenedRun();
  const text = headlineText(headline([...run.accuracies, ...run.certifications, ...run.attacks]));
  const row = text.split("\n").find((l) => /^rs-\S+\s+strongest\s/.test(l));
  assert.ok(row, text.slice(0, 2000));
  const cells = row!.trim().split(/\s+/);
  // defense, attack, accuracy, accuracy at Pa, attacked, success, ...: success is "-", hardened is k/attacked.
  assert.equal(cells[5], "-", row);
  assert.match(cells[10], /^\d+\/\d+$/, row);
});
