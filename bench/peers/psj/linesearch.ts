/**
 * CPU per query of rsbench's PSJ line search (src/attacks/infomax.ts), never run by the tests:
 * - "noisy": steps with t in [0.3, 0.7], s = 20, eps = 0.05 (6 searches at grid 100, 2 at grid 300),
 *   the table of BENCHMARKS.md ("Line search alone");
 * - "official": the official bin_search's own synthetic step (P(y = 1 | x) = sigma(300 (x - 0.3)),
 *   eps = 0, 3 searches), the counterpart of bench/peers/psj/official_linesearch.py.
 * First searches start from the flat prior (7 eps values), later ones from t' = 0.5, s' = 10, eps frozen.
 *   node --import tsx bench/peers/psj/linesearch.ts
 */
import { InfomaxLineSearch, psjLikelihood } from "../../../src/attacks/infomax.js";
import { createRandom } from "../../../src/rng/index.js";

const d = 784;
for (const step of ["noisy", "official"] as const) {
  for (const grid of [100, 300]) {
    const search = new InfomaxLineSearch(grid);
    for (const later of [false, true]) {
      let queries = 0;
      const runs = step === "official" ? 3 : grid === 100 ? 6 : 2;
      const cpu = process.cpuUsage();
      for (let seed = 1; seed <= runs; seed++) {
        const random = createRandom(seed);
        const t = step === "official" ? 0.3 : 0.3 + 0.4 * random.nextFloat();
        const [s, e] = step === "official" ? [300, 0] : [20, 0.05];
        const previous = later ? { t: 0.5, s: 10, e: step === "official" ? 0 : 0.05 } : null;
        const result = await search.search(async (x) => random.nextFloat() < psjLikelihood(x, t, s, e), {
          previous, targetCos: step === "official" ? 0.1704 : 0.2, d, delta: step === "official" ? Math.sqrt(d) / grid : 0.28, random: random.fork(1),
        });
        queries += result.queries;
      }
      const used = process.cpuUsage(cpu);
      process.stdout.write(`rsbench ${step} step, grid ${grid}, ${later ? "later" : "first"} search: ${(queries / runs).toFixed(0)} queries per search, ${((used.user + used.system) / 1000 / queries).toFixed(2)} ms CPU per query\n`);
    }
  }
}
