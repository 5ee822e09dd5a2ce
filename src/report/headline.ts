/**
 * The headline numbers of a run, from its records: per (defense point, attack) the accuracy, the
 * success rate and the mean/median L2 distortion (Fig. 5's points), and per smoothed point the
 * practical distortion divided by the certified radius (the paper's first conclusion).
 */
import { distortionVsAccuracy, type DistortionPoint } from "../figures/distortionAccuracy.js";
import { attacksAtSeveralBudgets, budgetSuffix } from "../figures/format.js";
import { DISTORTION_MEASURES } from "../figures/measure.js";
import { practicalToCertified, type RatioRow } from "../figures/ratioTable.js";
import { adaptiveConclusion, type AdaptiveConclusion } from "./adaptive.js";
import { conclusionsByMeasure, type ConclusionsByMeasure } from "./conclusions.js";
import { pairedChecks, type PairedCheck } from "./paired.js";
import type { ExperimentConfig } from "../experiments/config.js";
import type { AccuracyRecord, AttackRecord, CalibrationRecord, CertificationRecord, ResultRecord } from "../experiments/records.js";

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
    points: distortionVsAccuracy(attacks, accuracy),
    ratios: practicalToCertified(attacks, certifications),
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

/** The headline as plain-text tables (what `rsbench run` and `npm run demo` print). */
export function headlineText(h: Headline): string {
  const out: string[] = [];
  if (h.calibrations.length) {
    out.push("Calibrated sigma: " + h.calibrations.map((c) => `${c.model} -${fmt(c.drop * 100)}% accuracy -> sigma ${fmt(c.sigma, 4)}`).join("; "));
  }
  const several = attacksAtSeveralBudgets(h.points);
  const smoothed = (p: DistortionPoint) => p.defense.sigma !== null;
  out.push(table(
    ["defense", "attack", "accuracy", "attacked", "success", "shortcut mean L2", "shortcut median L2", "verified", "verified mean L2", "hardened", "hardened mean L2"],
    h.points.map((p) => {
      const verified = smoothed(p) ? p.measures.verified : null, hardened = smoothed(p) ? p.measures.hardened : null;
      return [
        p.defense.id, p.attack + budgetSuffix(p.budget, several.has(p.attack)), fmt(p.accuracy), String(p.attacked), p.attacked ? `${p.successes}/${p.attacked}` : "-",
        fmt(p.meanL2), fmt(p.medianL2),
        p.verified === null ? "-" : `${p.verified}/${p.attacked}`, verified === null ? "-" : fmt(verified.meanL2),
        hardened === null ? "-" : `${hardened.count}/${p.attacked}`, hardened === null ? "-" : fmt(hardened.meanL2),
      ];
    }),
  ));
  out.push("shortcut: the attacks' own final points (the best point their oracle accepted; the paper's numbers). verified: attacked images whose final point is adversarial at level Pa by eq. (4), checked on fresh calls of g(sigma, n) after the attack outside its budget (a sequential test with error alpha when the attack sets \"verification\": \"sequential\", else the share of wrong labels >= Pa), and their mean L2. hardened: attacked images whose final point was hardened (the nearest point outward that the sequential test verifies), and the mean L2 of the hardened points. Without RS the three are the same; \"-\": not measured.");
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
  const verdict = (m: (typeof DISTORTION_MEASURES)[number], i: number) => (c.results[m] === null ? "n/a" : c.results[m]![i].verdict.toUpperCase());
  out.push([
    `The paper's conclusions on this run, on hardened / verified / shortcut distortions (judged on ${c.judgedOn}; rules and all numbers in the report):`,
    ...(c.missing.hardened === null ? [] : ["   (hardened numbers are not available: the records carry no hardened points)"]),
    ...judged.map((r, i) => `${r.id}. hardened ${verdict("hardened", i)} · verified ${verdict("verified", i)} · shortcut ${verdict("shortcut", i)}: ${r.statement}` +
      (r.numbers.length ? `\n   ${c.judgedOn}: ${r.numbers.slice(0, 4).map((n) => `${n.label} = ${fmt(n.value)}`).join("; ")}${r.numbers.length > 4 ? "; ..." : ""}` : "") +
      (r.note ? `\n   (${r.note})` : "")),
  ].join("\n"));
  if (h.paired.length > 0) {
    const range = (p: PairedCheck) => {
      const values = p.ratios.map((r) => r.value);
      return `${fmt(Math.min(...values))}-${fmt(Math.max(...values))} over ${values.length} pair(s)`;
    };
    out.push([
      `Paired check of conclusions 2-5 (each ratio over the images both cells have, ${c.judgedOn}; it decides no verdict):`,
      ...h.paired.map((p) => `${p.id}. ${p.description}: ${range(p)}` +
        (p.summary.length ? `\n   ${p.summary.map((n) => `${n.label} = ${fmt(n.value)}`).join("; ")}` : "")),
    ].join("\n"));
  }
  if (h.adaptive.points.length > 0) {
    const a = h.adaptive;
    out.push(`${a.statement} ${a.verdict.toUpperCase()}` +
      (a.numbers.length ? `\n   ${a.numbers.slice(0, 4).map((n) => `${n.label} = ${fmt(n.value)}`).join("; ")}${a.numbers.length > 4 ? "; ..." : ""}` : "") +
      (a.note ? `\n   (${a.note})` : ""));
  }
  return out.join("\n\n") + "\n";
}
