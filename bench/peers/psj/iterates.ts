/**
 * `rsbench attack` on a few images, also reporting each attack's own final point (PSJ's iterate: the
 * border point of its last line search), which the record does not hold (its l2 is the best point the
 * oracle ever answered adversarial, its hardened point the nearest verified one from there).
 * Same pipeline, seeds and streams as the CLI (attackImageWithPoints): the records match its --out.
 *   node --import tsx bench/peers/psj/iterates.ts psj 4 2000 [sigma=0.1] [n=10] [oracle=label] [start=data]
 */
import { attackEntry } from "../../../src/attacks/registry.js";
import { attackImageWithPoints } from "../../../src/attacks/pipeline.js";
import { labelStartPool, type StartPool } from "../../../src/attacks/start.js";
import type { Attack, AttackOutcome } from "../../../src/attacks/types.js";
import { resolveConfig } from "../../../src/cli/commands/attack.js";
import { imageAt, loadData } from "../../../src/data/index.js";
import { loadModel } from "../../../src/zoo/index.js";

const [attack = "psj", count = "4", queries = "2000", sigma = "0.1", n = "10", oracle = "label", start = "data", offset = "0"] = process.argv.slice(2);
const config = resolveConfig({ model: "fashion-mnist-standard", data: "fashion-mnist", attack, queries, sigma, n, oracle, start, count, offset, seed: "0" });
const model = (await loadModel(config.model)).classifier;
const set = await loadData(config.data, { selection: config.selection });
let pool: Promise<StartPool> | null = null;
const entry = attackEntry(attack);
let last: AttackOutcome | null = null;
const wrapped: Attack<unknown> = async (...args) => (last = await entry.attack(...args));
const resources = { base: model, entry: { ...entry, attack: wrapped }, pool: () => (pool ??= labelStartPool(model, (c) => loadData(config.data, { selection: c === undefined ? {} : { count: c } }))) };
const rows: number[][] = [];
for (let i = 0; i < set.count; i++) {
  last = null;
  const image = imageAt(set, i);
  const t0 = performance.now();
  const { record } = await attackImageWithPoints({ seed: config.seed, defense: config.defense, attack: config.attack, image: { index: set.indices[i], label: set.labels[i], pixels: image } }, resources);
  let iterate = NaN;
  const own = (last as AttackOutcome | null)?.adversarial;
  if (own) { let s = 0; for (let k = 0; k < image.length; k++) s += (own[k] - image[k]) ** 2; iterate = Math.sqrt(s); }
  const hardened = record.hardened?.l2 ?? NaN;
  rows.push([iterate, record.l2 ?? NaN, hardened]);
  process.stdout.write(`image ${record.image}: ${record.status} iterate L2 ${iterate.toFixed(3)} best answered ${record.l2?.toFixed(3)} hardened ${hardened.toFixed(3)} queries ${record.queries} iterations ${record.iterations} ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
const attacked = rows.filter((r) => !Number.isNaN(r[0]));
const mean = (j: number) => attacked.reduce((a, r) => a + r[j], 0) / attacked.length;
process.stdout.write(`${attack} mean over the ${attacked.length} attacked images: iterate ${mean(0).toFixed(3)} best answered ${mean(1).toFixed(3)} hardened ${mean(2).toFixed(3)}\n`);
