/**
 * Issue 24, item 2: the official PopSkipJump (results/official-*.json, run_official.py) against rsbench's
 * psj (results/rsbench-seed*.json, iterates-budget.ts) on the 12-image comparison set: per budget, the
 * mean L2 of the iterate over all runs and without the failed ones (P[g(x) != y] < 0.1 on 200 fresh calls
 * at the point, as summarize.py), the median, rsbench/official ratios, and the spread of the per-seed means.
 * Prints a Markdown table and writes results/comparison.json. Not run by the tests.
 *   node --import tsx bench/peers/psj/compare.ts
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRandom } from "../../../src/rng/index.js";

const HERE = new URL(".", import.meta.url).pathname;
const RESULTS = join(HERE, "results");
const COMPARISON = [5, 6, 12, 15, 18, 21, 22, 32, 34, 36, 37, 41];
const BUDGETS = [2000, 5000, 10000];
const FAILED = 0.1;
const BAR = 1.05;

interface Budget { budget: number; l2: number | null; pAdv: number | null }
interface Image { image: number; startL2: number; budgets: Budget[]; cpuSeconds?: number; attackCpuSeconds?: number; iterations: { step: number; calls: number; gradProbes?: number }[] }
interface Run { seed: number; image: number; l2: number; pAdv: number; startL2: number }

const skipped: string[] = [];
function load(prefix: string): { runs: Map<number, Run[]>; images: Map<number, Image[]> } {
  const images = new Map<number, Image[]>();
  for (const file of readdirSync(RESULTS).filter((f) => f.startsWith(prefix) && f.endsWith(".json")).sort()) {
    const r = JSON.parse(readFileSync(join(RESULTS, file), "utf8")) as { seed: number; images: Image[] };
    // A run the pipeline did not attack (status "misclassified": its check found g(x) != y, e.g. image 37
    // with seed 14; the official harness has no such check) has no iterate; its seed is then incomplete.
    const chosen = r.images.filter((i) => COMPARISON.includes(i.image) && i.budgets.every((b) => b.l2 !== null));
    for (const i of r.images) if (COMPARISON.includes(i.image) && !chosen.includes(i)) skipped.push(`${prefix} seed ${r.seed} image ${i.image}${"status" in i ? ` (${String(i.status)})` : ""}`);
    images.set(r.seed, [...(images.get(r.seed) ?? []), ...chosen]);
  }
  // A seed still running (its file resumed image by image) or with an image left out is not compared.
  for (const [seed, rows] of images) {
    if (rows.length < COMPARISON.length) { skipped.push(`${prefix} seed ${seed} incomplete (${rows.length} of ${COMPARISON.length} images)`); images.delete(seed); }
  }
  const runs = new Map<number, Run[]>();
  for (const B of BUDGETS) {
    const list: Run[] = [];
    for (const [seed, rows] of images) {
      for (const row of rows) {
        const b = row.budgets.find((x) => x.budget === B)!;
        if (b.l2 === null || b.pAdv === null) throw new Error(`expected an iterate at ${B} calls, got none: ${prefix} seed ${seed} image ${row.image}`);
        list.push({ seed, image: row.image, l2: b.l2, pAdv: b.pAdv, startL2: row.startL2 });
      }
    }
    runs.set(B, list);
  }
  return { runs, images };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
function stats(runs: Run[]) {
  const ok = runs.filter((r) => r.pAdv >= FAILED);
  // Diverged: the iterate ends farther from x than the data start it began from (the start is adversarial).
  const kept = ok.filter((r) => r.l2 <= r.startL2);
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const perSeed = seeds.map((s) => mean(runs.filter((r) => r.seed === s).map((r) => r.l2)));
  const perSeedOk = seeds.map((s) => mean(ok.filter((r) => r.seed === s).map((r) => r.l2)));
  const perSeedKept = seeds.map((s) => mean(kept.filter((r) => r.seed === s).map((r) => r.l2)));
  return {
    runs: runs.length, seeds, failed: runs.filter((r) => r.pAdv < FAILED).map((r) => `image ${r.image} seed ${r.seed} (L2 ${r.l2.toFixed(2)})`),
    diverged: ok.filter((r) => r.l2 > r.startL2).map((r) => `image ${r.image} seed ${r.seed} (L2 ${r.l2.toFixed(2)}, start ${r.startL2.toFixed(2)}, P[g != y] ${r.pAdv.toFixed(2)})`),
    mean: mean(runs.map((r) => r.l2)), meanWithoutFailed: mean(ok.map((r) => r.l2)), meanWithoutFailedOrDiverged: mean(kept.map((r) => r.l2)), median: median(runs.map((r) => r.l2)),
    perSeedMean: perSeed, perSeedMeanWithoutFailed: perSeedOk, perSeedMeanWithoutFailedOrDiverged: perSeedKept,
  };
}

const official = load("official-");
const ours = load("rsbench-seed");
const pairedSeeds = [...official.images.keys()];
for (const [seed, rows] of official.images) {
  if (rows.length !== COMPARISON.length) throw new Error(`expected the ${COMPARISON.length} images of the comparison set in official seed ${seed}, got ${rows.length}`);
}
// Same data starts: the distance of rsbench's start (context.startingPoint) to each image is the official one.
let maxStartDiff = 0;
for (const row of [...ours.images.values()].flat()) {
  const o = official.images.get(pairedSeeds[0])!.find((r) => r.image === row.image)!;
  maxStartDiff = Math.max(maxStartDiff, Math.abs(o.startL2 - row.startL2));
}
if (!(maxStartDiff < 1e-4)) throw new Error(`expected rsbench's data starts at the official distances, got a difference of ${maxStartDiff}`);
const complete = [...ours.images].filter(([, rows]) => rows.length === COMPARISON.length).map(([s]) => s).sort((a, b) => a - b);
const table = BUDGETS.map((B) => {
  const off = stats(official.runs.get(B)!);
  const paired = stats(ours.runs.get(B)!.filter((r) => pairedSeeds.includes(r.seed)));
  const all = stats(ours.runs.get(B)!.filter((r) => complete.includes(r.seed)));
  return {
    budget: B, official: off, rsbenchSeeds12: paired, rsbenchAllSeeds: all,
    ratio: {
      seeds12: { mean: paired.mean / off.mean, meanWithoutFailed: paired.meanWithoutFailed / off.meanWithoutFailed, meanWithoutFailedOrDiverged: paired.meanWithoutFailedOrDiverged / off.meanWithoutFailedOrDiverged, median: paired.median / off.median },
      allSeeds: { mean: all.mean / off.mean, meanWithoutFailed: all.meanWithoutFailed / off.meanWithoutFailed, meanWithoutFailedOrDiverged: all.meanWithoutFailedOrDiverged / off.meanWithoutFailedOrDiverged, median: all.median / off.median },
    },
  };
});
/**
 * 95% percentile interval of mean(rsbench) / mean(official) over runs, by a bootstrap stratified by
 * image (each side's runs of each image resampled with replacement, so every resample keeps the 12
 * images with their run counts): how far the two means can be told apart with this many runs, given
 * the heavy tail (failed and stuck runs). Seeded (createRandom(0)), 4000 resamples.
 */
function ratioInterval(off: Run[], ours: Run[], resamples = 4000): { low: number; high: number } {
  const random = createRandom(0);
  const group = (runs: Run[]) => COMPARISON.map((i) => runs.filter((r) => r.image === i).map((r) => r.l2));
  const a = group(off), b = group(ours);
  const draw = (groups: number[][]) => {
    let sum = 0, count = 0;
    for (const g of groups) for (let k = 0; k < g.length; k++) { sum += g[Math.floor(random.nextFloat() * g.length)]; count++; }
    return sum / count;
  };
  const ratios: number[] = [];
  for (let k = 0; k < resamples; k++) ratios.push(draw(b) / draw(a));
  ratios.sort((x, y) => x - y);
  return { low: ratios[Math.floor(0.025 * resamples)], high: ratios[Math.ceil(0.975 * resamples) - 1] };
}

/** Two-sided Fisher exact p-value of a 2x2 table [[a, b], [c, d]] (sum of the tables no more likely than this one). */
function fisherExact(a: number, b: number, c: number, d: number): number {
  const logFactorial = (n: number) => { let s = 0; for (let k = 2; k <= n; k++) s += Math.log(k); return s; };
  const row1 = a + b, row2 = c + d, col1 = a + c, n = row1 + row2;
  const logP = (x: number) => logFactorial(row1) + logFactorial(row2) + logFactorial(col1) + logFactorial(n - col1)
    - logFactorial(n) - logFactorial(x) - logFactorial(row1 - x) - logFactorial(col1 - x) - logFactorial(row2 - col1 + x);
  const observed = logP(a);
  let p = 0;
  for (let x = Math.max(0, col1 - row2); x <= Math.min(row1, col1); x++) if (logP(x) <= observed + 1e-9) p += Math.exp(logP(x));
  return Math.min(1, p);
}

/** Runs whose iterate is far off at this budget: failed (P[g(x) != y] < 0.1) or farther than their start. */
const stuck = (runs: Run[]) => runs.filter((r) => r.pAdv < FAILED || r.l2 > r.startL2).length;
const tests = BUDGETS.map((B) => {
  const off = official.runs.get(B)!, all = ours.runs.get(B)!.filter((r) => complete.includes(r.seed));
  const so = stuck(off), sr = stuck(all);
  return {
    budget: B, ratioOfMeans: mean(all.map((r) => r.l2)) / mean(off.map((r) => r.l2)), interval: ratioInterval(off, all),
    stuck: { official: so, officialRuns: off.length, rsbench: sr, rsbenchRuns: all.length, fisherP: fisherExact(so, off.length - so, sr, all.length - sr) },
  };
});

// CPU seconds of the attack alone (its calls of g included): official cpuSeconds, rsbench attackCpuSeconds.
const summary = (v: number[]) => ({ mean: mean(v), min: Math.min(...v), max: Math.max(...v), runs: v.length });
const officialRows = [...official.images.values()].flat();
const ourRows = complete.flatMap((s) => ours.images.get(s)!);
const timing = {
  officialCpuSecondsPerImage: summary(officialRows.map((r) => r.cpuSeconds).filter((c): c is number => c !== undefined)),
  rsbenchCpuSecondsPerImage: summary(ourRows.map((r) => r.attackCpuSeconds!)),
};
// The first gradient estimate: its probe count comes from the first line search's (s, eps); runs where
// it takes more than 3000 probes (official: gradProbes of iteration 1; rsbench: calls between the
// border points of iterations 0 and 1, which also hold the second line search's queries).
const firstEstimate = {
  officialOver3000: officialRows.filter((r) => (r.iterations[0]?.gradProbes ?? 0) > 3000).length, officialRuns: officialRows.length,
  officialMaxProbes: Math.max(...officialRows.map((r) => r.iterations[0]?.gradProbes ?? 0)),
  rsbenchOver3000: ourRows.filter((r) => r.iterations.length > 1 && r.iterations[1].calls - r.iterations[0].calls > 3000).length, rsbenchRuns: ourRows.length,
};

const f = (x: number) => x.toFixed(2);
const range = (v: number[]) => `${f(Math.min(...v))}-${f(Math.max(...v))}`;
type S = ReturnType<typeof stats>;
const cells = (x: S) => `${f(x.mean)} / ${f(x.meanWithoutFailed)} / ${f(x.meanWithoutFailedOrDiverged)} / ${f(x.median)}`;
const ratios = (x: { mean: number; meanWithoutFailed: number; meanWithoutFailedOrDiverged: number; median: number }) => `${f(x.mean)} / ${f(x.meanWithoutFailed)} / ${f(x.meanWithoutFailedOrDiverged)} / ${f(x.median)}`;
const lines = [
  `rsbench seeds with all ${COMPARISON.length} images: ${complete.join(", ")}; official seeds ${pairedSeeds.join(", ")}; largest start-distance difference ${maxStartDiff.toExponential(1)}`,
  "each cell: mean (all runs) / mean without failed runs (P[g(x) != y] < 0.1) / mean without failed or diverged runs (iterate farther than the start) / median",
  "",
  `| calls of g | official, seeds ${pairedSeeds.join(", ")} (${table[0].official.runs} runs) | rsbench, seeds ${pairedSeeds.join(", ")} (${table[0].rsbenchSeeds12.runs} runs) | ratio rsbench/official, same seeds | rsbench, ${complete.length} seeds (${table[0].rsbenchAllSeeds.runs} runs) | ratio rsbench (${complete.length} seeds)/official | per-seed means (all runs): official / rsbench range |`,
  "|---|---|---|---|---|---|---|",
  ...table.map((t) => `| ${t.budget} | ${cells(t.official)} | ${cells(t.rsbenchSeeds12)} | ${ratios(t.ratio.seeds12)} | ${cells(t.rsbenchAllSeeds)} | ${ratios(t.ratio.allSeeds)} | ${t.official.perSeedMean.map(f).join(", ")} / ${range(t.rsbenchAllSeeds.perSeedMean)} |`),
  "",
  ...table.map((t) => `at ${t.budget}: failed: official ${t.official.failed.join("; ") || "none"}; rsbench ${t.rsbenchAllSeeds.failed.join("; ") || "none"}. Diverged: official ${t.official.diverged.join("; ") || "none"}; rsbench ${t.rsbenchAllSeeds.diverged.join("; ") || "none"}`),
  "",
  `per-seed means without failed runs: ${table.map((t) => `${t.budget}: official ${t.official.perSeedMeanWithoutFailed.map(f).join(", ")}, rsbench ${range(t.rsbenchAllSeeds.perSeedMeanWithoutFailed)}`).join("; ")}`,
  `per-seed means without failed or diverged runs: ${table.map((t) => `${t.budget}: official ${t.official.perSeedMeanWithoutFailedOrDiverged.map(f).join(", ")}, rsbench ${range(t.rsbenchAllSeeds.perSeedMeanWithoutFailedOrDiverged)}`).join("; ")}`,
  `CPU seconds per image (the attack, 10000 calls): official ${timing.officialCpuSecondsPerImage.mean.toFixed(0)} (${timing.officialCpuSecondsPerImage.min.toFixed(0)}-${timing.officialCpuSecondsPerImage.max.toFixed(0)}, ${timing.officialCpuSecondsPerImage.runs} runs); rsbench ${timing.rsbenchCpuSecondsPerImage.mean.toFixed(1)} (${timing.rsbenchCpuSecondsPerImage.min.toFixed(1)}-${timing.rsbenchCpuSecondsPerImage.max.toFixed(1)}, ${timing.rsbenchCpuSecondsPerImage.runs} runs)`,
  `not attacked, their seed left out: ${skipped.join("; ") || "none"}`,
  "",
  "| calls of g | ratio of means, all runs (rsbench / official) | 95% interval (bootstrap by image, 4000) | failed or diverged: official | rsbench | Fisher exact p |",
  "|---|---|---|---|---|---|",
  ...tests.map((t) => `| ${t.budget} | ${f(t.ratioOfMeans)} | ${f(t.interval.low)}-${f(t.interval.high)} | ${t.stuck.official} of ${t.stuck.officialRuns} | ${t.stuck.rsbench} of ${t.stuck.rsbenchRuns} | ${t.stuck.fisherP.toFixed(2)} |`),
  "",
  `first gradient estimate over 3000 probes: official ${firstEstimate.officialOver3000} of ${firstEstimate.officialRuns} runs (largest ${firstEstimate.officialMaxProbes}); rsbench ${firstEstimate.rsbenchOver3000} of ${firstEstimate.rsbenchRuns}`,
];
process.stdout.write(`${lines.join("\n")}\n`);
const out = join(RESULTS, "comparison.json");
writeFileSync(`${out}.tmp`, `${JSON.stringify({ what: "official PopSkipJump vs rsbench psj, 12-image comparison set, L2 of the iterate at each budget (bench/peers/psj/compare.ts)", failedBelowPAdv: FAILED, bar: BAR, officialSeeds: pairedSeeds, rsbenchSeeds: complete, skipped, table, tests, timing, firstEstimate }, null, 1)}\n`);
renameSync(`${out}.tmp`, out);
