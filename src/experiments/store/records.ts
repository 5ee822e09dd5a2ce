/**
 * The typed records of an experiment run. A run directory holds `config.json` (the experiment
 * as given), `run.json` (the RunManifest) and `results.jsonl`: one ResultRecord per finished
 * work item, appended durably (see store.ts). Figures, tables and the report are computed from
 * these records alone.
 *
 * JSON has no Infinity: a distortion that was never reached (unsuccessful attack, a budget
 * checkpoint before the first adversarial point) is stored as `null`.
 */
import type { InputFingerprints } from "./fingerprint.js";
import type { ShardSpec } from "../plan/shard.js";

export type { AttackRecord, AttackVerification, Checkpoint, DefenseKind, DefenseRef } from "../../attacks/record.js";
import type { AttackRecord } from "../../attacks/record.js";

/** Fields every record carries. */
export interface RecordBase {
  /** Unique key of the work item in the run (the store skips keys already done). */
  readonly key: string;
  /** The run seed; the item's streams are keyedRandom(seed, key) (src/rng/keyed.ts). */
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

/** Cohen et al.'s CERTIFY outcome: abstain is a variant, not a magic label. */
export type CertificationOutcome =
  | { readonly status: "certified"; readonly prediction: number; readonly radius: number; readonly pABar: number }
  | { readonly status: "abstain"; readonly pABar: number };

/** CERTIFY on one image for one smoothed model g(sigma) (n0, n, alpha from the config). */
export interface CertificationRecord extends RecordBase {
  readonly kind: "certification";
  readonly image: number;
  /** Folder datasets only: the image's file, relative to the folder ("cat/003.png"); absent for built-in datasets. */
  readonly file?: string;
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

export type { ComputedFigure, FigureName } from "../../figures/computation.js";
export { DEFAULT_FIGURES, FIGURE_NAMES } from "../../figures/computation.js";
import type { ComputedFigure } from "../../figures/computation.js";

/** The data of one computed figure panel; `data` is the JSON the figure module returned. */
export interface FigureRecord extends RecordBase {
  readonly kind: "figure";
  readonly figure: ComputedFigure;
  readonly image: number;
  /** Folder datasets only: the image's file, relative to the folder ("cat/003.png"); absent for built-in datasets. */
  readonly file?: string;
  readonly label: number;
  readonly defense: string;
  readonly model: string;
  readonly sigma: number;
  readonly data: unknown;
}

export type { ComputeFigure, FigureInput } from "../../figures/computation.js";

/** Any record of a results store, told apart by its `kind`. */
export type ResultRecord = CalibrationRecord | AccuracyRecord | AttackRecord | CertificationRecord | FigureRecord;
/** The kinds of result record: calibration, accuracy, attack, certification, figure. */
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
  /** A shard of a job array (`rsbench run --shard I/N`): only its items count. Absent in an unsharded run. */
  readonly shard?: ShardSpec;
  /** A directory written by `rsbench merge`: the shards it holds. Absent otherwise. */
  readonly merged?: MergeInfo;
  /** Each `--extend` that grew the run: when, the config hash before, and the attack entries after. Absent if none. */
  readonly extensions?: readonly RunExtension[];
}

/** One growth of a run by `rsbench run --extend` (appended attack entries). */
export interface RunExtension {
  readonly at: string;
  readonly from: string;
  readonly attacks: number;
}

/** What a shard directory held when `rsbench merge` last read it. */
export interface MergedShard {
  readonly index: number;
  /** The shard directory, as an absolute path. */
  readonly dir: string;
  /** Its items (its share and every calibration) and how many were done. */
  readonly items: number;
  readonly done: number;
  readonly complete: boolean;
  readonly sessions: number;
  readonly wallSeconds: number;
  readonly workers: number;
  readonly updated: string;
  readonly software: SoftwareVersions;
}

/** run.json's record of a merge: the shard count and, per merged shard, what it held (latest merge of it). */
export interface MergeInfo {
  readonly shards: number;
  readonly sources: readonly MergedShard[];
}
