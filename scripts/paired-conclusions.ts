/**
 * Prints the five conclusions (src/report/conclusions.ts) on a run's records under one measure:
 * each verdict, the images per cell an inconclusive one would need, and every deciding paired
 * number with its 95% paired bootstrap interval and images (seed and resamples as the report).
 *
 *   node --import tsx scripts/paired-conclusions.ts RUN_DIR [shortcut|verified|hardened|strongest]
 */
import { readStore } from "../src/experiments/store/store.js";
import type { AccuracyRecord, AttackRecord, CertificationRecord } from "../src/experiments/store/records.js";
import { CONCLUSION_MEASURES, evaluateConclusions, numberWithInterval, type ConclusionMeasure } from "../src/report/index.js";

const [dir, measure = "hardened"] = process.argv.slice(2);
if (!dir || !CONCLUSION_MEASURES.includes(measure as ConclusionMeasure)) {
  process.stderr.write(`usage: node --import tsx scripts/paired-conclusions.ts RUN_DIR [${CONCLUSION_MEASURES.join("|")}] (got ${JSON.stringify(process.argv.slice(2))})\n`);
  process.exit(2);
}
const records = readStore(dir).records;
const results = evaluateConclusions({
  attacks: records.filter((r): r is AttackRecord => r.kind === "attack"),
  accuracies: records.filter((r): r is AccuracyRecord => r.kind === "accuracy"),
  certifications: records.filter((r): r is CertificationRecord => r.kind === "certification"),
}, undefined, measure as ConclusionMeasure);
for (const r of results) {
  const needed = r.verdict === "inconclusive" ? (r.imagesNeeded === null ? " (an estimate sits on its threshold)" : ` (~${r.imagesNeeded} images per cell would decide)`) : "";
  console.log(`${r.id}. ${measure}: ${r.verdict.toUpperCase()}${needed} [unpaired cell means: ${r.unpaired.verdict}; bootstrap seed ${r.bootstrap.seed}, ${r.bootstrap.resamples} resamples]`);
  for (const n of r.numbers) console.log(`   ${n.label} = ${numberWithInterval(n)}`);
  if (r.note) console.log(`   (${r.note})`);
}
