import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { credibleInterval, getCosFromN, getNFromCos, INFOMAX_MAX_QUERIES, InfomaxLineSearch, psjLikelihood } from "../../src/attacks/infomax.js";
import { createRandom } from "../../src/rng/index.js";

/**
 * Reference values computed with scipy (float64) from the official infomax.py formulas by
 * bench/peers/psj/cosine_reference.py (python3 bench/peers/psj/cosine_reference.py > test/fixtures/psj-cosine.json).
 */
interface Reference {
  cases: Array<{ fn: "cos" | "n"; n?: number; cos?: number; s: number | "inf"; theta: number; delta: number; d: number; eps: number; value: number }>;
  likelihood: Array<{ x: number; t: number; s: number; eps: number; value: number }>;
}
const reference = JSON.parse(readFileSync(new URL("../fixtures/psj-cosine.json", import.meta.url), "utf8")) as Reference;

const close = (got: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: got ${got}, expected ${want}`);

test("getCosFromN and getNFromCos match scipy values of the official formulas", () => {
  assert.ok(reference.cases.length >= 90);
  for (const c of reference.cases) {
    const model = { s: c.s === "inf" ? Infinity : c.s, theta: c.theta, delta: c.delta, d: c.d, eps: c.eps };
    const got = c.fn === "cos" ? getCosFromN(c.n!, model) : getNFromCos(c.cos!, model);
    close(got, c.value, 1e-9, JSON.stringify(c));
  }
  // HSJA's schedule at 28x28: 100 probes give E[cos] 0.1704 (s = Infinity, theta' = 1).
  const theta = 1 / (28 * 784);
  close(getCosFromN(100, { theta, delta: theta * 28, d: 784 }), 0.17041671662052574, 1e-9, "cos(100) at d = 784");
  // The two are inverses of each other.
  close(getNFromCos(getCosFromN(1234, { s: 5, theta: 0.01, delta: 0.28, d: 784, eps: 0.1 }), { s: 5, theta: 0.01, delta: 0.28, d: 784, eps: 0.1 }), 1234, 1e-9, "round trip");
  // alpha = 0 (eps = 1/2): no number of probes reaches any cosine.
  assert.equal(getNFromCos(0.5, { s: 5, eps: 0.5 }), Infinity);
  assert.equal(getCosFromN(100, { s: 5, eps: 0.5 }), 0);
});

test("the likelihood is eps + (1 - 2 eps) (tanh(2 s (x - t)) / 2 + 1 / 2), as scipy computes it", () => {
  for (const c of reference.likelihood) close(psjLikelihood(c.x, c.t, c.s, c.eps), c.value, 1e-12, JSON.stringify(c));
});

test("the first search stops on a deterministic step within one grid cell of it", async () => {
  const search = new InfomaxLineSearch(100);
  for (const t of [0.123, 0.5, 0.871]) {
    const result = await search.search(async (x) => x > t, { previous: null, targetCos: 0.2, d: 784, delta: 0.28, random: createRandom(1) });
    assert.ok(result.converged);
    assert.ok(Math.abs(result.t - t) <= 0.01, `t ${t}: MAP ${result.t}`);
    // A binary search would need ~7 queries; the stop rule needs 11 stable MAPs plus its own last query.
    assert.ok(result.queries >= 12 && result.queries < 60, `t ${t}: ${result.queries} queries`);
    assert.equal(result.e, 0);
  }
  // A later search: t on 201 points, eps frozen at the previous estimate.
  const later = await search.search(async (x) => x > 0.4, { previous: { t: 0.5, s: 100, e: 0.05 }, targetCos: 0.2, d: 784, delta: 0.28, random: createRandom(2) });
  assert.equal(search.tCount, 201);
  assert.equal(later.e, 0.05);
  // Candidates are 0.01 apart: the answers place the step in (0.40, 0.41], the MAP on the finer t grid in [0.40, 0.41].
  assert.ok(later.t >= 0.4 - 1e-12 && later.t <= 0.41 + 1e-12, `MAP ${later.t}`);
});

test("a search that never settles ends at the official kmax of 5000 queries", async () => {
  // Answers that ignore x: the posterior over t stays flat-ish and the MAP keeps moving, or settles;
  // either way no search asks more than INFOMAX_MAX_QUERIES.
  const search = new InfomaxLineSearch(10);
  const random = createRandom(3);
  const result = await search.search(async () => random.nextFloat() < 0.5, { previous: null, targetCos: 0.2, d: 16, delta: 0.4, random: createRandom(4) });
  assert.ok(result.queries <= INFOMAX_MAX_QUERIES);
  assert.equal(INFOMAX_MAX_QUERIES, 5000);
});

test("on noisy steps with known t, s and eps the truth lies in the 95% credible interval of t in >= 90% of 200 seeds", async () => {
  // Grid 30 keeps the 200 searches to a few seconds; the method is the same at any grid size.
  const grid = 30;
  const search = new InfomaxLineSearch(grid);
  const marginal = new Float64Array(2 * grid + 1);
  let inside = 0, near = 0, queries = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const random = createRandom(seed);
    // t in [0.2, 0.8], s in [10^0.5, 10^1.5] (a transition over 3-30% of the line), eps in [0, 0.15].
    const t = 0.2 + 0.6 * random.nextFloat(), s = 10 ** (0.5 + random.nextFloat()), eps = 0.15 * random.nextFloat();
    const answers = random.fork(1);
    const result = await search.search(async (x) => answers.nextFloat() < psjLikelihood(x, t, s, eps), {
      previous: null, targetCos: 0.2, d: 784, delta: 0.28, random: random.fork(2),
    });
    search.tMarginal(marginal);
    const [lo, hi] = credibleInterval(marginal, search.tCount, (i) => search.tAt(i), 0.95);
    // Each grid value stands for its cell: the truth is inside when it is within half a cell of [lo, hi].
    if (t >= lo - 0.5 / grid && t <= hi + 0.5 / grid) inside++;
    if (Math.abs(result.t - t) <= 2 / grid) near++;
    queries += result.queries;
  }
  // Measured: inside 192 of 200, MAP within two grid cells in 196 of 200 (98%), 68 queries on average.
  assert.ok(inside >= 180, `truth inside the 95% interval in ${inside} of 200`);
  assert.ok(near >= 150, `MAP within two grid cells in ${near} of 200`);
  assert.ok(queries / 200 < 200, `mean queries ${queries / 200}`);
});

test("credibleInterval cuts 2.5% from each tail", () => {
  const m = new Float64Array([0.02, 0.02, 0.46, 0.46, 0.02, 0.02]);
  assert.deepEqual(credibleInterval(m, 6, (i) => i, 0.95), [1, 4]);
  assert.deepEqual(credibleInterval(m, 6, (i) => i, 0.9), [2, 3]);
});
