import { HSJA_DEFAULTS, hsja, validate as validateHsja, type HsjaOptions } from "./hsja.js";
import { PSJ_DEFAULTS, psj, validate as validatePsj, type PsjOptions } from "./psj.js";
import { RAYS_DEFAULTS, rays, validate as validateRays, type RaySOptions } from "./rays.js";
import { SURFREE_DEFAULTS, surfree, surfreeStartDraw, validate as validateSurfree, type SurFreeOptions } from "./surfree.js";
import type { StartDraw, StartKind } from "./start.js";
import type { Attack, Norm } from "./types.js";

/**
 * What the CLI and the experiments need to know about one attack: the one registry type (the
 * shipped ATTACKS below, and the attacks of an experiment environment).
 */
// The options type differs per attack; callers pass { ...defaults, ...optionsFor(norm), ...options }.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface AttackEntry<O = any> {
  /** The attack function; it is called with the full options (attackOptions). */
  readonly attack: Attack<O>;
  /** The attack's exported DEFAULTS (documented with their sources in its module): its option names. */
  readonly defaults: O;
  /** Norms the attack can minimise. */
  readonly norms: readonly Norm[];
  /** The norm it minimises unless told otherwise. */
  readonly defaultNorm: Norm;
  /** The options that make it minimise `norm` (one of `norms`); none when absent. */
  readonly optionsFor?: (norm: Norm) => Partial<O>;
  /** Where its runs start by default (see StartKind); "own" when absent. */
  readonly defaultStart?: StartKind;
  /** It begins from an adversarial point (its own, or one given): a run that found none is recorded "no start" (runAttack). */
  readonly needsStart?: boolean;
  /** One draw of the attack's own random initialisation under its full options, probed by start "auto" (none: uniform noise, HSJA's). */
  readonly startDraw?: (options: O) => StartDraw;
  /** The attack's own checks of its full options (a RangeError saying what was expected), run before any run starts. */
  readonly validate?: (options: O) => void;
}

/** The options an attack runs with: its defaults, then what makes it minimise `norm`, then the caller's. */
export function attackOptions(entry: AttackEntry, norm: Norm, options: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return { ...entry.defaults, ...entry.optionsFor?.(norm), ...options };
}

/** Where runs of the attack start unless told otherwise. */
export function defaultStart(entry: AttackEntry): StartKind {
  return entry.defaultStart ?? "own";
}

export { START_KINDS, type StartKind } from "./start.js";

/**
 * The decision-based attacks of the paper, by name.
 * - hsja: HopSkipJumpAttack, L2 or Linf (official `constraint`), L2 by default as in Jianbo-Lab/HSJA.
 * - surfree: SurFree, L2 only (its search is on circles of the L2 geometry).
 * - rays: RayS, Linf only (its rays are sign vectors); the oracle still records its best L2 point.
 * Whatever the norm minimised, the oracle records the best L2 and the best Linf point of every run.
 * HSJA and SurFree start "auto" by default: their own initialisations draw noise images, which a
 * classifier of small grey images sends to one class, so on images of that class they would fail;
 * those images start from data instead (see noiseLeavesClass). Starting every image from data
 * costs distortion: on mnist-standard, test images 1 and 2, HSJA reached L2 0.88 and 1.10 from its
 * own start but 1.96 and 1.22 from data (2000 queries). RayS needs no starting point (its first
 * rays go to corners of the box) and uses its own start, as the official code.
 * - psj: PopSkipJump, L2 or Linf (official `distance`), L2 by default; made for random classifiers
 *   (it models the probability of the label along each line). It starts "auto" as HSJA, for the same
 *   reason (its official initialisation also draws noise images).
 */
export const ATTACKS = Object.freeze({
  hsja: {
    attack: hsja,
    defaults: HSJA_DEFAULTS,
    norms: ["l2", "linf"],
    defaultNorm: "l2",
    optionsFor: (norm: Norm): Partial<HsjaOptions> => ({ constraint: norm }),
    defaultStart: "auto",
    needsStart: true,
    validate: validateHsja,
  } satisfies AttackEntry<HsjaOptions>,
  surfree: {
    attack: surfree,
    defaults: SURFREE_DEFAULTS,
    norms: ["l2"],
    defaultNorm: "l2",
    optionsFor: (): Partial<SurFreeOptions> => ({}),
    defaultStart: "auto",
    needsStart: true,
    startDraw: surfreeStartDraw,
    validate: validateSurfree,
  } satisfies AttackEntry<SurFreeOptions>,
  rays: {
    attack: rays,
    defaults: RAYS_DEFAULTS,
    norms: ["linf"],
    defaultNorm: "linf",
    optionsFor: (): Partial<RaySOptions> => ({}),
    defaultStart: "own",
    validate: validateRays,
  } satisfies AttackEntry<RaySOptions>,
  psj: {
    attack: psj,
    defaults: PSJ_DEFAULTS,
    norms: ["l2", "linf"],
    defaultNorm: "l2",
    optionsFor: (norm: Norm): Partial<PsjOptions> => ({ constraint: norm }),
    defaultStart: "auto",
    validate: validatePsj,
  } satisfies AttackEntry<PsjOptions>,
});

/** The name of a registered attack. */
export type AttackName = keyof typeof ATTACKS;

/** The names of the registered attacks, in a stable order. */
export const ATTACK_NAMES = Object.keys(ATTACKS) as AttackName[];

/** The registry entry of `name`, or a RangeError listing the valid names. */
export function attackEntry(name: string): AttackEntry {
  if (!Object.hasOwn(ATTACKS, name)) {
    throw new RangeError(`unknown attack ${JSON.stringify(name)}: expected one of ${ATTACK_NAMES.join(", ")}`);
  }
  return ATTACKS[name as AttackName];
}
