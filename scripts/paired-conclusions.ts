/**
 * A paired check of the paper's conclusions 3, 4 and 5 on a run's hardened distortions. The
 * report's rules (src/report/conclusions.ts) compare per-cell means, and two cells hold different
 * images: a larger sigma or a smaller n misclassifies other images, and those images are not
 * attacked there. Here every ratio is taken over the images hardened in both cells only:
 *
 *   3: per attack, the median over (n, Pa) of mean L2 at the largest sigma / at the smallest sigma
 *      (RS defenses, the `rs` kind);
 *   4: per (defense, Pa, attack), mean L2 at the smallest n / at the largest n;
 *   5: per (defense, n, attack), mean L2 at the highest Pa / at the lowest Pa, and their median.
 *
 * It prints the numbers only; the verdicts stay the report's (the paper's definitions).
 *
 *   node --import tsx scripts/paired-conclusions.ts RUN_DIR
 */
import { readStore } from "../src/experiments/store.js";
import type { AttackRecord } from "../src/experiments/records.js";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: node --import tsx scripts/paired-conclusions.ts RUN_DIR\n");
  process.exit(2);
}

const attacks = readStore(dir).records.filter((r): r is AttackRecord => r.kind === "attack");
/** Hardened L2 per image, per cell (defense name, sigma, n, Pa, attack). */
const cells = new Map<string, Map<number, number>>();
const key = (name: string, sigma: number | null, n: number | null, pa: number | null, attack: string) => JSON.stringify([name, sigma, n, pa, attack]);
for (const r of attacks) {
  if (r.defense.sigma === null || r.status !== "attacked" || !r.success || r.hardened?.status !== "hardened") continue;
  const k = key(r.defense.name, r.defense.sigma, r.defense.n, r.defense.pa, r.attack);
  const cell = cells.get(k) ?? new Map<number, number>();
  cell.set(r.image, r.hardened.l2 as number);
  cells.set(k, cell);
}
const parsed = [...cells.keys()].map((k) => JSON.parse(k) as [string, number, number, number, string]);
const distinct = <T>(xs: T[]) => [...new Set(xs)].sort((a, b) => (a as number) - (b as number));
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Ratio of the mean hardened L2 of cell a to that of cell b over their common images, and their count. */
function paired(a: string, b: string): { ratio: number; images: number } | null {
  const A = cells.get(a), B = cells.get(b);
  if (!A || !B) return null;
  const common = [...A.keys()].filter((i) => B.has(i));
  if (common.length === 0) return null;
  return { ratio: mean(common.map((i) => A.get(i)!)) / mean(common.map((i) => B.get(i)!)), images: common.length };
}
const f = (x: number) => x.toFixed(3);
const range = (xs: { ratio: number; images: number }[]) =>
  `${f(Math.min(...xs.map((x) => x.ratio)))}-${f(Math.max(...xs.map((x) => x.ratio)))} over ${xs.length} groups (${Math.min(...xs.map((x) => x.images))}-${Math.max(...xs.map((x) => x.images))} common images)`;
const attackNames = distinct(parsed.map((p) => p[4]));

// 3: RS defenses at their smallest and largest sigma.
const rsNames = new Set(attacks.filter((r) => r.defense.kind === "rs").map((r) => r.defense.name));
const rsSigmas = distinct(parsed.filter((p) => rsNames.has(p[0])).map((p) => p[1]));
if (rsSigmas.length >= 2) {
  const [small, large] = [rsSigmas[0], rsSigmas[rsSigmas.length - 1]];
  for (const attack of attackNames) {
    const ratios: { ratio: number; images: number }[] = [];
    for (const [name, sigma, n, pa, a] of parsed) {
      if (a !== attack || sigma !== large || !rsNames.has(name)) continue;
      const low = parsed.find((p) => rsNames.has(p[0]) && p[1] === small && p[2] === n && p[3] === pa && p[4] === attack);
      const r = low && paired(key(name, sigma, n, pa, a), key(...low));
      if (r) ratios.push(r);
    }
    if (ratios.length) console.log(`3. ${attack}: median over (n, Pa) of paired L2(σ=${f(large)}) / L2(σ=${f(small)}) = ${f(median(ratios.map((r) => r.ratio)))} (${range(ratios)})`);
  }
}

// 4 and 5.
const four: { ratio: number; images: number }[] = [], five: { ratio: number; images: number }[] = [];
const defensePoints = distinct(parsed.map((p) => JSON.stringify([p[0], p[1]]))).map((d) => JSON.parse(d) as [string, number]);
for (const [name, sigma] of defensePoints) for (const attack of attackNames) {
  const own = parsed.filter((p) => p[0] === name && p[1] === sigma && p[4] === attack);
  for (const pa of distinct(own.map((p) => p[3]))) {
    const ns = distinct(own.filter((p) => p[3] === pa).map((p) => p[2]));
    const r = ns.length >= 2 ? paired(key(name, sigma, ns[0], pa, attack), key(name, sigma, ns[ns.length - 1], pa, attack)) : null;
    if (r) four.push(r);
  }
  for (const n of distinct(own.map((p) => p[2]))) {
    const pas = distinct(own.filter((p) => p[2] === n).map((p) => p[3]));
    const r = pas.length >= 2 ? paired(key(name, sigma, n, pas[pas.length - 1], attack), key(name, sigma, n, pas[0], attack)) : null;
    if (r) five.push(r);
  }
}
if (four.length) console.log(`4. paired L2(smallest n) / L2(largest n): ${range(four)}`);
if (five.length) console.log(`5. paired L2(highest Pa) / L2(lowest Pa): median ${f(median(five.map((r) => r.ratio)))}, ${range(five)}`);
