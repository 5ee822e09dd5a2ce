/**
 * A defense as a value: what stands between the attacker and the base classifier. One factory,
 * `defend`, builds the classifier the attacker faces; the label-only oracle asks it through the
 * Classifier interface (and its `decider`, when it has one), never by its class.
 *
 * A new noise distribution is a new variant here, its sampler next to sampler.ts, one case in
 * `defend`, and its config and record fields (see docs/extending.md).
 */
import type { Classifier } from "../model/classifier.js";
import type { Random } from "../rng/random.js";
import { SmoothedClassifier } from "./smoothed.js";

/** The base classifier as it is (no defense, or a defense built into the model: AdvTrain). */
export interface NoDefense {
  readonly kind: "none";
}

/**
 * The practical smoothed classifier g(sigma, n): n Gaussian draws of std `sigma` (pixel units),
 * majority vote. The oracle's rule (`rule`): a query is adversarial when at least ceil(n Pa)
 * of its n micro-decisions differ from the original label (docs/paper.md eq. (4), attack-side
 * shortcut).
 */
export interface GaussianSmoothing {
  readonly kind: "gaussian";
  readonly sigma: number;
  readonly n: number;
  readonly pa: number;
  readonly rule: "wrong-votes";
}

export type Defense = NoDefense | GaussianSmoothing;

/** The defense kinds, in a stable order. */
export const DEFENSE_VARIANTS: readonly Defense["kind"][] = ["none", "gaussian"];

/** Level Pa of the oracle of an undefended classifier: any Pa in (0, 1) means "the label differs"; 0.5 by convention. */
export const UNDEFENDED_PA = 0.5;

export interface DefendOptions {
  /** The defense's own randomness (the noise of g(sigma, n)); unused without noise. */
  readonly random: Random;
  /** Largest base-model call, in images (does not change results). */
  readonly batchSize?: number;
}

/** The classifier the attacker faces under `defense`. */
export function defend(base: Classifier, defense: Defense, options: DefendOptions): Classifier {
  switch (defense.kind) {
    case "none": return base;
    case "gaussian": return new SmoothedClassifier(base, { sigma: defense.sigma, n: defense.n, batchSize: options.batchSize, random: options.random });
  }
}

/** The level Pa the oracle applies under `defense`. */
export function defensePa(defense: Defense): number {
  return defense.kind === "none" ? UNDEFENDED_PA : defense.pa;
}

/** Whether the defense is random (two calls on the same point can disagree). */
export function isRandomized(defense: Defense): boolean {
  return defense.kind !== "none";
}
