/**
 * What an experiment runs against: how to load models and images, the registered attacks, and
 * the calibration, certification and figure computations. The shipped environment
 * (shipped.ts) wires rsbench's model zoo, datasets and attacks; tests and extensions provide
 * their own module. Worker threads import the environment by module URL, so an environment
 * module must export `createEnvironment()`.
 */
import type { AttackEntry } from "../../attacks/registry.js";
import type { Classifier, ImageShape } from "../../model/classifier.js";
import type { Device } from "../../model/device.js";
import type { LabeledImages } from "../../data/types.js";
import type { Random } from "../../rng/random.js";
import type { DataConfig } from "../plan/config.js";
import type { DataFingerprint, EndpointFingerprint } from "../store/fingerprint.js";
import type { CertificationOutcome, ComputedFigure, ComputeFigure } from "../store/records.js";
import type { NoiseLayout } from "../../smoothing/noise.js";
import { siblingModule } from "../../io/worker.js";

/** The sigma an environment's calibration found, with what it measured. */
export interface CalibrationResult {
  readonly sigma: number;
  readonly cleanAccuracy: number;
  readonly smoothedAccuracy: number;
  readonly images: number;
  readonly n: number;
}

/** Arguments of an environment's sigma calibration. */
export interface CalibrateArgs {
  readonly drop: number;
  readonly n: number;
  readonly batchSize: number;
  readonly random: Random;
  /** Noise layout of g(sigma, n) (config `noise`); absent: "per-point". */
  readonly noise?: NoiseLayout;
}

/** Arguments of an environment's CERTIFY. */
export interface CertifyArgs {
  /** Noise layout of g(sigma, n) (config `noise`); absent: "per-point". */
  readonly noise?: NoiseLayout;
  readonly sigma: number;
  readonly n0: number;
  readonly n: number;
  readonly alpha: number;
  readonly batchSize: number;
  readonly random: Random;
  /**
   * Progress observer of CERTIFY's draws (CertifyOptions.onDraws: draws so far of n0 + n), given
   * when someone watches the run (`rsbench run`'s line); pass it on to show progress inside the
   * item. It must not change the outcome.
   */
  readonly onDraws?: (drawn: number, total: number) => void;
}

/** What an experiment runs on: models, data, attacks, calibration, CERTIFY and the figure computations (docs/extending.md). */
export interface ExperimentEnvironment {
  /**
   * A classifier by shipped name or path; `threads` is onnxruntime's intra-op thread count, `device`
   * its execution provider (default "cpu"), `workers` the run's workers that each load a model on
   * this machine (default 1: a hint for noise threads off the CPU, never a result). Each call returns a classifier of its own: the runner
   * loads every model once before a run to check it (src/experiments/execute/resolve.ts); with one worker
   * that classifier then runs the items, with worker threads it is disposed (each loads its own).
   */
  loadModel(name: string, options: { readonly threads: number; readonly device?: Device; readonly shape?: ImageShape; readonly workers?: number }): Promise<Classifier>;
  /**
   * The images a data config selects. Must be deterministic. `shape` is the model's image shape,
   * to which a config with `resize` decodes its images (absent: the images' own shape).
   */
  loadData(data: DataConfig, shape?: ImageShape): Promise<LabeledImages>;
  /** The attacks a config can name (the shipped ATTACKS, or the environment's own). */
  readonly attacks: Readonly<Record<string, AttackEntry>>;
  /** The sigma at which g(sigma, n) loses `drop` accuracy on `data`. */
  calibrate(base: Classifier, data: LabeledImages, args: CalibrateArgs): Promise<CalibrationResult>;
  /** Cohen et al.'s CERTIFY on one image. */
  certify(base: Classifier, image: Float32Array, args: CertifyArgs): Promise<{ readonly outcome: CertificationOutcome; readonly forwardPasses: number }>;
  /** Computations of Fig. 1-3 (a figure without one cannot be included). */
  readonly figures: Readonly<Partial<Record<ComputedFigure, ComputeFigure>>>;
  /** The file a model name resolves to, hashed into run.json (omitted: models are not fingerprinted). */
  modelFile?(name: string): string | null;
  /**
   * Fingerprint of the images a data config selects (omitted: a hash of `loadData`'s images).
   * `load` is the caller's `loadData` (which may hold the images already): use it to read images.
   */
  fingerprintData?(data: DataConfig, load?: (data: DataConfig) => Promise<LabeledImages>): Promise<DataFingerprint>;
  /**
   * What a remote endpoint says of itself (GET /v1/info of `rsbench serve`), for a model name that
   * is an endpoint's URL; null for other models (omitted: endpoints are not fingerprinted).
   */
  fingerprintEndpoint?(name: string): Promise<EndpointFingerprint | null>;
}

/** The shape of an environment module: workers call `createEnvironment()` once each. */
export interface EnvironmentModule {
  /** Creates the environment (once per worker). */
  createEnvironment(): ExperimentEnvironment | Promise<ExperimentEnvironment>;
}

/** URL of the shipped environment module. */
export const SHIPPED_ENVIRONMENT: string = siblingModule(import.meta.url, "shipped").href; // shipped.ts, or shipped.js in dist/

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
