/**
 * Prints the five conclusions (src/report/conclusions.ts) on a run's records under one measure:
 * each verdict, the images per cell an inconclusive one would need, and every deciding paired
 * number with its 95% paired bootstrap interval and images (seed and resamples as the report).
 *
 *   node --import tsx scripts/paired-conclusions.ts RUN_DIR [shortcut|verified|hardened|strongest] [--images-of ATTACK] [--without ATTACK]
 *
 * `--images-of psj`: only the images that attack has a record for (every kind of record is kept for
 * them, the others dropped), e.g. to judge the verdicts against the strongest attacker while a grid
 * is being extended with PopSkipJump image by image. `--without psj`: that attack's records dropped
 * (after choosing the images), to read the same verdicts without it.
 */
import { readStore } from "../src/experiments/store/store.js";
import type { AccuracyRecord, AttackRecord, CertificationRecord } from "../src/experiments/store/records.js";
import { CONCLUSION_MEASURES, evaluateConclusions, numberWithInterval, type ConclusionMeasure } from "../src/report/index.js";
import { imagesNeededText } from "../src/report/rules.js";

const args = process.argv.slice(2);
/** The value of `--flag VALUE` (removed from args), undefined without the flag, null when its value is missing. */
function option(flag: string): string | undefined | null {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  const value = args[at + 1];
  args.splice(at, 2);
  return value === undefined || value.startsWith("--") ? null : value;
}
const imagesOf = option("--images-of");
const without = option("--without");
const [dir, measure = "hardened"] = args;
if (!dir || !CONCLUSION_MEASURES.includes(measure as ConclusionMeasure) || imagesOf === null || without === null) {
  process.stderr.write(`usage: node --import tsx scripts/paired-conclusions.ts RUN_DIR [${CONCLUSION_MEASURES.join("|")}] [--images-of ATTACK] [--without ATTACK] (got ${JSON.stringify(process.argv.slice(2))})\n`);
  process.exit(2);
}
const all = readStore(dir).records;
const kept = imagesOf === undefined ? null : new Set(all.filter((r): r is AttackRecord => r.kind === "attack" && r.attack === imagesOf).map((r) => r.image));
if (kept !== null) console.log(`images with a ${imagesOf} record: ${kept.size}`);
const records = (kept === null ? all : all.filter((r) => !("image" in r) || kept.has((r as { image: number }).image)))
  .filter((r) => without === undefined || r.kind !== "attack" || r.attack !== without);
const results = evaluateConclusions({
  attacks: records.filter((r): r is AttackRecord => r.kind === "attack"),
  accuracies: records.filter((r): r is AccuracyRecord => r.kind === "accuracy"),
  certifications: records.filter((r): r is CertificationRecord => r.kind === "certification"),
}, undefined, measure as ConclusionMeasure);
for (const r of results) {
  const needed = r.verdict === "inconclusive" ? ` (${imagesNeededText(r.imagesNeeded, "cell")})` : "";
  console.log(`${r.id}. ${measure}: ${r.verdict.toUpperCase()}${needed} [unpaired cell means: ${r.unpaired.verdict}; bootstrap seed ${r.bootstrap.seed}, ${r.bootstrap.resamples} resamples]`);
  for (const n of r.numbers) console.log(`   ${n.label} = ${numberWithInterval(n)}`);
  if (r.note) console.log(`   (${r.note})`);
}
