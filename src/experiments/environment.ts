/**
 * What an experiment runs against: how to load models and images, the registered attacks, and
 * the calibration, certification and figure computations. The shipped environment
 * (shipped.ts) wires rsbench's model zoo, datasets and attacks; tests and extensions provide
 * their own module. Worker threads import the environment by module URL, so an environment
 * module must export `createEnvironment()`.
 */
import type { StartKind } from "../attacks/start.js";
import type { Attack, Norm } from "../attacks/types.js";
import type { Classifier } from "../model/classifier.js";
import type { LabeledImages } from "../data/types.js";
import type { Random } from "../rng/random.js";
import type { DataConfig } from "./config.js";
import type { DataFingerprint } from "./fingerprint.js";
import type { CertificationOutcome, ComputedFigure, ComputeFigure } from "./records.js";

/** An attack the config can name, with its documented defaults and the norms it minimises. */
export interface RegisteredAttack {
  // The options type differs per attack; the runner passes { ...defaults, ...config options }.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly attack: Attack<any>;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly norms: readonly Norm[];
  /** The norm a config entry without `norm` uses. */
  readonly defaultNorm: Norm;
  /** Options that make the attack minimise `norm` (merged over the defaults, under the config's options). */
  readonly optionsFor?: (norm: Norm) => Readonly<Record<string, unknown>>;
  /** Where its runs start unless the config says otherwise (defaults to "own"). */
  readonly defaultStart?: StartKind;
}

export interface CalibrationResult {
  readonly sigma: number;
  readonly cleanAccuracy: number;
  readonly smoothedAccuracy: number;
  readonly images: number;
  readonly n: number;
}

export interface CalibrateArgs {
  readonly drop: number;
  readonly n: number;
  readonly batchSize: number;
  readonly random: Random;
}

export interface CertifyArgs {
  readonly sigma: number;
  readonly n0: number;
  readonly n: number;
  readonly alpha: number;
  readonly batchSize: number;
  readonly random: Random;
}

export interface ExperimentEnvironment {
  /** A classifier by shipped name or path; `threads` is onnxruntime's intra-op thread count. */
  loadModel(name: string, options: { readonly threads: number }): Promise<Classifier>;
  /** The images a data config selects. Must be deterministic. */
  loadData(data: DataConfig): Promise<LabeledImages>;
  readonly attacks: Readonly<Record<string, RegisteredAttack>>;
  /** The sigma at which g(sigma, n) loses `drop` accuracy on `data`. */
  calibrate(base: Classifier, data: LabeledImages, args: CalibrateArgs): Promise<CalibrationResult>;
  /** Cohen et al.'s CERTIFY on one image. */
  certify(base: Classifier, image: Float32Array, args: CertifyArgs): Promise<{ readonly outcome: CertificationOutcome; readonly forwardPasses: number }>;
  /** Computations of Fig. 1-3 (a figure without one cannot be included). */
  readonly figures: Readonly<Partial<Record<ComputedFigure, ComputeFigure>>>;
  /** The file a model name resolves to, hashed into run.json (omitted: models are not fingerprinted). */
  modelFile?(name: string): string | null;
  /** Fingerprint of the images a data config selects (omitted: a hash of `loadData`'s images). */
  fingerprintData?(data: DataConfig): Promise<DataFingerprint>;
}

/** The shape of an environment module: workers call `createEnvironment()` once each. */
export interface EnvironmentModule {
  createEnvironment(): ExperimentEnvironment | Promise<ExperimentEnvironment>;
}

/** URL of the shipped environment module. */
export const SHIPPED_ENVIRONMENT: string = new URL("./shipped.ts", import.meta.url).href;

/** Imports an environment module by URL or path and creates its environment. */
export async function importEnvironment(specifier: string): Promise<ExperimentEnvironment> {
  const module = (await import(specifier).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes(specifier.replace(/^file:\/\//, ""))) {
      throw new Error(`environment module ${specifier} not found: expected a path or URL of a module exporting createEnvironment()`);
    }
    throw error;
  })) as Partial<EnvironmentModule>;
  if (typeof module.createEnvironment !== "function") {
    throw new Error(`environment module ${specifier}: expected it to export a function createEnvironment(), got ${typeof module.createEnvironment}`);
  }
  return module.createEnvironment();
}
