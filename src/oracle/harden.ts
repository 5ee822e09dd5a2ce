/**
 * Hardening (issue 12): what an attacker must pay to hold a point that really is adversarial at
 * level Pa in the sense of docs/paper.md eq. (4), P[g_{sigma,n}(x) != y] >= Pa, rather than one
 * that a lucky answer of the oracle called adversarial.
 *
 * From the attack's final point x_a the search walks outward along the ray x_o + t (x_a - x_o),
 * t >= 1, clipped to the classifier's bounds (the "ray" path), and, when the attack started from
 * a given adversarial point x_s, along the segment from x_a to x_s (the "start" path), for the
 * nearest point that the sequential test (src/oracle/verify.ts verifySequential) verifies.
 *
 * It works in two kinds of calls, both on the classifier given (the defense as deployed, on a
 * noise stream of its own, ITEM_STREAMS.harden):
 * - screening: `screenCalls` calls of g on a candidate; it passes when at least ceil(screenCalls r)
 *   labels differ from y, r a rate at which a confirmation would verify (see `screenRate`). A
 *   geometric walk then a bisection on each path finds the nearest point that passes;
 * - confirmation: the sequential test on fresh calls, at level alpha / M, M = `confirmations`.
 *   The first verified point is returned; after a failed confirmation the walk moves outward on
 *   that path and screens again. At most M confirmations are run.
 *
 * Guarantee: P[the returned point x has P[g(x) != y] < Pa] <= alpha. Proof (Bonferroni over a fixed
 * number of confirmations, as for the looks of verifySequential): the point confirmed by the j-th
 * confirmation is a function of the calls made before it, and the confirmation's calls are fresh
 * draws independent of them, so given that point, the j-th confirmation answers "verified" for a
 * point with P < Pa with probability at most alpha / M (the guarantee of verifySequential). The
 * returned point is always one a confirmation verified, so the probability that it is bad is at
 * most the sum over the M slots, alpha. Screening answers never enter that bound: they only choose
 * which points are confirmed. (Multiple testing: confirming many screened candidates at alpha each
 * would inflate the error; the split over M slots fixed in advance is what keeps it at alpha.)
 * The final check of the attack (AttackRecord.verification) is not reused: it ran at the full
 * alpha, and adding its answer to the M slots would make the error up to 2 alpha.
 *
 * Every call of g (screening and confirmation) goes through one counter, which refuses any call
 * beyond `maxCalls`: the search never spends more, and reports what it spent.
 * @see docs/paper.md eq. (4), "Verification" and "Hardening".
 */
import { distortions } from "./distance.js";
import type { Classifier, Votes } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import { clopperPearsonLower } from "../stats/clopperPearson.js";
import { check, OPEN_UNIT } from "../stats/validate.js";
import { SEQUENTIAL_VERIFY_DEFAULTS, verificationLooks, verifySequential, type SequentialVerification } from "./verify.js";

/** The norm in which "nearest" is measured (the attack's: src/attacks/types.ts Norm, which this layer does not import). */
export type HardenNorm = "l2" | "linf";

/** Defaults of `hardenPoint`. */
export const HARDEN_DEFAULTS = Object.freeze({
  /** Error of the returned point (issue 12's alpha, as the sequential test's). */
  alpha: SEQUENTIAL_VERIFY_DEFAULTS.alpha,
  /** Most calls of g the whole search may spend, screening and confirmations: rsbench choice (half the paper's attack budget). */
  maxCalls: 1000,
  /** Most confirmations M (each a sequential test at alpha / M): rsbench choice, room for two misses. */
  confirmations: 3,
  /** Most calls R of each confirmation (the pipeline passes attacks[].verify): the verification's default. */
  confirmCalls: 100,
  /** Calls of g per screened candidate: rsbench choice (standard error of the rate <= 0.11). */
  screenCalls: 20,
  /** The screen asks for the confirmation's verifying rate q plus this share of 1 - q: fewer failed confirmations; rsbench choice. */
  screenMargin: 0.25,
  /** First step of the outward walk, in units of the path (||x_a - x_o|| on the ray, ||x_s - x_a|| toward x_s); doubled each step. */
  firstStep: 1 / 16,
  /** Halvings of the bracket [last failing, first passing] after the walk: distortion to about 3% of a step. */
  bisections: 5,
});

/** Options of `hardenPoint`. */
export interface HardenOptions {
  /** Level Pa of docs/paper.md eq. (4), in (0, 1). */
  readonly pa: number;
  /** Error of the returned point, in (0, 1). Defaults to HARDEN_DEFAULTS.alpha (0.05). */
  readonly alpha?: number;
  /** Most calls of g, an integer >= 1. Defaults to HARDEN_DEFAULTS.maxCalls (1000). */
  readonly maxCalls?: number;
  /** Most confirmations M, an integer >= 1. Defaults to HARDEN_DEFAULTS.confirmations (3). */
  readonly confirmations?: number;
  /** Most calls of each confirmation, an integer >= 1. Defaults to HARDEN_DEFAULTS.confirmCalls (100). */
  readonly confirmCalls?: number;
  /** Calls per screened candidate, an integer >= 1. Defaults to HARDEN_DEFAULTS.screenCalls (20). */
  readonly screenCalls?: number;
  /** In [0, 1). Defaults to HARDEN_DEFAULTS.screenMargin (0.25). */
  readonly screenMargin?: number;
  /** In (0, 1]. Defaults to HARDEN_DEFAULTS.firstStep (1/16). */
  readonly firstStep?: number;
  /** An integer >= 0. Defaults to HARDEN_DEFAULTS.bisections (5). */
  readonly bisections?: number;
  /** The norm in which "nearest" is measured (the attack's). Defaults to "l2". */
  readonly norm?: HardenNorm;
  /** The attack's starting point x_s, when it was given one (adds the path toward it). */
  readonly start?: Float32Array;
}

/** What `hardenPoint` found. */
export interface Hardening {
  readonly status: "hardened" | "failed";
  /** The hardened point (pixel space, CHW), null when failed. */
  readonly point: Float32Array | null;
  /** Its distortions from x_o (null when failed). */
  readonly l2: number | null;
  readonly linf: number | null;
  /** Which path it lies on: "ray" (outward along x_a - x_o) or "start" (toward x_s); null when failed. */
  readonly path: "ray" | "start" | null;
  /** Calls of g spent, screening and confirmations (<= maxCalls). */
  readonly calls: number;
  /** Base-model forward passes they cost. */
  readonly forwardPasses: number;
  /** Confirmations run (<= M). */
  readonly confirmations: number;
  /** The confirmation that verified the point (null when failed). */
  readonly verification: SequentialVerification | null;
  /** Why no point was hardened (failed only). */
  readonly reason?: string;
}

/** Refusal of a call beyond the search's limit (caught inside `hardenPoint`). */
class CallLimit extends Error {}

/** The one counter of the search's calls of g: it forwards `predict` and refuses a call beyond the limit. */
class CountedClassifier implements Classifier {
  calls = 0;
  constructor(private readonly inner: Classifier, readonly limit: number) {}
  get shape() { return this.inner.shape; }
  get numClasses() { return this.inner.numClasses; }
  get bounds() { return this.inner.bounds; }
  get forwardPasses() { return this.inner.forwardPasses; }
  get remaining() { return this.limit - this.calls; }
  async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    if (count > this.remaining) throw new CallLimit();
    this.calls += count;
    return this.inner.predict(batch, count);
  }
  votes(): Promise<Votes> {
    throw new Error("hardening reads labels only (a label-only attacker's view)");
  }
}

/**
 * The rate q at which a confirmation verifies at its last look: the smallest k / R with the
 * one-sided Clopper-Pearson lower bound of k wrong out of R at level alpha_c / L at least Pa
 * (alpha_c the confirmation's error, L its looks), or 1 when none does. The screen asks for
 * q + margin (1 - q): a point it passes is likely to be verified.
 */
export function screenRate(pa: number, confirmAlpha: number, confirmCalls: number, margin: number): number {
  const looks = verificationLooks(confirmCalls).length;
  let k = 0;
  while (k <= confirmCalls && clopperPearsonLower(k, confirmCalls, confirmAlpha / looks) < pa) k++;
  const q = k > confirmCalls ? 1 : k / confirmCalls;
  return q + margin * (1 - q);
}

/** A path of candidates from x_a: `at(lambda)` for lambda in [0, end], lambda 0 being x_a. */
interface Path {
  readonly name: "ray" | "start";
  readonly end: number;
  at(lambda: number): Float32Array;
}

function rayPath(original: Float32Array, final: Float32Array, lower: number, upper: number): Path {
  // Beyond `end` every coordinate that moves is clipped: the bounds are reached.
  let end = 0;
  for (let j = 0; j < original.length; j++) {
    const u = final[j] - original[j];
    if (u > 0) end = Math.max(end, (upper - original[j]) / u - 1);
    else if (u < 0) end = Math.max(end, (lower - original[j]) / u - 1);
  }
  return {
    name: "ray", end,
    at(lambda) {
      if (lambda === 0) return final.slice();
      const out = new Float32Array(original.length);
      for (let j = 0; j < out.length; j++) out[j] = Math.min(upper, Math.max(lower, original[j] + (1 + lambda) * (final[j] - original[j])));
      return out;
    },
  };
}

function startPath(final: Float32Array, start: Float32Array): Path {
  return {
    name: "start", end: 1,
    at(lambda) {
      if (lambda === 0) return final.slice();
      const out = new Float32Array(final.length);
      for (let j = 0; j < out.length; j++) out[j] = final[j] + lambda * (start[j] - final[j]);
      return out;
    },
  };
}


/** A screened candidate on a path: lambda, the point, its distance, and the step to take outward after a miss. */
interface Candidate {
  readonly path: Path;
  readonly lambda: number;
  readonly point: Float32Array;
  readonly distance: number;
  readonly step: number;
}

/**
 * Searches for the nearest point to x_o, outward from the attack's final point x_a, that the
 * sequential test verifies adversarial at level Pa (see the module comment for the search and its
 * guarantee: P[returned point has P[g(x) != y] < Pa] <= alpha). `classifier` is the defense as
 * deployed, on a noise stream no one else uses; only its labels are read. Never throws for lack
 * of calls: it returns status "failed" with the reason.
 * @see docs/paper.md, "Hardening".
 */
export async function hardenPoint(classifier: Classifier, original: Float32Array, label: number, final: Float32Array, options: HardenOptions): Promise<Hardening> {
  const o = { ...HARDEN_DEFAULTS, norm: "l2" as HardenNorm, ...options };
  check("pa", o.pa, OPEN_UNIT);
  check("alpha", o.alpha, OPEN_UNIT);
  for (const [name, v, min] of [["maxCalls", o.maxCalls, 1], ["confirmations", o.confirmations, 1], ["confirmCalls", o.confirmCalls, 1], ["screenCalls", o.screenCalls, 1], ["bisections", o.bisections, 0]] as const) {
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`invalid ${name}: expected an integer >= ${min}, got ${v}`);
  }
  if (!(o.screenMargin >= 0 && o.screenMargin < 1)) throw new RangeError(`invalid screenMargin: expected a number in [0, 1), got ${o.screenMargin}`);
  if (!(o.firstStep > 0 && o.firstStep <= 1)) throw new RangeError(`invalid firstStep: expected a number in (0, 1], got ${o.firstStep}`);
  const d = imageSize(classifier.shape);
  for (const [name, v] of [["original", original], ["final point", final], ["start", o.start]] as const) {
    if (v !== undefined && v.length !== d) throw new RangeError(`invalid ${name}: expected ${d} values, got ${v.length}`);
  }
  if (!Number.isInteger(label) || label < 0 || label >= classifier.numClasses) {
    throw new RangeError(`invalid label: expected an integer in [0, ${classifier.numClasses - 1}], got ${label}`);
  }

  const g = new CountedClassifier(classifier, o.maxCalls);
  const before = classifier.forwardPasses;
  const confirmAlpha = o.alpha / o.confirmations;
  const need = Math.min(o.screenCalls, Math.ceil(o.screenCalls * screenRate(o.pa, confirmAlpha, o.confirmCalls, o.screenMargin) - 1e-9));
  const distance = (p: Float32Array) => { const v = distortions(original, p); return o.norm === "l2" ? v.l2 : v.linf; };
  const { lower, upper } = classifier.bounds;
  let confirmations = 0;
  const done = (status: "hardened" | "failed", c: Candidate | null, verification: SequentialVerification | null, reason?: string): Hardening => {
    const v = c === null ? null : distortions(original, c.point);
    return {
      status, point: c?.point ?? null, l2: v?.l2 ?? null, linf: v?.linf ?? null, path: c?.path.name ?? null,
      calls: g.calls, forwardPasses: classifier.forwardPasses - before, confirmations, verification,
      ...(reason === undefined ? {} : { reason }),
    };
  };

  const copies = new Float32Array(o.screenCalls * d);
  const screen = async (point: Float32Array): Promise<boolean> => {
    for (let i = 0; i < o.screenCalls; i++) copies.set(point, i * d);
    const labels = await g.predict(copies, o.screenCalls);
    let wrong = 0;
    for (let i = 0; i < o.screenCalls; i++) if (labels[i] !== label) wrong++;
    return wrong >= need;
  };
  /**
   * From `from` (screened first when `screenFirst`, else known to fail), walks outward by `step`,
   * doubled each time, to the first passing lambda, then bisects [last failing, first passing]
   * when `bisect`. Gives up (null) at the path's end or once the distance reaches `limit` (a
   * nearer candidate exists elsewhere).
   */
  const walk = async (path: Path, from: number, step: number, screenFirst: boolean, bisect: boolean, limit: number): Promise<Candidate | null> => {
    let lo = from, hi = from;
    let point = path.at(hi);
    if (!(screenFirst && await screen(point))) {
      for (;;) {
        if (hi >= path.end) return null;
        lo = hi;
        hi = Math.min(path.end, hi + step);
        step *= 2;
        point = path.at(hi);
        if (distance(point) >= limit) return null;
        if (await screen(point)) break;
      }
      for (let b = 0; bisect && b < o.bisections; b++) {
        const mid = (lo + hi) / 2;
        const p = path.at(mid);
        if (await screen(p)) { hi = mid; point = p; } else lo = mid;
      }
    }
    const gap = Math.max(hi - lo, o.firstStep / 2 ** o.bisections);
    return { path, lambda: hi, point, distance: distance(point), step: gap };
  };

  const paths: Path[] = [rayPath(original, final, lower, upper)];
  if (o.start !== undefined) paths.push(startPath(final, o.start));
  let last: SequentialVerification | null = null;
  try {
    let candidates: Candidate[] = [];
    for (const path of paths) {
      const limit = Math.min(Infinity, ...candidates.map((c) => c.distance));
      // x_a starts both paths: it is screened once, on the ray.
      const c = await walk(path, 0, o.firstStep, path.name === "ray", true, limit);
      if (c !== null) candidates.push(c);
    }
    while (confirmations < o.confirmations) {
      if (candidates.length === 0) {
        const toStart = o.start === undefined ? "" : " (nor toward the starting point)";
        return done("failed", null, null, confirmations === 0
          ? distance(final) === 0
            // The attack's oracle accepted x_o itself: the ray x_o + t (x_a - x_o) is the one point x_o.
            ? `bounds: the final point is the original (x_a = x_o), so there is no direction x_a - x_o to search along, and x_o did not pass the screen${toStart}`
            : `bounds: no point outward along x_a - x_o up to the bounds${toStart} passed the screen`
          : `bounds: ${confirmations} confirmation(s) missed and no point further out passed the screen`);
      }
      candidates.sort((a, b) => a.distance - b.distance);
      const c = candidates[0];
      const calls = Math.min(o.confirmCalls, g.remaining);
      if (calls < Math.min(o.confirmCalls, SEQUENTIAL_VERIFY_DEFAULTS.firstLook)) throw new CallLimit();
      confirmations++;
      last = await verifySequential(g, c.point, label, { maxCalls: calls, pa: o.pa, alpha: confirmAlpha });
      if (last.status === "verified") return done("hardened", c, last);
      const next = await walk(c.path, c.lambda, 2 * c.step, false, false, Infinity);
      candidates = next === null ? candidates.slice(1) : [next, ...candidates.slice(1)];
    }
    return done("failed", null, null, `confirmations: all ${o.confirmations} confirmations on fresh calls missed (last: ${last!.status}, rate ${last!.rate.toFixed(2)} over ${last!.calls} calls)`);
  } catch (error) {
    if (!(error instanceof CallLimit)) throw error;
    return done("failed", null, null, `calls: the limit of ${o.maxCalls} calls of g ran out before a point was verified`);
  }
}
