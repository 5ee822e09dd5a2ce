/**
 * The typed records of an experiment run. A run directory holds `config.json` (the experiment
 * as given), `run.json` (the RunManifest) and `results.jsonl`: one ResultRecord per finished
 * work item, appended durably (see store.ts). Figures, tables and the report are computed from
 * these records alone.
 *
 * JSON has no Infinity: a distortion that was never reached (unsuccessful attack, a budget
 * checkpoint before the first adversarial point) is stored as `null`.
 */
import type { Norm } from "../attacks/types.js";
import type { Classifier } from "../model/classifier.js";
import type { Random } from "../rng/random.js";
import type { InputFingerprints } from "./fingerprint.js";

/** What a defense is, as the paper names them (Sect. 4). */
export type DefenseKind = "none" | "rs" | "randtrain" | "advtrain";

/**
 * One point of the defense grid, fully resolved: a model, and when smoothed its sigma (a number,
 * even when the config asked for an accuracy drop), its number of noise draws n and the attacker's
 * level Pa. `id` is unique in the run and stable (it names the point in keys, tables and figures),
 * e.g. "rs-3%/n=10/pa=0.5"; `name` is the config entry it came from, e.g. "rs-3%".
 */
export interface DefenseRef {
  readonly id: string;
  readonly name: string;
  readonly kind: DefenseKind;
  /** Model name (shipped) or path, as written in the config. */
  readonly model: string;
  /** Noise level of RS in pixel space, or null without RS. */
  readonly sigma: number | null;
  /** The accuracy drop the sigma was calibrated for, when the config gave `{ "drop": ... }`. */
  readonly drop: number | null;
  /** Noise draws per query of g(sigma, n), or null without RS. */
  readonly n: number | null;
  /** Level Pa of eq. (4) (the attack's success criterion), or null without RS. */
  readonly pa: number | null;
}

/** Fields every record carries. */
export interface RecordBase {
  /** Unique key of the work item in the run (the store skips keys already done). */
  readonly key: string;
  /** The run seed; the item's streams are createRandom(seed, ...keyWords(key)). */
  readonly seed: number;
  /** Wall-clock seconds the item took (the only field that differs between identical runs). */
  readonly seconds: number;
}

/** sigma resolved by calibration for a requested accuracy drop (one per (model, drop)). */
export interface CalibrationRecord extends RecordBase {
  readonly kind: "calibration";
  readonly model: string;
  readonly drop: number;
  readonly sigma: number;
  readonly cleanAccuracy: number;
  readonly smoothedAccuracy: number;
  /** Images and noise draws per image the calibration used. */
  readonly images: number;
  readonly n: number;
}

/**
 * Accuracy of one defense on the accuracy set (config `accuracy`): of the base model, or of the
 * practical smoothed classifier g(sigma, n) (majority of n draws). Pa does not change accuracy,
 * so there is one record per (defense name, n). The x axis of Fig. 5.
 */
export interface AccuracyRecord extends RecordBase {
  readonly kind: "accuracy";
  readonly defense: string;
  readonly model: string;
  readonly sigma: number | null;
  readonly n: number | null;
  readonly images: number;
  readonly correct: number;
  readonly accuracy: number;
}

/** Best distortion after a given number of queries (null: nothing adversarial yet). */
export interface Checkpoint {
  readonly queries: number;
  readonly l2: number | null;
  readonly linf: number | null;
}

/**
 * One attack on one image against one defense point. When the defense misclassifies the
 * original image (one call of the defense on it, outside the budget) the attack is not run:
 * `status` is "misclassified" and the distortion fields are null.
 */
export interface AttackRecord extends RecordBase {
  readonly kind: "attack";
  /** Index of the image in its source (LabeledImages.indices). */
  readonly image: number;
  readonly label: number;
  /** Label the defense gave the original image (for a smoothed defense: the vote of n draws). */
  readonly prediction: number;
  readonly status: "attacked" | "misclassified";
  readonly defense: DefenseRef;
  readonly attack: string;
  readonly norm: Norm;
  readonly budget: number;
  readonly success: boolean;
  readonly l2: number | null;
  readonly linf: number | null;
  readonly queries: number;
  readonly forwardPasses: number;
  /** Best distortions at fixed budgets (500, 1000 and the full budget). */
  readonly checkpoints: readonly Checkpoint[];
  /** The oracle's best-so-far trace (one row per improvement): read the distortion at any budget. */
  readonly trace: readonly Checkpoint[];
  readonly iterations: number;
  readonly stopReason: string;
  readonly anomalies: Readonly<Record<string, number>>;
  /** Source index of the image the run started from (start policy "data"/"auto"), or null: its own initialisation. */
  readonly start: number | null;
  /**
   * The experimenter's check (outside the budget, own noise stream) that the final adversarial
   * point, in the attack's norm, is adversarial at level Pa in the sense of PAPER.md eq. (4):
   * `rate` is the share of `repeats` fresh calls of g(sigma, n) on it that differ from the label,
   * `verified` is rate >= Pa. null when not run: config `verify` 0, no RS, or no adversarial point.
   */
  readonly verification: AttackVerification | null;
}

/** What the check of an attack's final point measured (src/oracle/verify.ts). */
export interface AttackVerification {
  readonly repeats: number;
  readonly rate: number;
  readonly verified: boolean;
}

/** Cohen et al.'s CERTIFY outcome: abstain is a variant, not a magic label. */
export type CertificationOutcome =
  | { readonly status: "certified"; readonly prediction: number; readonly radius: number; readonly pABar: number }
  | { readonly status: "abstain"; readonly pABar: number };

/** CERTIFY on one image for one smoothed model g(sigma) (n0, n, alpha from the config). */
export interface CertificationRecord extends RecordBase {
  readonly kind: "certification";
  readonly image: number;
  readonly label: number;
  /** The config defense entry (e.g. "rs-3%"): one certification per (image, name), whatever n and Pa. */
  readonly defense: string;
  readonly model: string;
  readonly sigma: number;
  readonly n0: number;
  readonly n: number;
  readonly alpha: number;
  readonly outcome: CertificationOutcome;
  /** Certified and the prediction is the true label. */
  readonly correct: boolean;
  readonly forwardPasses: number;
}

/** Figures whose data is computed by work items (Fig. 4 and 5 come from the other records). */
export type ComputedFigure = "fig1" | "fig2" | "fig3";
export type FigureName = ComputedFigure | "fig4" | "fig5";
export const FIGURE_NAMES: readonly FigureName[] = ["fig1", "fig2", "fig3", "fig4", "fig5"];

/** The data of one computed figure panel; `data` is the JSON the figure module returned. */
export interface FigureRecord extends RecordBase {
  readonly kind: "figure";
  readonly figure: ComputedFigure;
  readonly image: number;
  readonly label: number;
  readonly defense: string;
  readonly model: string;
  readonly sigma: number;
  readonly data: unknown;
}

/**
 * What the runner hands a figure computation (Fig. 1-3) for one image: the base model f, the
 * image, the sigma of the chosen smoothed defense, the item's own random stream and the figure's
 * options from the config (`figures.options.fig1`, ...). The computation returns JSON-serialisable
 * data, stored as FigureRecord.data and rendered later from the records alone.
 */
export interface FigureInput {
  readonly base: Classifier;
  readonly image: Float32Array;
  readonly imageIndex: number;
  readonly label: number;
  readonly sigma: number;
  readonly random: Random;
  readonly batchSize: number;
  readonly options: Readonly<Record<string, unknown>>;
}
export type ComputeFigure = (input: FigureInput) => Promise<unknown>;

export type ResultRecord = CalibrationRecord | AccuracyRecord | AttackRecord | CertificationRecord | FigureRecord;
export type RecordKind = ResultRecord["kind"];

/** Versions of what produced a run (written into run.json and the report). */
export interface SoftwareVersions {
  readonly rsbench: string;
  readonly node: string;
  readonly onnxruntime: string | null;
  readonly platform: string;
  readonly cpus: number;
}

/** What the writer found in the store when it last wrote run.json (records outside the plan are kept but not counted). */
export interface StoreCounts {
  /** Records whose key is an item of this config (what `done` counts). */
  readonly valid: number;
  /** Records whose key is not an item of this config. */
  readonly foreign: number;
  /** Lines whose key was already stored (the first one is used). */
  readonly duplicates: number;
  /** Bytes of a torn last line dropped when the store was reopened. */
  readonly droppedBytes: number;
}

/**
 * run.json: what the run is and how far it got. Rewritten atomically at the start of each session,
 * every few seconds while it runs (so the wall time and the counts survive a kill) and at its end.
 * Fields marked "absent in runs written before ..." are read as unknown, never as zero.
 */
export interface RunManifest {
  readonly name: string;
  /** sha256 of the canonical config JSON: resuming with another config is refused. */
  readonly configHash: string;
  readonly seed: number;
  readonly created: string;
  readonly updated: string;
  /** Items in the run, and done so far. */
  readonly items: number;
  readonly done: number;
  readonly complete: boolean;
  /** Wall-clock seconds summed over the sessions (runs and resumptions) of this run. */
  readonly wallSeconds: number;
  readonly sessions: number;
  readonly workers: number;
  readonly software: SoftwareVersions;
  /** Content fingerprints of the models and data (absent in runs written before rsbench recorded them). */
  readonly inputs?: InputFingerprints;
  /** Source indices of the selected images, in order: what the item keys name (absent in older runs). */
  readonly images?: readonly number[];
  /** The store as last seen by the writer (absent in older runs). */
  readonly store?: StoreCounts;
}
