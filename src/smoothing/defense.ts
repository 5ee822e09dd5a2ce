/**
 * A defense as a value: what stands between the attacker and the base classifier. One factory,
 * `defend`, builds the classifier the attacker faces; the label-only oracle asks it through the
 * Classifier interface (and its `decider`, when it has one), never by its class.
 *
 * A new noise distribution is a new variant here, its sampler next to sampler.ts, one case in
 * `defend`, and its config and record fields (see docs/extending.md).
 */
import type { NoiseLayout } from "./noise.js";
import type { Classifier } from "../model/classifier.js";
import { labelCalls, type OracleRule } from "../oracle/rule.js";
import type { Random } from "../rng/random.js";
import { SmoothedClassifier } from "./smoothed.js";

/** The base classifier as it is (no defense, or a defense built into the model: AdvTrain). */
export interface NoDefense {
  readonly kind: "none";
}

/**
 * The practical smoothed classifier g(sigma, n): n Gaussian draws of std `sigma` (pixel units),
 * majority vote, attacked at level Pa through the oracle rule `rule` (src/oracle/rule.ts):
 * "shortcut" (the paper's: at least ceil(n Pa) of one call's n micro-decisions differ from the
 * original label, docs/paper.md eq. (4), attack-side shortcut), "label" (one call's label
 * differs) or "repeat:K" (at least ceil(K Pa) of K calls' labels differ).
 */
export interface GaussianSmoothing {
  readonly kind: "gaussian";
  readonly sigma: number;
  readonly n: number;
  readonly pa: number;
  readonly rule: OracleRule;
}

/** A defense: none, or Gaussian smoothing g(sigma, n). */
export type Defense = NoDefense | GaussianSmoothing;

/** The defense kinds, in a stable order. */
export const DEFENSE_VARIANTS: readonly Defense["kind"][] = ["none", "gaussian"];

/** Level Pa of the oracle of an undefended classifier: any Pa in (0, 1) means "the label differs"; 0.5 by convention. */
export const UNDEFENDED_PA = 0.5;

/** Options of `defend`. */
export interface DefendOptions {
  /** The defense's own randomness (the noise of g(sigma, n)); unused without noise. */
  readonly random: Random;
  /** Largest base-model call, in images (does not change results). */
  readonly batchSize?: number;
  /** Noise layout of g(sigma, n) (SmoothingOptions.noise). Defaults to "per-point". */
  readonly noise?: NoiseLayout;
}

/** The classifier the attacker faces under `defense`. */
export function defend(base: Classifier, defense: Defense, options: DefendOptions): Classifier {
  switch (defense.kind) {
    case "none": return base;
    case "gaussian": {
      // The label rules read labels only: each point's draws may stop once its majority is settled
      // (the same labels as the full vote for the same noise, fewer forward passes). The shortcut
      // answers through the classifier's own decider, and keeps the construction its records were made with.
      const earlyStop = labelCalls(defense.rule) !== null;
      return new SmoothedClassifier(base, { sigma: defense.sigma, n: defense.n, batchSize: options.batchSize, random: options.random, ...(earlyStop ? { earlyStop } : {}), ...(options.noise === undefined ? {} : { noise: options.noise }) });
    }
  }
}

/** The oracle rule the attacker applies under `defense` ("shortcut" without noise: one call, one label, all rules agree). */
export function defenseRule(defense: Defense): OracleRule {
  return defense.kind === "none" ? "shortcut" : defense.rule;
}

/** The level Pa the oracle applies under `defense`. */
export function defensePa(defense: Defense): number {
  return defense.kind === "none" ? UNDEFENDED_PA : defense.pa;
}

/** Whether the defense is random (two calls on the same point can disagree). */
export function isRandomized(defense: Defense): boolean {
  return defense.kind !== "none";
}
