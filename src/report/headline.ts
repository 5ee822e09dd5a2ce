/**
 * The headline numbers of a run, from its records: per (defense point, attack) the accuracy, the
 * success rate and the mean/median L2 distortion (Fig. 5's points), and per smoothed point the
 * practical distortion divided by the certified radius (the paper's first conclusion).
 */
import { distortionVsAccuracy, type DistortionPoint } from "../figures/distortionAccuracy.js";
import { practicalToCertified, type RatioRow } from "../figures/ratioTable.js";
import { evaluateConclusions, type ConclusionResult } from "./conclusions.js";
import type { ExperimentConfig } from "../experiments/config.js";
import type { AccuracyRecord, AttackRecord, CalibrationRecord, CertificationRecord, ResultRecord } from "../experiments/records.js";

export interface Headline {
  readonly points: DistortionPoint[];
  readonly ratios: RatioRow[];
  /** sigma resolved for each requested accuracy drop. */
  readonly calibrations: { readonly model: string; readonly drop: number; readonly sigma: number }[];
  /** The paper's five conclusions evaluated on the run (the same as in the report). */
  readonly conclusions: ConclusionResult[];
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
      a.key.localeCompare(b.key, "en", { numeric: true }));
  const accuracy = records.filter((r): r is AccuracyRecord => r.kind === "accuracy");
  const certifications = records.filter((r): r is CertificationRecord => r.kind === "certification");
  const calibrations = records
    .filter((r): r is CalibrationRecord => r.kind === "calibration")
    .map((r) => ({ model: r.model, drop: r.drop, sigma: r.sigma }));
  return {
    points: distortionVsAccuracy(attacks, accuracy),
    ratios: practicalToCertified(attacks, certifications),
    calibrations,
    conclusions: evaluateConclusions({ attacks, accuracies: accuracy, certifications }),
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
  out.push(table(
    ["defense", "attack", "accuracy", "attacked", "success", "verified", "mean L2", "median L2"],
    h.points.map((p) => [
      p.defense.id, p.attack, fmt(p.accuracy), String(p.attacked), p.attacked ? `${p.successes}/${p.attacked}` : "-",
      p.verified === null ? "-" : `${p.verified}/${p.attacked}`, fmt(p.meanL2), fmt(p.medianL2),
    ]),
  ));
  if (h.points.some((p) => p.verified !== null)) {
    out.push("verified: attacked images whose final point is adversarial at level Pa by eq. (4), checked on fresh calls of g(sigma, n) after the attack outside its budget (a sequential test with error alpha when the attack sets \"verification\": \"sequential\", else the share of wrong labels >= Pa).");
  }
  if (h.ratios.length) {
    out.push("Practical distortion / certified radius (images with both):");
    out.push(table(
      ["defense", "attack", "pairs", "mean L2", "mean radius", "ratio of means", "median ratio"],
      h.ratios.map((r) => [r.defense.id, r.attack, String(r.pairs), fmt(r.meanL2), fmt(r.meanRadius), fmt(r.ratioOfMeans), fmt(r.medianRatio)]),
    ));
  }
  if (h.conclusions.length) {
    out.push(["The paper's conclusions on this run (rules and all numbers in the report):",
      ...h.conclusions.map((c) => `${c.id}. ${c.verdict.toUpperCase()}: ${c.statement}` +
        (c.numbers.length ? `\n   ${c.numbers.slice(0, 4).map((n) => `${n.label} = ${fmt(n.value)}`).join("; ")}${c.numbers.length > 4 ? "; ..." : ""}` : "") +
        (c.note ? `\n   (${c.note})` : "")),
    ].join("\n"));
  }
  return out.join("\n\n") + "\n";
}
