/**
 * Export of a run's records as flat rows (`rsbench results DIR --csv|--json`): one row per attack
 * item (defense, n, Pa, sigma, attack, image, success, distortions, queries, forward passes,
 * distortion at 500/1000/budget queries), one per certification and one per accuracy measurement.
 */
import { distortionAt } from "../oracle/labelOnly.js";
import type { AccuracyRecord, AttackRecord, CalibrationRecord, CertificationRecord, ResultRecord } from "./records.js";

/** Budgets at which the export reads the best distortion off each attack's trace: the records' checkpoints (500, 1000), then the budget. */
export { ATTACK_CHECKPOINTS as EXPORT_BUDGETS } from "../attacks/record.js";
import { ATTACK_CHECKPOINTS as EXPORT_BUDGETS } from "../attacks/record.js";

export interface AttackRow {
  readonly record: "attack";
  readonly defense: string;
  readonly defenseName: string;
  readonly defenseKind: string;
  readonly model: string;
  readonly sigma: number | null;
  readonly n: number | null;
  readonly pa: number | null;
  readonly attack: string;
  readonly norm: string;
  readonly budget: number;
  readonly image: number;
  readonly label: number;
  readonly status: string;
  readonly success: boolean;
  readonly l2: number | null;
  readonly linf: number | null;
  readonly queries: number;
  readonly forwardPasses: number;
  readonly l2At500: number | null;
  readonly l2At1000: number | null;
  readonly l2AtBudget: number | null;
  readonly linfAt500: number | null;
  readonly linfAt1000: number | null;
  readonly linfAtBudget: number | null;
  readonly seconds: number;
}

export interface CertificationRow {
  readonly record: "certification";
  readonly defense: string;
  readonly model: string;
  readonly sigma: number;
  readonly image: number;
  readonly label: number;
  readonly status: "certified" | "abstain";
  readonly prediction: number | null;
  readonly radius: number | null;
  readonly pABar: number;
  readonly correct: boolean;
  /** CERTIFY's selection draws, estimation draws and alpha (named apart from the defense's n). */
  readonly certifyN0: number;
  readonly certifyN: number;
  readonly certifyAlpha: number;
  readonly forwardPasses: number;
  readonly seconds: number;
}

export interface AccuracyRow {
  readonly record: "accuracy";
  readonly defense: string;
  readonly model: string;
  readonly sigma: number | null;
  readonly n: number | null;
  readonly images: number;
  readonly correctImages: number;
  readonly accuracy: number;
  readonly seconds: number;
}

/** A calibration record as exported: its measured fields, tagged like the other rows. */
export type CalibrationRow = { readonly record: "calibration" } & Omit<CalibrationRecord, "kind" | "key" | "seed">;

export interface ExportedResults {
  readonly attacks: AttackRow[];
  readonly certifications: CertificationRow[];
  readonly accuracy: AccuracyRow[];
  readonly calibrations: CalibrationRow[];
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Best distortion within `queries` queries, from a stored trace (null entries mean "none yet"). */
function at(record: AttackRecord, queries: number, norm: "l2" | "linf"): number | null {
  if (record.status !== "attacked" || queries > record.budget) return null;
  const trace = record.trace.map((t) => ({ queries: t.queries, l2: t.l2 ?? Infinity, linf: t.linf ?? Infinity }));
  return finite(distortionAt(trace, queries, norm));
}

export function attackRow(r: AttackRecord): AttackRow {
  return {
    record: "attack", defense: r.defense.id, defenseName: r.defense.name, defenseKind: r.defense.kind, model: r.defense.model,
    sigma: r.defense.sigma, n: r.defense.n, pa: r.defense.pa, attack: r.attack, norm: r.norm, budget: r.budget,
    image: r.image, label: r.label, status: r.status, success: r.success, l2: r.l2, linf: r.linf,
    queries: r.queries, forwardPasses: r.forwardPasses,
    l2At500: at(r, EXPORT_BUDGETS[0], "l2"), l2At1000: at(r, EXPORT_BUDGETS[1], "l2"), l2AtBudget: at(r, r.budget, "l2"),
    linfAt500: at(r, EXPORT_BUDGETS[0], "linf"), linfAt1000: at(r, EXPORT_BUDGETS[1], "linf"), linfAtBudget: at(r, r.budget, "linf"),
    seconds: r.seconds,
  };
}

export function certificationRow(r: CertificationRecord): CertificationRow {
  const certified = r.outcome.status === "certified" ? r.outcome : null;
  return {
    record: "certification", defense: r.defense, model: r.model, sigma: r.sigma, image: r.image, label: r.label,
    status: r.outcome.status, prediction: certified?.prediction ?? null, radius: certified?.radius ?? null, pABar: r.outcome.pABar,
    correct: r.correct, certifyN0: r.n0, certifyN: r.n, certifyAlpha: r.alpha, forwardPasses: r.forwardPasses, seconds: r.seconds,
  };
}

/** Natural order of keys ("image=2" before "image=10"): exports do not depend on completion order. */
function byKey(a: ResultRecord, b: ResultRecord): number {
  return a.key.localeCompare(b.key, "en", { numeric: true });
}

/** The rows of a run's records, each table sorted by key. */
export function exportRecords(records: readonly ResultRecord[]): ExportedResults {
  const sorted = [...records].sort(byKey);
  const of = <K extends ResultRecord["kind"]>(kind: K) => sorted.filter((r): r is Extract<ResultRecord, { kind: K }> => r.kind === kind);
  return {
    attacks: of("attack").map(attackRow),
    certifications: of("certification").map(certificationRow),
    accuracy: of("accuracy").map((r: AccuracyRecord): AccuracyRow => ({
      record: "accuracy", defense: r.defense, model: r.model, sigma: r.sigma, n: r.n, images: r.images, correctImages: r.correct, accuracy: r.accuracy, seconds: r.seconds,
    })),
    calibrations: of("calibration").map((r: CalibrationRecord): CalibrationRow => ({
      record: "calibration", model: r.model, drop: r.drop, sigma: r.sigma, cleanAccuracy: r.cleanAccuracy, smoothedAccuracy: r.smoothedAccuracy, images: r.images, n: r.n, seconds: r.seconds,
    })),
  };
}

/** RFC 4180 field: quoted when it holds a comma, a quote or a line break; null is empty. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Columns of the CSV export: the union of the row kinds' fields, attack columns first. */
export const CSV_COLUMNS: readonly string[] = [
  "record", "defense", "defenseName", "defenseKind", "model", "sigma", "n", "pa", "attack", "norm", "budget",
  "image", "label", "status", "success", "l2", "linf", "queries", "forwardPasses",
  "l2At500", "l2At1000", "l2AtBudget", "linfAt500", "linfAt1000", "linfAtBudget",
  "prediction", "radius", "pABar", "correct", "certifyN0", "certifyN", "certifyAlpha",
  "images", "correctImages", "accuracy", "drop", "cleanAccuracy", "smoothedAccuracy", "seconds",
];

/**
 * One CSV table of every row: the `record` column says which kind it is; cells a kind does not
 * have are empty.
 */
export function toCsv(results: ExportedResults): string {
  const rows = [...results.attacks, ...results.certifications, ...results.accuracy, ...results.calibrations];
  const lines = [CSV_COLUMNS.join(",")];
  for (const row of rows) lines.push(CSV_COLUMNS.map((c) => csvField((row as unknown as Record<string, unknown>)[c])).join(","));
  return lines.join("\n") + "\n";
}
