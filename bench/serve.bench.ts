/**
 * `rsbench serve` benchmarks (issue 14), each against `rsbench serve` in a child process on
 * loopback, model fashion-mnist-randtrain-0.25:
 * 1. Load: 20 concurrent clients, each POSTing one test image (float32 octets) after the other for
 *    LOAD_SECONDS, against the base model and against g(0.25, n=100). Errors (any answer but 200,
 *    any failed request), p50/p99 latency, requests and images per second.
 * 2. Timing leak: median response time of a point near the boundary of g (votes split) and of a
 *    clean test image far from it (votes unanimous), alternating, TIMING_ROUNDS each, with all n
 *    draws per query (the default) and with --early-stop. Without early stopping the two times
 *    match; with it the near point takes longer (up to n draws against about n/2), which is what an
 *    attacker timing the answers would read.
 */
import { imageAt, loadData } from "../src/data/index.js";
import { float32ToBytes } from "../src/model/http.js";
import { createRandom } from "../src/rng/xoshiro.js";
import { SmoothedClassifier } from "../src/smoothing/smoothed.js";
import { loadModel } from "../src/zoo/index.js";
import { serve } from "../test/serve/fixture.js";
import { median } from "./measure.js";

const MODEL = "fashion-mnist-randtrain-0.25";
const SIGMA = 0.25;
const N = 100;
const CLIENTS = 20;
const LOAD_SECONDS = 5;
const TIMING_ROUNDS = 60;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function post(url: string, body: Buffer): Promise<{ ok: boolean; ms: number; labels?: number[] }> {
  const t0 = performance.now();
  try {
    const response = await fetch(`${url}/v1/classify`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body, signal: AbortSignal.timeout(30_000) });
    const json = (await response.json()) as { labels?: number[] };
    return { ok: response.status === 200, ms: performance.now() - t0, labels: json.labels };
  } catch {
    return { ok: false, ms: performance.now() - t0 };
  }
}

async function load(label: string, args: string[], bodies: Buffer[]): Promise<void> {
  const server = await serve(["--model", MODEL, ...args]);
  try {
    for (let i = 0; i < CLIENTS; i++) await post(server.url, bodies[i % bodies.length]); // warm up: connections, model
    const latencies: number[] = [];
    let errors = 0;
    const start = performance.now();
    const deadline = start + LOAD_SECONDS * 1000;
    await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = c; performance.now() < deadline; i += CLIENTS) {
        const r = await post(server.url, bodies[i % bodies.length]);
        latencies.push(r.ms);
        if (!r.ok) errors++;
      }
    }));
    const seconds = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    process.stdout.write(`load ${label}: ${CLIENTS} clients, ${seconds.toFixed(1)} s, ${latencies.length} requests, errors ${errors}, ` +
      `p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, ${(latencies.length / seconds).toFixed(1)} requests/s (1 image each)\n`);
  } finally {
    await server.stop();
  }
}

async function timing(label: string, args: string[], near: Buffer, far: Buffer): Promise<{ near: number; far: number }> {
  const server = await serve(["--model", MODEL, "--sigma", String(SIGMA), "--n", String(N), "--seed", "1", ...args]);
  try {
    for (let i = 0; i < 10; i++) { await post(server.url, near); await post(server.url, far); }
    const t = { near: [] as number[], far: [] as number[] };
    for (let i = 0; i < TIMING_ROUNDS; i++) {
      t.near.push((await post(server.url, near)).ms);
      t.far.push((await post(server.url, far)).ms);
    }
    const m = { near: median(t.near), far: median(t.far) };
    process.stdout.write(`timing ${label}: median near ${m.near.toFixed(2)} ms, far ${m.far.toFixed(2)} ms, difference ${(m.near - m.far).toFixed(2)} ms (near/far ${(m.near / m.far).toFixed(2)}), ${TIMING_ROUNDS} requests each\n`);
    return m;
  } finally {
    await server.stop();
  }
}

export default async function (): Promise<void> {
  const set = await loadData("fashion-mnist", { selection: { count: 200 } });
  const bodies = Array.from({ length: set.count }, (_, i) => float32ToBytes(imageAt(set, i)));
  await load("base model", [], bodies);
  await load(`g(${SIGMA}, n=${N})`, ["--sigma", String(SIGMA), "--n", String(N)], bodies);

  // A far point: the test image whose smoothed vote is most unanimous; a near point: on the segment
  // from it to an image of another class, where g's top two classes split the votes (bisection).
  const { classifier: base } = await loadModel(MODEL);
  const g = new SmoothedClassifier(base, { sigma: SIGMA, n: 1000, random: createRandom(7) });
  const k = base.numClasses;
  const share = async (x: Float32Array, label: number) => {
    const v = await g.votes(x, 1);
    return v.counts[label] / v.draws[0];
  };
  const labels = await base.predict(set.images.subarray(0, 40 * imageAt(set, 0).length), 40);
  let farIndex = 0, best = -1;
  for (let i = 0; i < 20; i++) {
    if (labels[i] !== set.labels[i]) continue;
    const s = await share(imageAt(set, i), labels[i]);
    if (s > best) { best = s; farIndex = i; }
  }
  const far = imageAt(set, farIndex), y = labels[farIndex];
  const other = imageAt(set, [...labels].findIndex((l) => l !== y));
  let lo = 0, hi = 1;
  const point = (t: number) => far.map((v, j) => (1 - t) * v + t * other[j]);
  for (let i = 0; i < 14; i++) {
    const t = (lo + hi) / 2;
    if ((await share(point(t), y)) > 0.5) lo = t; else hi = t;
  }
  const near = point((lo + hi) / 2);
  const votes = await g.votes(near, 1);
  const top = [...votes.counts].map((c, j) => [c, j]).sort((a, b) => b[0] - a[0]).slice(0, 2);
  process.stdout.write(`timing points: far = test image ${set.indices[farIndex]} (class ${y}, ${(100 * best).toFixed(1)}% of 1000 votes); near = on the segment to another class, votes ${top.map(([c, j]) => `${(c / 10).toFixed(1)}% class ${j}`).join(", ")} of 1000 (of ${k} classes)\n`);
  const full = await timing("all n draws (default)", [], float32ToBytes(near), float32ToBytes(far));
  const stop = await timing("--early-stop", ["--early-stop"], float32ToBytes(near), float32ToBytes(far));
  process.stdout.write(`timing leak: near - far = ${(full.near - full.far).toFixed(2)} ms with all draws, ${(stop.near - stop.far).toFixed(2)} ms with early stopping\n`);
}
