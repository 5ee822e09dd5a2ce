/**
 * rsbench's PSJ line search (src/attacks/infomax.ts), never run by the tests:
 * - `linesearch.ts noisy`: CPU per query on steps with t in [0.3, 0.7], s = 20, eps = 0.05 (6 searches
 *   at grid 100, 2 at grid 300), the table of BENCHMARKS.md ("Line search alone");
 * - `linesearch.ts official <grid> [later]`: 20 searches of the official bin_search's own synthetic step
 *   (P(y = 1 | x) = sigma(300 (x - 0.3)), eps = 0), printed as bench/peers/psj/official_linesearch.py
 *   prints the official code's.
 * - `linesearch.ts vote K T SEEDS`: first searches (grid 100, d = 784, delta 0.28, target cosine 0.1704) on
 *   a line answered by a majority of 10 votes that each keep the label with probability Phi(K (x - T)),
 *   ties to the label: g(sigma, 10) across a linear boundary; printed as
 *   bench/peers/psj/official_linesearch_vote.py prints the official code's.
 * Later searches start from t' = 0.5, s' = 10 (eps frozen); first ones from the flat prior.
 *   node --import tsx bench/peers/psj/linesearch.ts noisy | official 100 [later] | vote 10 0.4 100
 */
import { InfomaxLineSearch, psjLikelihood } from "../../../src/attacks/infomax.js";
import { createRandom } from "../../../src/rng/index.js";
import { normalCdf } from "../../../src/stats/normal.js";

const d = 784;
const [mode = "noisy", gridArg = "100", laterArg] = process.argv.slice(2);
const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
if (mode === "official") {
  const grid = Number(gridArg), later = laterArg === "later";
  const search = new InfomaxLineSearch(grid);
  const qs: number[] = [], ts = new Set<number>(), ss: number[] = [], es = new Set<number>(), ns: number[] = [];
  const cpu = process.cpuUsage();
  for (let seed = 0; seed < 20; seed++) {
    const random = createRandom(seed);
    const r = await search.search(async (x) => random.nextFloat() < psjLikelihood(x, 0.3, 300, 0), {
      previous: later ? { t: 0.5, s: 10, e: 0 } : null, targetCos: 0.1704, d, delta: Math.sqrt(d) / grid, random: random.fork(1),
    });
    qs.push(r.queries); ts.add(Math.round(r.t * 1000) / 1000); ss.push(r.s); es.add(r.e); ns.push(r.n);
  }
  const used = process.cpuUsage(cpu);
  process.stdout.write(`rsbench grid ${grid} ${later ? "later" : "first"} search: queries mean ${(qs.reduce((a, b) => a + b) / qs.length).toFixed(1)} median ${median(qs).toFixed(1)}, t in [${[...ts].sort().join(", ")}], s median ${median(ss).toFixed(2)}, eps in [${[...es].join(", ")}], n median ${median(ns).toFixed(1)}, ${((used.user + used.system) / 1000 / qs.reduce((a, b) => a + b)).toFixed(2)} ms CPU per query\n`);
} else if (mode === "vote") {
  const [k, t, seeds] = [Number(gridArg), Number(laterArg), Number(process.argv[5])];
  const search = new InfomaxLineSearch(100);
  const votes = createRandom(12345);
  const qs: number[] = [], ts: number[] = [], logS = new Map<number, number>(), ns: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const r = await search.search(async (x) => {
      const p = normalCdf(k * (x - t));
      let keep = 0;
      for (let v = 0; v < 10; v++) if (votes.nextFloat() < p) keep++;
      return keep >= 5;
    }, { previous: null, targetCos: 0.1704, d, delta: 0.28, random: createRandom(seed) });
    qs.push(r.queries); ts.push(r.t); ns.push(r.n);
    const ls = Math.round(Math.log10(r.s) * 10) / 10;
    logS.set(ls, (logS.get(ls) ?? 0) + 1);
  }
  const counts = [...logS].sort((a, b) => a[0] - b[0]).map(([v, c]) => `${v}: ${c}`).join(", ");
  process.stdout.write(`rsbench k=${k} t=${t} seeds=${seeds}: queries mean ${(qs.reduce((a, b) => a + b) / qs.length).toFixed(1)}, t median ${median(ts).toFixed(3)}, log10 s counts {${counts}}, n median ${median(ns).toFixed(0)}, n > 3000: ${ns.filter((v) => v > 3000).length}\n`);
} else {
  for (const grid of [100, 300]) {
    const search = new InfomaxLineSearch(grid);
    for (const later of [false, true]) {
      let queries = 0;
      const runs = grid === 100 ? 6 : 2;
      const cpu = process.cpuUsage();
      for (let seed = 1; seed <= runs; seed++) {
        const random = createRandom(seed);
        const t = 0.3 + 0.4 * random.nextFloat();
        const result = await search.search(async (x) => random.nextFloat() < psjLikelihood(x, t, 20, 0.05), {
          previous: later ? { t: 0.5, s: 10, e: 0.05 } : null, targetCos: 0.2, d, delta: 0.28, random: random.fork(1),
        });
        queries += result.queries;
      }
      const used = process.cpuUsage(cpu);
      process.stdout.write(`rsbench noisy step, grid ${grid}, ${later ? "later" : "first"} search: ${(queries / runs).toFixed(0)} queries per search, ${((used.user + used.system) / 1000 / queries).toFixed(2)} ms CPU per query\n`);
    }
  }
}
