/**
 * The one per-image attack pipeline, used by the runner's attack items and by `rsbench attack`:
 * ask the defense for its label of the image (outside the budget), pick the starting point,
 * attack through a label-only oracle with the query budget, read the distortions at the
 * checkpoints, check the final point against eq. (4) and, when asked, harden it and the points held
 * at earlier budgets (all outside the budget, src/oracle/verify.ts and src/oracle/harden.ts). Every random
 * stream comes from keyedRandom(seed, key) with the ids of ITEM_STREAMS, so a record is a pure
 * function of (seed, defense point, attack, image) whoever runs it.
 */
import type { NoiseLayout } from "../smoothing/noise.js";
import type { Classifier } from "../model/classifier.js";
import { distortionAt, LabelOnlyOracle, type TracePoint } from "../oracle/labelOnly.js";
import { DEFAULT_ORACLE_RULE } from "../oracle/rule.js";
import { HARDEN_DEFAULTS, hardenPoint } from "../oracle/harden.js";
import { SEQUENTIAL_VERIFY_DEFAULTS, verifyAdversarial, verifySequential } from "../oracle/verify.js";
import { keyedRandom } from "../rng/keyed.js";
import type { Random } from "../rng/random.js";
import { ITEM_STREAMS } from "../rng/streams.js";
import { defend, defensePa, defenseRule, type Defense } from "../smoothing/defense.js";
import { attackKey, checkpointBudgets, mayBeRandom, predictionKey, type AttackRecord, type AttackSpec, type AttackVerification, type Checkpoint, type DefenseRef, type HardenedPoint, type HeldPointCheck, type SequentialCheck } from "./record.js";
import { attackOptions, type AttackEntry } from "./registry.js";
import { runAttack } from "./run.js";
import { chooseStart, nearestOtherClass, type StartPool } from "./start.js";

/** An attack record before its wall-clock time is added (the caller times the whole item). */
export type AttackDraft = Omit<AttackRecord, "seconds">;

/** One attack on one image: the pure inputs of an attack record. */
export interface AttackJob {
  /** The run seed (config `seed`, `rsbench attack --seed`). */
  readonly seed: number;
  readonly defense: DefenseRef;
  readonly attack: AttackSpec;
  /** The image: its index in its source, its label and its pixels (CHW, pixel space). */
  readonly image: { readonly index: number; readonly label: number; readonly pixels: Float32Array };
  /** Largest base-model call of the smoothed classifier, in images (does not change results). */
  readonly batchSize?: number;
  /** Noise layout of the smoothed classifier (SmoothingOptions.noise; config `noise`). Defaults to "per-point". */
  readonly noise?: NoiseLayout;
}

/** What the pipeline runs with: the base model, the registered attack, and the starting-point pool. */
export interface AttackResources {
  readonly base: Classifier;
  readonly entry: AttackEntry;
  /** The pool of starting points (called only when the start policy needs one). */
  readonly pool: () => Promise<StartPool>;
  /** Progress observer of the attack's oracle (LabelOnlyOracleOptions.onQueries): queries spent, budget. Records do not depend on it. */
  readonly onQueries?: (used: number, budget: number) => void;
}

/** The Defense value of a defense point: Gaussian smoothing when it has sigma and n, none otherwise. */
export function defenseOf(ref: DefenseRef): Defense {
  if (ref.sigma === null || ref.n === null) return { kind: "none" };
  return { kind: "gaussian", sigma: ref.sigma, n: ref.n, pa: ref.pa ?? 0.5, rule: ref.oracle ?? DEFAULT_ORACLE_RULE };
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function checkpoint(trace: readonly TracePoint[], queries: number): Checkpoint {
  return { queries, l2: finite(distortionAt(trace, queries, "l2")), linf: finite(distortionAt(trace, queries, "linf")) };
}

/** The points behind a record, in pixel space (CHW): the attack's final point and the hardened one (null when none). */
export interface AttackPoints {
  readonly final: Float32Array | null;
  readonly hardened: Float32Array | null;
  /** The same at each budget of attacks[].hardenAt (the record's `hardenedAt`); empty without it. */
  readonly held: readonly HeldAttackPoints[];
}

/** The point an attack held after `queries` queries and its hardened point (null when none). */
export interface HeldAttackPoints {
  readonly queries: number;
  readonly final: Float32Array | null;
  readonly hardened: Float32Array | null;
}

/** Why an attack record of an original adversarial at level Pa says it was not attacked. */
export const ADVERSARIAL_AT_LEVEL = "adversarial at level Pa";

/**
 * The sequential test of the original image at level Pa (issue 25): whether P[g(x_o) != y] >= Pa
 * is verified, with error alpha, on at most `attack.verify` fresh calls of the defense. Run before
 * attacking when the attack checks its points with the sequential test (attacks[].verification
 * "sequential", verify > 0) against a defense that may be random; null otherwise. On a stream keyed
 * by (defense point, image), not by attack, so every attack on a defense point gets the same answer.
 */
export async function originalAtLevel(job: AttackJob, base: Classifier): Promise<SequentialCheck | null> {
  const { seed, defense: ref, attack, batchSize } = job;
  if (!mayBeRandom(ref) || attack.verify <= 0 || attack.verification !== "sequential") return null;
  const defense = defenseOf(ref);
  const pa = ref.pa ?? defensePa(defense);
  const stream = keyedRandom(seed, predictionKey(ref.id, job.image.index)).fork(ITEM_STREAMS.original);
  const v = await verifySequential(defend(base, defense, { random: stream, batchSize }), job.image.pixels, job.image.label, {
    maxCalls: attack.verify, pa, alpha: attack.verifyAlpha ?? SEQUENTIAL_VERIFY_DEFAULTS.alpha,
  });
  return { status: v.status, rate: v.rate, lower: v.lower, upper: v.upper, calls: v.calls };
}

/** Whether two images are the same point. */
function samePoint(a: Float32Array, b: Float32Array): boolean {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}

/** Runs the pipeline on one image and returns its record (without `seconds`). */
export async function attackImage(job: AttackJob, resources: AttackResources): Promise<AttackDraft> {
  return (await attackImageWithPoints(job, resources)).record;
}

/** `attackImage`, also returning the final and hardened points (what `--save` writes). */
export async function attackImageWithPoints(job: AttackJob, resources: AttackResources): Promise<{ readonly record: AttackDraft; readonly points: AttackPoints }> {
  const { seed, defense: ref, attack, batchSize, noise } = job;
  const { index, label, pixels: image } = job.image;
  const { base, entry } = resources;
  const defense = defenseOf(ref);
  const key = attackKey(ref.id, attack.name, attack.norm, index, attack.id);
  const random = keyedRandom(seed, key);
  const defended = (stream: Random) => defend(base, defense, { random: stream, batchSize, ...(noise === undefined ? {} : { noise }) });
  const alpha = attack.verifyAlpha ?? SEQUENTIAL_VERIFY_DEFAULTS.alpha;
  // A remote endpoint's point carries its level Pa; a local defense's is the same as its Defense's.
  const pa = ref.pa ?? defensePa(defense);
  // Checks and hardening run where answers can be random: RS, or a remote endpoint (its defense unknown).
  const checkable = mayBeRandom(ref);
  // The sequential test of eq. (4) on one point (at most `verify` fresh calls, error alpha).
  const sequentialCheck = async (point: Float32Array, stream: Random): Promise<SequentialCheck> => {
    const v = await verifySequential(defended(stream), point, label, { maxCalls: attack.verify, pa, alpha });
    return { status: v.status, rate: v.rate, lower: v.lower, upper: v.upper, calls: v.calls };
  };
  /**
   * Where hardening may search besides outward along x_a - x_o: toward the attack's start, or, when
   * the final point is the original itself (x_a = x_o: no direction outward, issue 25 item 5) and the
   * attack had no start, toward the nearest pool image of another class (the "data" start).
   */
  const hardenStart = async (point: Float32Array): Promise<Float32Array | undefined> => {
    if (startingPoint !== undefined || !samePoint(point, image)) return startingPoint;
    const p = await resources.pool();
    const k = nearestOtherClass(image, label, p.images, p.predictions);
    return k >= 0 ? p.images.subarray(k * image.length, (k + 1) * image.length) : undefined;
  };
  const harden = async (point: Float32Array, stream: Random): Promise<{ hardened: HardenedPoint; point: Float32Array | null }> => {
    const towards = await hardenStart(point);
    const h = await hardenPoint(defended(stream), image, label, point, {
      pa,
      alpha,
      maxCalls: attack.hardenCalls ?? HARDEN_DEFAULTS.maxCalls,
      confirmCalls: attack.verify > 0 ? attack.verify : HARDEN_DEFAULTS.confirmCalls,
      norm: attack.norm,
      start: towards,
    });
    return { hardened: { status: h.status, l2: h.l2, linf: h.linf, calls: h.calls, ...(h.reason === undefined ? {} : { reason: h.reason }) }, point: h.point };
  };
  const common = {
    kind: "attack" as const, key, seed, image: index, label,
    defense: ref, attack: attack.name, norm: attack.norm, budget: attack.budget,
  };
  // The defense's answer on the original image (one call, outside the attack's budget), on a
  // stream keyed by (defense point, image): every attack on a defense point attacks the same images.
  const prediction = (await defended(keyedRandom(seed, predictionKey(ref.id, index))).predict(image, 1))[0];
  // Present (null until run) when asked, absent otherwise: configs without `harden` keep their records' bytes.
  const notHardened = attack.harden === true ? { hardened: null } : {};
  // hardenAt goes with harden (config and CLI refuse it alone): present in the record exactly when both are asked.
  const hardenAt = attack.harden === true ? attack.hardenAt : undefined;
  const heldChecks = (held: HeldPointCheck[]) => (hardenAt === undefined ? {} : { hardenedAt: held });
  // An original that the sequential test verifies adversarial at level Pa needs no attack (issue 25 item 4).
  const original = prediction === label ? await originalAtLevel(job, base) : null;
  if (prediction !== label || original?.status === "verified") {
    const record: AttackDraft = {
      ...common, prediction, status: "misclassified", success: false, l2: null, linf: null, queries: 0,
      forwardPasses: 0, checkpoints: [], trace: [], iterations: 0, stopReason: prediction !== label ? "misclassified" : ADVERSARIAL_AT_LEVEL, anomalies: {}, start: null,
      verification: null, ...notHardened, ...heldChecks([]), ...(original?.status === "verified" ? { originalCheck: original } : {}),
    };
    return { record, points: { final: null, hardened: null, held: [] } };
  }
  const pool = attack.start === "own" ? null : await resources.pool();
  const options = attackOptions(entry, attack.norm, attack.options);
  const k = await chooseStart(attack.start, base, image, label, pool, random.fork(ITEM_STREAMS.start), entry.startDraw?.(options as never));
  const startingPoint = k >= 0 ? pool!.images.subarray(k * image.length, (k + 1) * image.length) : undefined;
  // A remote target (rsbench attack --target) is no local defense, but its point carries the rule and level to attack it with.
  const oracle = new LabelOnlyOracle(defended(random.fork(ITEM_STREAMS.noise)), image, label, { budget: attack.budget, pa, rule: ref.oracle ?? defenseRule(defense), snapshots: hardenAt ?? [], onQueries: resources.onQueries });
  const result = await runAttack(oracle, {
    name: attack.name,
    attack: entry.attack,
    options,
    norm: attack.norm,
    random: random.fork(ITEM_STREAMS.attack),
    startingPoint,
    needsStart: entry.needsStart,
  });
  // The experimenter's check of eq. (4) on the final point, after the attack and outside its
  // budget, with its own noise stream (the attack never sees it). A deterministic classifier
  // would answer 0 or 1, so only defenses that may be random (RS, remote endpoints) are checked.
  let verification: AttackVerification | null = null;
  if (attack.verify > 0 && checkable && result.adversarial !== null) {
    if (attack.verification === "sequential") {
      verification = await sequentialCheck(result.adversarial, random.fork(ITEM_STREAMS.verify));
    } else {
      const v = await verifyAdversarial(defended(random.fork(ITEM_STREAMS.verify)), result.adversarial, label, { repeats: attack.verify, pa });
      verification = { repeats: v.repeats, rate: v.rate, verified: v.verified };
    }
  }
  // Hardening (issue 12): from the final point, the nearest point the sequential test verifies,
  // on its own stream, outside the budget. Toward x_s only when the attack was given one (start
  // "data"/"auto" chose a pool image): an attack's own initialisation is not seen from here.
  // The check above is not reused (see src/oracle/harden.ts: it would double the error).
  let hardened: HardenedPoint | null = null;
  let hardenedPoint: Float32Array | null = null;
  if (attack.harden === true && checkable && result.adversarial !== null) {
    ({ hardened, point: hardenedPoint } = await harden(result.adversarial, random.fork(ITEM_STREAMS.harden)));
  }
  // The points held at earlier budgets (attacks[].hardenAt), checked and hardened the same way,
  // each on streams of its own (the budget as a second fork key): the final point's are unchanged.
  const held: HeldPointCheck[] = [];
  const heldPoints: HeldAttackPoints[] = [];
  for (const q of hardenAt ?? []) {
    const at = oracle.bestAt(q);
    const point = attack.norm === "l2" ? at.l2Point : at.linfPoint;
    const check = point !== null && checkable;
    const v = check && attack.verify > 0 ? await sequentialCheck(point, random.fork(ITEM_STREAMS.verify, q)) : null;
    const h = check ? await harden(point, random.fork(ITEM_STREAMS.harden, q)) : { hardened: null, point: null };
    held.push({ queries: q, l2: finite(at.l2), linf: finite(at.linf), verification: v, hardened: h.hardened });
    heldPoints.push({ queries: q, final: point, hardened: h.point });
  }
  const record: AttackDraft = {
    ...common, prediction, status: "attacked", success: result.success, l2: finite(result.l2), linf: finite(result.linf),
    queries: result.queries,
    // Steps differ from queries only under repeat:K; shortcut records keep their bytes.
    ...(oracle.rule === DEFAULT_ORACLE_RULE ? {} : { steps: oracle.steps }),
    forwardPasses: result.forwardPasses,
    checkpoints: checkpointBudgets(attack.budget).map((q) => checkpoint(result.trace, q)),
    trace: result.trace.map((t) => ({ queries: t.queries, l2: finite(t.l2), linf: finite(t.linf) })),
    iterations: result.iterations, stopReason: result.stopReason,
    // Only when queries were left, so records of runs that spent their budget keep their bytes.
    ...(result.unspent === null ? {} : { unspent: result.unspent }),
    anomalies: result.anomalies,
    start: k >= 0 ? pool!.indices[k] : null,
    verification,
    ...(attack.harden === true ? { hardened } : {}),
    ...heldChecks(held),
    // A remote endpoint's calls are its user's quota: the record says what the check of the
    // original spent. Against local RS it is kept only when it verified (above), so the committed
    // grids' records keep their bytes; its calls are then not in the record.
    ...(original !== null && ref.sigma === null ? { originalCheck: original } : {}),
  };
  return { record, points: { final: result.adversarial, hardened: hardenedPoint, held: heldPoints } };
}
