/**
 * The record of one attack on one image against one defense point: what `rsbench run` stores
 * for an attack item and what `rsbench attack` streams for each image (src/attacks/pipeline.ts
 * makes both). JSON has no Infinity: a distortion never reached is `null`.
 */
import { DEFAULT_ORACLE_RULE, type OracleRule } from "../oracle/rule.js";
import type { StartKind } from "./start.js";
import type { Norm, UnspentBudget } from "./types.js";

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
  /**
   * The oracle's rule (src/oracle/rule.ts) when it is not the paper's "shortcut": "label" or
   * "repeat:K". Absent means "shortcut", so points and records made before the field keep their bytes.
   */
  readonly oracle?: OracleRule;
}

/** One attack to run on each image: a registered attack, its norm, budget, options, start policy and check. */
export interface AttackSpec {
  /** A registered attack ("hsja", "surfree", "rays"). */
  readonly name: string;
  /**
   * Names the entry in keys in place of "<name>-<norm>" (attackKey), so that one attack and norm
   * can run at several budgets or options in one config (e.g. "hsja-6000"). Absent in configs
   * without it, whose keys and records keep their bytes.
   */
  readonly id?: string;
  /** The norm it minimises. */
  readonly norm: Norm;
  /** Query budget (one query = one call of the defended classifier); the paper uses 2000. */
  readonly budget: number;
  /** Options passed to the attack over its DEFAULTS. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Where runs start (see StartKind). */
  readonly start: StartKind;
  /**
   * Repeats of the check that the final adversarial point is adversarial at level Pa in the sense
   * of docs/paper.md eq. (4) (src/oracle/verify.ts), run after the attack, outside its budget,
   * against smoothed defenses only; 0 runs no check.
   */
  readonly verify: number;
  /**
   * How the check decides: absent, the point estimate of the paper grid (rate of `verify` fresh
   * calls >= Pa, src/oracle/verify.ts verifyAdversarial), kept so configs and records made before
   * the field are unchanged; "sequential", the sequential test with error `verifyAlpha`
   * (verifySequential), stopping as soon as it decides, with at most `verify` calls.
   */
  readonly verification?: "sequential";
  /** Error of each wrong answer of the sequential test (0.05 by default); present with `verification` only. */
  readonly verifyAlpha?: number;
  /**
   * Harden the final point against smoothed defenses (src/oracle/harden.ts): search outward for
   * the nearest point the sequential test verifies at level Pa, with error `verifyAlpha`, each
   * confirmation at most `verify` calls, after the attack and outside its budget. Needs
   * `verification` "sequential". Absent: no hardening, and records without the `hardened` field.
   */
  readonly harden?: true;
  /** Most calls of g the hardening of one point may spend (HARDEN_DEFAULTS.maxCalls, 1000, by default); present with `harden` only. */
  readonly hardenCalls?: number;
  /**
   * Budgets below `budget` (ascending) at which the point the attacker held then is also checked
   * and hardened, as the final point is (record field `hardenedAt`): one run read at several
   * budgets, the anytime attacker of Fig. 6, instead of one run per budget. Present with `harden` only.
   */
  readonly hardenAt?: readonly number[];
}

/** Whether `budgets` is strictly ascending, as AttackSpec.hardenAt must be (config and CLI check it with this). */
export function ascendingBudgets(budgets: readonly number[]): boolean {
  return budgets.every((q, i) => i === 0 || q > budgets[i - 1]);
}

/** Best distortion after a given number of queries (null: nothing adversarial yet). */
export interface Checkpoint {
  readonly queries: number;
  readonly l2: number | null;
  readonly linf: number | null;
}

/** What the point-estimate check measured (records of the paper grid, src/oracle/verify.ts verifyAdversarial). */
export interface EstimatedVerification {
  readonly repeats: number;
  readonly rate: number;
  /** rate >= Pa (no error bound). */
  readonly verified: boolean;
}

/**
 * What the sequential test measured (src/oracle/verify.ts verifySequential): its answer, the
 * wrong-label rate, the Clopper-Pearson bounds at the look where it stopped, and the calls spent.
 */
export interface SequentialCheck {
  readonly status: "verified" | "refuted" | "undecided";
  readonly rate: number;
  readonly lower: number;
  readonly upper: number;
  readonly calls: number;
}

/** What the check of an attack's final point measured: the old point estimate or the sequential test. */
export type AttackVerification = EstimatedVerification | SequentialCheck;

/**
 * What hardening measured (issue 12, src/oracle/harden.ts): the nearest point, searched outward
 * from the attack's final point along x_a - x_o (clipped to the bounds) and toward the attack's
 * starting point when it had one, that the sequential test verifies adversarial at level Pa (with
 * P[the point is below Pa] <= verifyAlpha), and what the search cost. Outside the attack's
 * budget, on its own noise stream. `reason` starts with "calls:", "bounds:" or "confirmations:".
 */
export interface HardenedPoint {
  /** "hardened": a verified point was found; "failed": none was, and `reason` says why. */
  readonly status: "hardened" | "failed";
  /** Distortions of the hardened point from the original image (null when failed). */
  readonly l2: number | null;
  readonly linf: number | null;
  /** Calls of g(sigma, n) the search spent (all its sequential tests), outside the attack's budget. */
  readonly calls: number;
  /** Why no point was hardened (status "failed" only). */
  readonly reason?: string;
}

/**
 * The check and hardening of the point an attack held after `queries` of its queries (the best
 * adversarial point in its norm among those the first `queries` queries found, AttackSpec.hardenAt),
 * on their own noise streams, outside the budget.
 */
export interface HeldPointCheck {
  readonly queries: number;
  /** Distortions of the held point (null: nothing adversarial was found by then). */
  readonly l2: number | null;
  readonly linf: number | null;
  /** As AttackRecord.verification, for this point (null when there is none). */
  readonly verification: SequentialCheck | null;
  /** As AttackRecord.hardened, for this point (null when there is none). */
  readonly hardened: HardenedPoint | null;
}

/**
 * Whether answers on the defense point can be random, so that eq. (4) is a question worth calls:
 * a smoothed defense (sigma), or a remote endpoint (an oracle rule without sigma: `rsbench attack
 * --target`, a config defense with "target"), whose defense the attacker does not know. Checks and
 * hardening run against these; a local deterministic defense answers the same every call.
 */
export function mayBeRandom(ref: { readonly sigma: number | null; readonly oracle?: string }): boolean {
  return ref.sigma !== null || ref.oracle !== undefined;
}

/** Whether a check says the point is adversarial at level Pa: `verified` of a point estimate, status "verified" of the test. */
export function isVerified(v: { readonly verified?: boolean; readonly status?: string } | null | undefined): boolean {
  if (v == null) return false;
  return v.status === undefined ? v.verified === true : v.status === "verified";
}

/**
 * One attack on one image against one defense point. When the defense misclassifies the
 * original image (one call of the defense on it, outside the budget) the attack is not run:
 * `status` is "misclassified" and the distortion fields are null.
 */
export interface AttackRecord {
  readonly kind: "attack";
  /** Unique key of the item (attackKey): it names the record's random streams. */
  readonly key: string;
  /** The seed; the streams are keyedRandom(seed, key) (src/rng/keyed.ts). */
  readonly seed: number;
  /** Index of the image in its source (LabeledImages.indices). */
  readonly image: number;
  /** Folder datasets only: the image's file, relative to the folder ("cat/003.png"); absent for built-in datasets. */
  readonly file?: string;
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
  /** Queries spent: calls of the defended classifier, what the budget counts. */
  readonly queries: number;
  /**
   * Attack steps (points the attack asked), present when the oracle's rule is not "shortcut":
   * under "repeat:K" each step cost 1 to K of the `queries`; under "label" steps = queries.
   */
  readonly steps?: number;
  readonly forwardPasses: number;
  /** Best distortions at fixed budgets (ATTACK_CHECKPOINTS below the budget, and the budget). */
  readonly checkpoints: readonly Checkpoint[];
  /** The oracle's best-so-far trace (one row per improvement): read the distortion at any budget. */
  readonly trace: readonly Checkpoint[];
  /**
   * Outer iterations the attack completed, or -1 when the oracle refused a query inside one (the
   * budget ended the run by an exception, stopReason "budget": the attack did not report a count;
   * src/attacks/run.ts). Attacks that end at their own budget check report the count.
   */
  readonly iterations: number;
  readonly stopReason: string;
  /**
   * Present when the budget ended the run with queries left: how many, and why (an attack that
   * asks several points per call cannot always fit its last call). Absent when the run spent its
   * whole budget or stopped before it, as in records written before the field existed.
   */
  readonly unspent?: UnspentBudget;
  readonly anomalies: Readonly<Record<string, number>>;
  /** Source index of the image the run started from (start policy "data"/"auto"), or null: its own initialisation. */
  readonly start: number | null;
  /**
   * The experimenter's check (outside the budget, own noise stream) that the final adversarial
   * point, in the attack's norm, is adversarial at level Pa in the sense of docs/paper.md eq. (4):
   * `rate` is the share of `repeats` fresh calls of g(sigma, n) on it that differ from the label,
   * `verified` is rate >= Pa. null when not run: `verify` 0, no RS, or no adversarial point.
   */
  readonly verification: AttackVerification | null;
  /**
   * Hardening of the final point (HardenedPoint), present when the attack asked for it
   * (attacks[].harden, `rsbench attack --harden`): null when not run (no RS, or no adversarial
   * point). Absent in records of configs without the field, so they keep their bytes.
   */
  readonly hardened?: HardenedPoint | null;
  /**
   * The sequential test of the original image at level Pa, run before attacking (issue 25), present
   * only when it verified P[g(x_o) != y] >= Pa: the image is then adversarial at level Pa without
   * any distortion, recorded with status "misclassified" (stopReason "adversarial at level Pa",
   * though the defense's single call labelled it right) and never attacked. Absent otherwise, so
   * the records of other images keep their bytes.
   */
  readonly originalCheck?: SequentialCheck;
  /**
   * The points held at the budgets of AttackSpec.hardenAt, each checked and hardened (ascending
   * `queries`); present when the attack asked for them, empty when the defense misclassified the image.
   */
  readonly hardenedAt?: readonly HeldPointCheck[];
  /** Wall-clock seconds the item took (the only field that differs between identical runs). */
  readonly seconds: number;
}

/** Budgets below the full one at which every attack record reads the best distortion (the paper's 500/1000/2000 reading). */
export const ATTACK_CHECKPOINTS: readonly number[] = Object.freeze([500, 1000]);

/** The checkpoint budgets of an attack with `budget` queries: ATTACK_CHECKPOINTS below it, then the budget. */
export function checkpointBudgets(budget: number): number[] {
  return [...ATTACK_CHECKPOINTS.filter((q) => q < budget), budget];
}

/**
 * Key of the attack of `attack` (minimising `norm`) on source image `image` against defense point
 * `defenseId`: "attack/<defense point>/<attack>-<norm>/image=<i>", or with the entry's `id`
 * (AttackSpec.id) in place of "<attack>-<norm>".
 */
export function attackKey(defenseId: string, attack: string, norm: Norm, image: number, id?: string): string {
  return `attack/${defenseId}/${attackEntryId({ name: attack, norm, id })}/image=${image}`;
}

/** What names an attack entry in keys: its `id`, or "<name>-<norm>" (unique among a config's entries). */
export function attackEntryId(attack: { readonly name: string; readonly norm: Norm; readonly id?: string }): string {
  return attack.id ?? `${attack.name}-${attack.norm}`;
}

/**
 * Key of the noise stream of a defense point's answer on an original image. It is keyed by
 * (defense point, image), not by attack, so every attack on a defense point attacks the same images.
 */
export function predictionKey(defenseId: string, image: number): string {
  return `prediction/${defenseId}/image=${image}`;
}

/**
 * Id of a defense point: the config entry's name, and for a smoothed one its n, Pa and, when it is
 * not the paper's shortcut, the oracle's rule ("rs-3%/n=10/pa=0.5", "rs-3%/n=10/pa=0.5/oracle=repeat:3").
 */
export function defensePointId(name: string, smoothing: { readonly n: number; readonly pa: number; readonly oracle?: OracleRule } | null): string {
  if (smoothing === null) return name;
  const rule = smoothing.oracle ?? DEFAULT_ORACLE_RULE;
  return `${name}/n=${smoothing.n}/pa=${smoothing.pa}${rule === DEFAULT_ORACLE_RULE ? "" : `/oracle=${rule}`}`;
}
