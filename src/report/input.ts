import type { CalibrationRecord, FigureRecord, RecordBase, RunManifest } from "../experiments/store/records.js";
import type { AccuracyInput, AttackInput, CertificationInput } from "../figures/inputs.js";

/*
 * What a report is made from, reduced to the fields it reads: the runner's records
 * (src/experiments/store/records.ts) without their bookkeeping, so a report can also be built from
 * records that were never stored by the runner (tests, other tools).
 */

/** A result record of any kind the report reads. */
export type ReportRecord =
  | (AttackInput & { readonly kind: "attack" })
  | (AccuracyInput & { readonly kind: "accuracy" })
  | (CertificationInput & { readonly kind: "certification" })
  | Omit<CalibrationRecord, keyof RecordBase>
  | Pick<FigureRecord, "kind" | "figure" | "image" | "defense" | "sigma" | "data">;

/** run.json as the report reads it (the config hash is the runner's business). */
export type ReportManifest = Omit<RunManifest, "configHash">;

/** Everything a report shows. */
export interface ReportInput {
  readonly title: string;
  /** The run's configuration (config.json), shown verbatim. */
  readonly config: unknown;
  /** null for a run directory without run.json. */
  readonly manifest: ReportManifest | null;
  readonly records: readonly ReportRecord[];
  /** Cards of the models the config names (null: not a shipped model, or no card written). */
  readonly modelCards: readonly { readonly name: string; readonly card: unknown }[];
  /** Class names of the dataset, to label Fig. 2. */
  readonly classNames?: readonly string[];
  /** When the report was generated (ISO 8601). Defaults to now. */
  readonly generatedAt?: string;
}
