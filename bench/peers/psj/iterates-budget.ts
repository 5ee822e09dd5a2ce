/**
 * rsbench's `psj` on the comparison set of issue 24 (item 2), read as the official harness reads the
 * official code (run_official.py): ONE run of 10000 calls of g(sigma = 0.1, n = 10) per (image, seed),
 * `label` rule, `--start data`, through the CLI's pipeline (attackImageWithPoints, the same records as
 * `rsbench attack --out`); at each budget B the result is the L2 of the iterate (the border point of a
 * line search, AttackContext.onIterate) of the last iteration completed within B calls, the first line
 * search counting as iteration 0. After the attack, outside its budget, P[g(x) != y] at each of these
 * points on 200 fresh calls of g (its own seeded stream). CPU seconds (process.cpuUsage): of the attack
 * alone (`attackCpuSeconds`, what run_official.py's `cpuSeconds` measures: the attack and its calls of g)
 * and of the whole pipeline (`cpuSeconds`: + the sequential check and hardening, without the 200-call
 * checks); the base model's forward passes during the attack. Not run by the tests.
 *
 *   nice -n 5 node --import tsx bench/peers/psj/iterates-budget.ts OUT.json SEED [IMAGES=5,6,12,...]
 * Resumable: images already in OUT.json are skipped; OUT.json is rewritten (tmp + rename) after each image.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { attackEntry } from "../../../src/attacks/registry.js";
import { attackImageWithPoints, defenseOf } from "../../../src/attacks/pipeline.js";
import { labelStartPool, type StartPool } from "../../../src/attacks/start.js";
import type { Attack } from "../../../src/attacks/types.js";
import { resolveConfig } from "../../../src/cli/commands/attack.js";
import { imageAt, loadData } from "../../../src/data/index.js";
import { keyedRandom } from "../../../src/rng/keyed.js";
import { defend } from "../../../src/smoothing/defense.js";
import { loadModel } from "../../../src/zoo/index.js";

const COMPARISON = [5, 6, 12, 15, 18, 21, 22, 32, 34, 36, 37, 41];
const BUDGETS = [2000, 5000, 10000];
const CHECK_CALLS = 200;
const [out, seedArg, imagesArg] = process.argv.slice(2);
if (out === undefined || seedArg === undefined || !/^\d+$/.test(seedArg)) {
  process.stderr.write(`usage: iterates-budget.ts OUT.json SEED [IMAGES]: expected an output path and an integer seed, got ${JSON.stringify(process.argv.slice(2))}\n`);
  process.exit(2);
}
const images = imagesArg === undefined ? COMPARISON : imagesArg.split(",").map(Number);
if (images.some((i) => !Number.isInteger(i) || i < 0)) {
  process.stderr.write(`invalid IMAGES: expected comma-separated indices, got ${imagesArg}\n`);
  process.exit(2);
}
const budget = Math.max(...BUDGETS);
const flags = { model: "fashion-mnist-standard", data: "fashion-mnist", attack: "psj", queries: String(budget), sigma: "0.1", n: "10", oracle: "label", start: "data", seed: seedArg };
const model = (await loadModel(flags.model)).classifier;

interface Row { image: number; label: number; startL2: number | null; iterations: { step: number; calls: number; l2: number }[]; budgets: { budget: number; l2: number | null; calls: number | null; iterations: number; pAdv: number | null }[]; finalIterateL2: number | null; recordL2: number | null; hardenedL2: number | null; queries: number; status: string; cpuSeconds: number; attackCpuSeconds: number; attackForwardPasses: number; seconds: number }
const result = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) as { images: Row[] } & Record<string, unknown> : {
  what: "rsbench psj vs fashion-mnist-standard behind g(0.1, 10), label rule, start data; L2 of the iterate of the last iteration completed within each budget, one 10000-call run per image (bench/peers/psj/iterates-budget.ts)",
  model: flags.model, data: "fashion-mnist:test (rsbench split v1)", sigma: 0.1, n: 10, oracle: "label", seed: Number(seedArg), budgets: BUDGETS, checkCalls: CHECK_CALLS,
  commit: process.env.RSBENCH_COMMIT ?? null, images: [] as Row[],
};
let pool: Promise<StartPool> | null = null;
const entry = attackEntry("psj");
const l2 = (a: Float32Array, b: Float32Array) => { let s = 0; for (let k = 0; k < a.length; k++) s += (a[k] - b[k]) ** 2; return Math.sqrt(s); };

for (const index of images) {
  if (result.images.some((r) => r.image === index)) continue;
  const config = resolveConfig({ ...flags, count: "1", offset: String(index) });
  const set = await loadData(config.data, { selection: config.selection });
  if (set.indices[0] !== index) throw new Error(`expected image ${index}, got ${set.indices[0]}`);
  const image = imageAt(set, 0);
  const seen: { step: number; calls: number; l2: number; point: Float32Array }[] = [];
  let startL2: number | null = null;
  let finalIterate: number | null = null;
  let attackCpu = NaN, attackForwards = NaN;
  const wrapped: Attack<unknown> = async (oracle, x, label, options, context) => {
    const total = oracle.remaining;
    startL2 = context.startingPoint === undefined ? null : l2(context.startingPoint, x);
    const c0 = process.cpuUsage(), f0 = model.forwardPasses;
    const outcome = await entry.attack(oracle, x, label, options, {
      ...context,
      onIterate: (point, step, remaining) => seen.push({ step, calls: total - remaining, l2: l2(point, x), point: point.slice() }),
    });
    const c = process.cpuUsage(c0);
    attackCpu = (c.user + c.system) / 1e6;
    attackForwards = model.forwardPasses - f0;
    finalIterate = outcome.adversarial === null ? null : l2(outcome.adversarial, x);
    return outcome;
  };
  const resources = { base: model, entry: { ...entry, attack: wrapped }, pool: () => (pool ??= labelStartPool(model, (c) => loadData(config.data, { selection: c === undefined ? {} : { count: c } }))) };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { record } = await attackImageWithPoints({ seed: config.seed, defense: config.defense, attack: config.attack, image: { index, label: set.labels[0], pixels: image } }, resources);
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  // P[g(x) != y] at each budget's point: fresh calls of g, with a stream of their own.
  const g = defend(model, defenseOf(config.defense), { random: keyedRandom(Number(seedArg), `psj-peer-check/${index}`), batchSize: CHECK_CALLS });
  const budgets = [];
  for (const B of BUDGETS) {
    const within = seen.filter((p) => p.calls <= B);
    const last = within.at(-1);
    if (last === undefined) { budgets.push({ budget: B, l2: null, calls: null, iterations: 0, pAdv: null }); continue; }
    const batch = new Float32Array(CHECK_CALLS * image.length);
    for (let i = 0; i < CHECK_CALLS; i++) batch.set(last.point, i * image.length);
    const labels = await g.predict(batch, CHECK_CALLS);
    let wrong = 0;
    for (const y of labels) if (y !== set.labels[0]) wrong++;
    budgets.push({ budget: B, l2: last.l2, calls: last.calls, iterations: last.step, pAdv: wrong / CHECK_CALLS });
  }
  const row: Row = {
    image: index, label: set.labels[0], startL2, iterations: seen.map(({ step, calls, l2 }) => ({ step, calls, l2 })), budgets,
    finalIterateL2: finalIterate, recordL2: record.l2 ?? null, hardenedL2: record.hardened?.l2 ?? null, queries: record.queries, status: record.status,
    cpuSeconds: (cpu.user + cpu.system) / 1e6, attackCpuSeconds: attackCpu, attackForwardPasses: attackForwards, seconds,
  };
  result.images.push(row);
  result.images.sort((a, b) => a.image - b.image);
  writeFileSync(`${out}.tmp`, `${JSON.stringify(result, null, 1)}\n`);
  renameSync(`${out}.tmp`, out);
  process.stdout.write(`seed ${seedArg} image ${index}: ${budgets.map((b) => `${b.budget}: L2 ${b.l2?.toFixed(3)} pAdv ${b.pAdv?.toFixed(2)} (${b.iterations} it)`).join(", ")}; start L2 ${startL2 === null ? "-" : (startL2 as number).toFixed(3)}; ${row.attackCpuSeconds.toFixed(1)} CPU s in the attack (${row.cpuSeconds.toFixed(1)} with the pipeline's checks), ${attackForwards} forwards, ${seconds.toFixed(0)} s\n`);
}
