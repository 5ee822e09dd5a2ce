/**
 * The headline numbers of a run, from its records: per (defense point, attack) the accuracy, the
 * success rate and the mean/median L2 distortion (Fig. 5's points), and per smoothed point the
 * practical distortion divided by the certified radius (the paper's first conclusion).
 */
import { mayBeRandom } from "../attacks/record.js";
import { distortionVsAccuracy, type DistortionPoint } from "../figures/distortionAccuracy.js";
import { attacksAtSeveralBudgets, budgetSuffix } from "../figures/format.js";
import { practicalToCertified, type RatioRow } from "../figures/ratioTable.js";
import { adaptiveConclusion, hasRepeatingAttacker, type AdaptiveConclusion } from "./adaptive.js";
import { imagesNeededText } from "./rules.js";
import { CONCLUSION_THRESHOLDS, conclusionsByMeasure, type ConclusionMeasure, type ConclusionResult, type ConclusionsByMeasure, type DecidingNumber } from "./conclusions.js";
import { STRONGEST, withStrongest } from "../figures/strongest.js";
import { pairedChecks, type PairedCheck } from "./paired.js";
import type { ExperimentConfig } from "../experiments/plan/config.js";
import type { AccuracyRecord, AttackRecord, CalibrationRecord, CertificationRecord, ResultRecord } from "../experiments/store/records.js";

/** The headline numbers of a run, as `rsbench run` and `rsbench results` print them. */
export interface Headline {
  readonly points: DistortionPoint[];
  readonly ratios: RatioRow[];
  /** sigma resolved for each requested accuracy drop. */
  readonly calibrations: { readonly model: string; readonly drop: number; readonly sigma: number }[];
  /** The paper's five conclusions on the shortcut, verified and hardened distortions (the same as in the report). */
  readonly conclusions: ConclusionsByMeasure;
  /** Conclusions 2-5 over the images both cells have, on the measure the verdicts are judged on (paired.ts). */
  readonly paired: PairedCheck[];
  /** Conclusion 4 against the adaptive attacker (Fig. 6). */
  readonly adaptive: AdaptiveConclusion;
}

/**
 * Headline of a run's records. With the config, rows follow its order (defenses as listed, then
 * n, Pa, attacks as listed); without it, the order of the keys.
 */
export function headline(records: readonly ResultRecord[], config?: ExperimentConfig): Headline {
  const defenseIndex = (name: string) => config?.defenses.findIndex((d) => d.name === name) ?? 0;
  const attackIndex = (name: string) => config?.attacks.findIndex((a) => a.name === name) ?? 0;
  const attacks = records
    .filter((r): r is AttackRecord => r.kind === "attack")
    .sort((a, b) =>
      defenseIndex(a.defense.name) - defenseIndex(b.defense.name) ||
      (a.defense.n ?? 0) - (b.defense.n ?? 0) ||
      (a.defense.pa ?? 0) - (b.defense.pa ?? 0) ||
      attackIndex(a.attack) - attackIndex(b.attack) ||
      a.budget - b.budget ||
      a.key.localeCompare(b.key, "en", { numeric: true }));
  const accuracy = records.filter((r): r is AccuracyRecord => r.kind === "accuracy");
  const certifications = records.filter((r): r is CertificationRecord => r.kind === "certification");
  const calibrations = records
    .filter((r): r is CalibrationRecord => r.kind === "calibration")
    .map((r) => ({ model: r.model, drop: r.drop, sigma: r.sigma }));
  const conclusions = conclusionsByMeasure({ attacks, accuracies: accuracy, certifications });
  return {
    points: distortionVsAccuracy(withStrongest(attacks), accuracy),
    ratios: practicalToCertified(withStrongest(attacks), certifications),
    calibrations,
    conclusions,
    paired: pairedChecks(attacks, conclusions.judgedOn),
    adaptive: adaptiveConclusion(attacks),
  };
}

function fmt(x: number | null, digits = 3): string {
  return x === null || !Number.isFinite(x) ? "-" : String(Number(x.toPrecision(digits)));
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/** "1.05 (0.95-1.2, 40 images)": a deciding number with its interval and images. */
export function numberWithInterval(n: DecidingNumber): string {
  if (n.low === undefined || n.high === undefined) return fmt(n.value);
  return `${fmt(n.value)} (${fmt(n.low)}-${fmt(n.high)}${n.images === undefined ? "" : `, ${n.images} images`})`;
}

/** The deciding numbers of one conclusion under one measure, the images an inconclusive verdict needs, and the unpaired context. */
function conclusionLines(measure: ConclusionMeasure, r: ConclusionResult, shownNote: string | null = null): string {
  const shown = 4;
  let out = r.numbers.length ? `\n   ${measure}: ${r.numbers.slice(0, shown).map((n) => `${n.label} = ${numberWithInterval(n)}`).join("; ")}${r.numbers.length > shown ? `; ... (${r.numbers.length} numbers)` : ""}` : "";
  if (r.verdict === "inconclusive") out += `\n   ${measure}: inconclusive; ${imagesNeededText(r.imagesNeeded, "cell")}`;
  if (r.note && r.note !== shownNote) out += `\n   (${r.note})`;
  if (r.unpaired.numbers.length) out += `\n   ${measure}, unpaired cell means (context): ${r.unpaired.verdict}; ${r.unpaired.numbers.slice(0, 2).map((n) => `${n.label} = ${fmt(n.value)}`).join("; ")}${r.unpaired.numbers.length > 2 ? "; ..." : ""}`;
  return out;
}

/** The headline as plain-text tables (what `rsbench run` and `npm run demo` print). */
export function headlineText(h: Headline): string {
  const out: string[] = [];
  if (h.calibrations.length) {
    out.push("Calibrated sigma: " + h.calibrations.map((c) => `${c.model} -${fmt(c.drop * 100)}% accuracy -> sigma ${fmt(c.sigma, 4)}`).join("; "));
  }
  const several = attacksAtSeveralBudgets(h.points);
  // Checked points exist where answers may be random: RS, or a remote endpoint (sigma null, an oracle rule).
  const smoothed = (p: DistortionPoint) => mayBeRandom(p.defense);
  out.push(table(
    ["defense", "attack", "accuracy", "accuracy at Pa", "attacked", "success", "shortcut mean L2", "shortcut median L2", "verified", "verified mean L2", "hardened", "hardened mean L2"],
    h.points.map((p) => {
      const verified = smoothed(p) ? p.measures.verified : null, hardened = smoothed(p) ? p.measures.hardened : null;
      // The strongest entry has no final point of its own against a random defense: no success count.
      const ownPoints = !(p.attack === STRONGEST && smoothed(p));
      return [
        p.defense.id, p.attack + budgetSuffix(p.budget, several.has(p.attack)), fmt(p.accuracy), p.adversarialAtLevel ? `${fmt(p.levelAccuracy)} (${p.adversarialAtLevel} adv.)` : fmt(p.levelAccuracy), String(p.attacked), p.attacked && ownPoints ? `${p.successes}/${p.attacked}` : "-",
        fmt(p.meanL2), fmt(p.medianL2),
        p.verified === null ? "-" : `${p.verified}/${p.attacked}`, verified === null ? "-" : fmt(verified.meanL2),
        hardened === null ? "-" : `${hardened.count}/${p.attacked}`, hardened === null ? "-" : fmt(hardened.meanL2),
      ];
    }),
  ));
  out.push("accuracy: one call of the defense (accuracy set); accuracy at Pa: counting as errors the originals the sequential test verified adversarial at level Pa before any attack (adv.: how many of the attacked sample). shortcut: the attacks' own final points (the best point their oracle accepted; the paper's numbers). verified: attacked images whose final point is adversarial at level Pa by eq. (4), checked on fresh calls of g(sigma, n) after the attack outside its budget (a sequential test with error alpha when the attack sets \"verification\": \"sequential\", else the share of wrong labels >= Pa), and their mean L2. hardened: attacked images whose final point was hardened (the nearest point outward that the sequential test verifies), and the mean L2 of the hardened points. strongest: per image, the smallest hardened L2 that any attack of the defense point reached (whatever its oracle rule; shown under hardened). Without RS the three are the same; \"-\": not measured.");
  if (h.ratios.length) {
    out.push("Practical distortion / certified radius (images with both), median of the per-image ratios:");
    const median = (m: RatioRow["measures"][keyof RatioRow["measures"]]) => (m === null ? "-" : `${fmt(m.medianRatio)} (${m.pairs})`);
    out.push(table(
      ["defense", "attack", "mean radius", "shortcut", "verified", "hardened"],
      h.ratios.map((r) => [r.defense.id, r.attack + budgetSuffix(r.budget, several.has(r.attack)), fmt(r.meanRadius), median(r.measures.shortcut), median(r.measures.verified), median(r.measures.hardened)]),
    ));
  }
  const c = h.conclusions;
  const judged = c.results[c.judgedOn]!;
  const verdict = (m: ConclusionMeasure, i: number) => (c.results[m] === null ? "n/a" : c.results[m]![i].verdict.toUpperCase());
  const b = judged[0]?.bootstrap;
  out.push([
    `The paper's conclusions on this run, on hardened / strongest (per image, the smallest hardened L2 of any attack) / verified / shortcut distortions (judged on ${c.judgedOn}; ` +
      `each deciding number is a paired ratio over the images both cells have, with its 95% paired bootstrap interval over images${b ? ` (${b.resamples} resamples, seed ${b.seed})` : ""}; rules and all numbers in the report):`,
    ...(c.missing.hardened === null ? [] : ["   (hardened numbers are not available: the records carry no hardened points)"]),
    ...judged.map((r, i) => `${r.id}. hardened ${verdict("hardened", i)} · strongest ${verdict("strongest", i)} · verified ${verdict("verified", i)} · shortcut ${verdict("shortcut", i)}: ${r.statement}` +
      conclusionLines(c.judgedOn, r) + (c.results.strongest && c.judgedOn === "hardened" ? conclusionLines("strongest", c.results.strongest[i], r.note) : "")),
  ].join("\n"));
  if (hasRepeatingAttacker(h.adaptive.points)) {
    const a = h.adaptive;
    out.push(`${a.statement} ${a.verdict.toUpperCase()}` +
      (a.numbers.length ? ` (95% paired bootstrap intervals over images, ${a.bootstrap.resamples} resamples, seed ${a.bootstrap.seed}; threshold ${CONCLUSION_THRESHOLDS.fewerSamples})` +
        `\n   ${a.numbers.slice(0, 4).map((n) => `${n.label} = ${numberWithInterval(n)}`).join("; ")}${a.numbers.length > 4 ? "; ..." : ""}` : "") +
      (a.verdict === "inconclusive" ? `\n   inconclusive; ${imagesNeededText(a.imagesNeeded, "comparison")}` : "") +
      (a.note ? `\n   (${a.note})` : ""));
  }
  return out.join("\n\n") + "\n";
}
