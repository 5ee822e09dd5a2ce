import type { ComputeFigure, ComputedFigure, FigureInput } from "./computation.js";
import { ATTACK_NAMES, attackEntry, attackOptions } from "../attacks/registry.js";
import { FIGURE_STREAMS } from "../rng/streams.js";
import { runAttack } from "../attacks/run.js";
import { LabelOnlyOracle } from "../oracle/labelOnly.js";
import { SmoothedClassifier } from "../smoothing/smoothed.js";
import { MisclassifiedImageError } from "./errors.js";
import { directionTowards } from "./geometry.js";
import { computeAdversarialProfile } from "./adversarialProfile.js";
import { computeDichotomySpread } from "./dichotomySpread.js";
import { computeSlice } from "./slice.js";

/*
 * The runner's entry points for Fig. 1-3 (src/experiments/store/records.ts, ComputeFigure): each builds
 * the smoothed classifiers it needs from the base model and sigma, reads its options from the
 * config (`figures.options.figN`, validated here) and returns JSON data for a FigureRecord.
 * Streams (src/rng/streams.ts FIGURE_STREAMS): the directions, the noise of the k-th smoothed
 * classifier, the k-th attack tried.
 */

export { FIGURE_OPTION_DEFAULTS, figureOptionProblems, figureOptions } from "./options.js";
import { figureOptions } from "./options.js";

/** What a figure computation returns for an image it cannot draw (stored like any figure data; the report lists it). */
export interface SkippedFigure {
  readonly figure: ComputedFigure;
  readonly skipped: string;
}

/**
 * The adversarial example an attack finds on the base classifier (its best L2 point; stream
 * FIGURE_STREAMS.attacks + k for the k-th attack tried): `attack` first, then the other registered attacks in
 * order when it finds none within the budget. null when none does.
 */
async function attackPoint(input: FigureInput, attack: string, budget: number): Promise<Float32Array | null> {
  const order = [attack, ...ATTACK_NAMES.filter((a) => a !== attack)];
  for (const [k, name] of order.entries()) {
    const entry = attackEntry(name);
    const oracle = new LabelOnlyOracle(input.base, input.image, input.label, { budget });
    const norm = entry.norms.includes("l2") ? "l2" : entry.defaultNorm;
    await runAttack(oracle, { name, attack: entry.attack, options: attackOptions(entry, norm), norm, random: input.random.fork(FIGURE_STREAMS.attacks + k) });
    if (oracle.best.l2Point) return oracle.best.l2Point;
  }
  return null;
}

/** The adversarial point fixing the direction, undefined for a random direction, or the reason to skip. */
async function lineOf(input: FigureInput, o: { direction: string; attack: string; attackBudget: number }): Promise<Float32Array | undefined | string> {
  const predicted = await input.base.predict(input.image, 1);
  if (predicted[0] !== input.label) return `the base classifier misclassifies image ${input.imageIndex} (label ${input.label}, predicted ${predicted[0]})`;
  if (o.direction === "random") return undefined;
  const point = await attackPoint(input, o.attack, o.attackBudget);
  return point ?? `no attack found an adversarial example of image ${input.imageIndex} within ${o.attackBudget} queries`;
}

/** The k-th smoothed classifier of a figure: g(sigma, n) on stream FIGURE_STREAMS.smoothed + k. */
function smoothed(input: FigureInput, n: number, k: number): SmoothedClassifier {
  return new SmoothedClassifier(input.base, { sigma: input.sigma, n, random: input.random.fork(FIGURE_STREAMS.smoothed + k), batchSize: input.batchSize, ...(input.noise === undefined ? {} : { noise: input.noise }) });
}

/** Fig. 1 from the runner's input: g(sigma, draws) estimates p(t); see computeAdversarialProfile. */
export const computeFig1: ComputeFigure = async (input) => {
  const o = figureOptions("fig1", input.options);
  const line = await lineOf(input, o);
  if (typeof line === "string") return { figure: "fig1", skipped: line } satisfies SkippedFigure;
  return skipMisclassified("fig1", computeAdversarialProfile(input.base, smoothed(input, o.draws, 0), input.image, input.label, input.random.fork(FIGURE_STREAMS.directions), {
    adversarial: line,
    sigma: input.sigma,
    ns: o.ns,
    pa: o.pa,
    tMin: o.tMin ?? undefined,
    tMax: o.tMax ?? undefined,
    points: o.points,
    maxDistance: o.maxDistance,
  }));
};

/** Fig. 2 from the runner's input: panels base, then g(sigma, n) for each n of `ns`; see computeSlice. */
export const computeFig2: ComputeFigure = async (input) => {
  const o = figureOptions("fig2", input.options);
  const line = await lineOf(input, o);
  if (typeof line === "string") return { figure: "fig2", skipped: line } satisfies SkippedFigure;
  const panels = [
    { name: "base classifier", classifier: input.base },
    ...o.ns.map((n, k) => ({ name: `RS σ=${input.sigma} n=${n}`, classifier: smoothed(input, n, k) })),
  ];
  return computeSlice(panels, input.image, input.label, input.random.fork(FIGURE_STREAMS.directions), {
    directions: line ? [directionTowards(input.image, line)] : [],
    resolution: o.resolution,
    extent: o.extent ?? undefined,
    maxDistance: o.maxDistance,
    batchSize: Math.max(1, Math.floor(input.batchSize / 10)),
  });
};

/** Fig. 3 from the runner's input: deciders g(sigma, n), reference g(sigma, referenceDraws); see computeDichotomySpread. */
export const computeFig3: ComputeFigure = async (input) => {
  const o = figureOptions("fig3", input.options);
  const line = await lineOf(input, o);
  if (typeof line === "string") return { figure: "fig3", skipped: line } satisfies SkippedFigure;
  const deciders = o.ns.map((n, k) => ({ n, classifier: smoothed(input, n, 1 + k) }));
  return skipMisclassified("fig3", computeDichotomySpread(deciders, smoothed(input, o.referenceDraws, 0), input.base, input.image, input.label, input.random.fork(FIGURE_STREAMS.directions), {
    pa: o.pa,
    repetitions: o.repetitions,
    steps: o.steps,
    maxDistance: o.maxDistance,
    // along the attack's direction, the segment runs until g(sigma) (not only f) says adversarial
    direction: line ? directionTowards(input.image, line) : undefined,
  }));
};

/** The figure's data, or a skipped figure when its image turns out misclassified (e.g. by g(sigma) for Fig. 3). */
async function skipMisclassified<T>(figure: ComputedFigure, computation: Promise<T>): Promise<T | SkippedFigure> {
  try {
    return await computation;
  } catch (error) {
    if (error instanceof MisclassifiedImageError) return { figure, skipped: error.message };
    throw error;
  }
}

/** The runner's table of figure computations. */
export const FIGURE_COMPUTATIONS: Readonly<Record<ComputedFigure, ComputeFigure>> = {
  fig1: computeFig1,
  fig2: computeFig2,
  fig3: computeFig3,
};
