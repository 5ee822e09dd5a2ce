/**
 * Export of a run's records as flat rows (`rsbench results DIR --csv|--json`): one row per attack
 * item (defense, n, Pa, sigma, attack, image, success, distortions, queries, forward passes,
 * distortion at 500/1000/budget queries), one per certification, accuracy measurement,
 * calibration and figure panel. Every field of every record is in its row (nested ones renamed
 * flat: `defense.id` is `defense`, `outcome.radius` is `radius`, ...), so a record can be rebuilt
 * from the JSON export; the CSV holds every scalar field of the attack, certification, accuracy
 * and calibration records (`verification.*`, `unspent.*` and `hardened.*` flattened, `anomalies` as
 * JSON text), leaving out only the arrays (trace, checkpoints, hardenedAt) and the figure panels.
 */
import { distortionAt } from "../../oracle/labelOnly.js";
import type { HardenedPoint, HeldPointCheck } from "../../attacks/record.js";
import type { UnspentBudget } from "../../attacks/types.js";
import type { AccuracyRecord, AttackRecord, AttackVerification, CalibrationRecord, CertificationRecord, Checkpoint, FigureRecord, ResultRecord } from "./records.js";

/** Budgets at which the export reads the best distortion off each attack's trace: the records' checkpoints (500, 1000), then the budget. */
export { ATTACK_CHECKPOINTS as EXPORT_BUDGETS } from "../../attacks/record.js";
import { ATTACK_CHECKPOINTS as EXPORT_BUDGETS } from "../../attacks/record.js";

/** Fields of every row: the record's key and the run seed. */
interface RowBase {
  readonly key: string;
  readonly seed: number;
}

/** One exported attack record: one image, defense and attack, at one budget. */
export interface AttackRow extends RowBase {
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
  /** Folder datasets only: the image's file, relative to the folder (see AttackRecord.file). */
  readonly file?: string;
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
  /** The calibrated accuracy drop of the defense point (DefenseRef.drop), or null. */
  readonly drop: number | null;
  /** The label the defense gave the original image (also for misclassified images: what it said instead). */
  readonly prediction: number;
  readonly iterations: number;
  readonly stopReason: string;
  readonly start: number | null;
  readonly anomalies: Readonly<Record<string, number>>;
  readonly verification: AttackVerification | null;
  /**
   * Present exactly when the record has them (so a record is rebuilt exactly; an empty CSV cell):
   * the oracle's rule (DefenseRef.oracle; absent: the paper's shortcut), the attack steps, the
   * unspent budget, the hardened point and (in the JSON export only) the points held at earlier budgets.
   */
  readonly oracle?: string;
  readonly steps?: number;
  readonly unspent?: UnspentBudget;
  readonly hardened?: HardenedPoint | null;
  readonly hardenedAt?: readonly HeldPointCheck[];
  readonly checkpoints: readonly Checkpoint[];
  readonly trace: readonly Checkpoint[];
}

/** One exported certification record (CERTIFY on one image). */
export interface CertificationRow extends RowBase {
  readonly record: "certification";
  readonly defense: string;
  readonly model: string;
  readonly sigma: number;
  readonly image: number;
  /** Folder datasets only: the image's file, relative to the folder (see AttackRecord.file). */
  readonly file?: string;
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

/** One exported accuracy record (clean or smoothed accuracy of a defense). */
export interface AccuracyRow extends RowBase {
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
export type CalibrationRow = { readonly record: "calibration" } & Omit<CalibrationRecord, "kind">;

/** A figure panel's record as exported (in the JSON export only). */
export type FigureRow = { readonly record: "figure" } & Omit<FigureRecord, "kind">;

/** The rows `exportRecords` makes of a run's records, by kind. */
export interface ExportedResults {
  readonly attacks: AttackRow[];
  readonly certifications: CertificationRow[];
  readonly accuracy: AccuracyRow[];
  readonly calibrations: CalibrationRow[];
  readonly figures: FigureRow[];
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

/** `{ file }` of a folder dataset's record, `{}` otherwise (built-in datasets' rows keep their fields). */
function fileField(r: { readonly file?: string }): { file?: string } {
  return r.file === undefined ? {} : { file: r.file };
}

export function attackRow(r: AttackRecord): AttackRow {
  return {
    record: "attack", key: r.key, seed: r.seed, defense: r.defense.id, defenseName: r.defense.name, defenseKind: r.defense.kind, model: r.defense.model,
    sigma: r.defense.sigma, n: r.defense.n, pa: r.defense.pa, attack: r.attack, norm: r.norm, budget: r.budget,
    image: r.image, ...fileField(r), label: r.label, status: r.status, success: r.success, l2: r.l2, linf: r.linf,
    queries: r.queries, forwardPasses: r.forwardPasses,
    l2At500: at(r, EXPORT_BUDGETS[0], "l2"), l2At1000: at(r, EXPORT_BUDGETS[1], "l2"), l2AtBudget: at(r, r.budget, "l2"),
    linfAt500: at(r, EXPORT_BUDGETS[0], "linf"), linfAt1000: at(r, EXPORT_BUDGETS[1], "linf"), linfAtBudget: at(r, r.budget, "linf"),
    seconds: r.seconds, drop: r.defense.drop, prediction: r.prediction, iterations: r.iterations, stopReason: r.stopReason,
    start: r.start, anomalies: r.anomalies, verification: r.verification,
    ...(r.defense.oracle === undefined ? {} : { oracle: r.defense.oracle }),
    ...(r.steps === undefined ? {} : { steps: r.steps }),
    ...(r.unspent === undefined ? {} : { unspent: r.unspent }),
    ...(r.hardened === undefined ? {} : { hardened: r.hardened }),
    ...(r.hardenedAt === undefined ? {} : { hardenedAt: r.hardenedAt }),
    checkpoints: r.checkpoints, trace: r.trace,
  };
}

export function certificationRow(r: CertificationRecord): CertificationRow {
  const certified = r.outcome.status === "certified" ? r.outcome : null;
  return {
    record: "certification", key: r.key, seed: r.seed, defense: r.defense, model: r.model, sigma: r.sigma, image: r.image, ...fileField(r), label: r.label,
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
      record: "accuracy", key: r.key, seed: r.seed, defense: r.defense, model: r.model, sigma: r.sigma, n: r.n, images: r.images, correctImages: r.correct, accuracy: r.accuracy, seconds: r.seconds,
    })),
    calibrations: of("calibration").map((r: CalibrationRecord): CalibrationRow => ({
      record: "calibration", key: r.key, seed: r.seed, model: r.model, drop: r.drop, sigma: r.sigma, cleanAccuracy: r.cleanAccuracy, smoothedAccuracy: r.smoothedAccuracy, images: r.images, n: r.n, seconds: r.seconds,
    })),
    figures: of("figure").map((r: FigureRecord): FigureRow => ({
      record: "figure", key: r.key, seed: r.seed, figure: r.figure, image: r.image, ...fileField(r), label: r.label, defense: r.defense, model: r.model, sigma: r.sigma, data: r.data, seconds: r.seconds,
    })),
  };
}

/** RFC 4180 field: quoted when it holds a comma, a quote or a line break; null is empty; objects are JSON text. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Columns of the CSV export: the union of the row kinds' fields, attack columns first. A run on a
 * folder dataset adds "file" (the image's file, relative to the folder) after "image" (toCsv);
 * a run on a built-in dataset has exactly these.
 */
export const CSV_COLUMNS: readonly string[] = [
  "record", "key", "seed", "defense", "defenseName", "defenseKind", "model", "sigma", "drop", "n", "pa", "attack", "norm", "budget",
  "image", "label", "prediction", "status", "success", "l2", "linf", "queries", "forwardPasses",
  "l2At500", "l2At1000", "l2AtBudget", "linfAt500", "linfAt1000", "linfAtBudget",
  "iterations", "stopReason", "start", "anomalies", "verification.repeats", "verification.rate", "verification.verified",
  "verification.status", "verification.lower", "verification.upper", "verification.calls",
  "oracle", "steps", "unspent.queries", "unspent.requested", "unspent.reason",
  "hardened.status", "hardened.l2", "hardened.linf", "hardened.calls", "hardened.reason",
  "radius", "pABar", "correct", "certifyN0", "certifyN", "certifyAlpha",
  "images", "correctImages", "accuracy", "cleanAccuracy", "smoothedAccuracy", "seconds",
];

/** The cell of column `c` ("verification.rate" reads a nested field). */
function cell(row: Record<string, unknown>, c: string): unknown {
  const dot = c.indexOf(".");
  if (dot < 0) return row[c];
  const parent = row[c.slice(0, dot)];
  return typeof parent === "object" && parent !== null ? (parent as Record<string, unknown>)[c.slice(dot + 1)] : null;
}

/**
 * One CSV table of every row: the `record` column says which kind it is; cells a kind does not
 * have are empty.
 */
export function toCsv(results: ExportedResults): string {
  // Figure panels are figure data, not table rows: they are in the JSON export only.
  const rows = [...results.attacks, ...results.certifications, ...results.accuracy, ...results.calibrations];
  const columns = rows.some((row) => "file" in row && row.file !== undefined) ? CSV_COLUMNS.flatMap((c) => (c === "image" ? [c, "file"] : [c])) : CSV_COLUMNS;
  const lines = [columns.join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(cell(row as unknown as Record<string, unknown>, c))).join(","));
  return lines.join("\n") + "\n";
}
