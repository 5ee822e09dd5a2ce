/**
 * Prints the paired check of conclusions 2, 3, 4 and 5 (src/report/paired.ts) on a run's records:
 * each ratio over the images that have a distortion in both cells. The report shows the same
 * numbers under its conclusions.
 *
 *   node --import tsx scripts/paired-conclusions.ts RUN_DIR [shortcut|verified|hardened]
 */
import { readStore } from "../src/experiments/store.js";
import type { AttackRecord } from "../src/experiments/records.js";
import { DISTORTION_MEASURES, type DistortionMeasure } from "../src/figures/measure.js";
import { pairedChecks } from "../src/report/paired.js";

const [dir, measure = "hardened"] = process.argv.slice(2);
if (!dir || !DISTORTION_MEASURES.includes(measure as DistortionMeasure)) {
  process.stderr.write(`usage: node --import tsx scripts/paired-conclusions.ts RUN_DIR [${DISTORTION_MEASURES.join("|")}] (got ${JSON.stringify(process.argv.slice(2))})\n`);
  process.exit(2);
}
const attacks = readStore(dir).records.filter((r): r is AttackRecord => r.kind === "attack");
const f = (x: number | null) => (x === null ? "-" : x.toFixed(3));
for (const check of pairedChecks(attacks, measure as DistortionMeasure)) {
  const values = check.ratios.map((r) => r.value), images = check.ratios.map((r) => r.images);
  console.log(`${check.id}. ${check.description} (${measure}): ${f(Math.min(...values))}-${f(Math.max(...values))} over ${values.length} pairs, ${Math.min(...images)}-${Math.max(...images)} common images`);
  for (const s of check.summary) console.log(`   ${s.label} = ${f(s.value)}`);
}
