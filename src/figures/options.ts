/**
 * Config options of the computed figures (`figures.options.fig1` ...), their defaults and their
 * checks. The config parser checks them before a run starts (figureOptionProblems), the
 * computations read them (figureOptions).
 */
import { ATTACK_NAMES } from "../attacks/registry.js";
import { describeInterval, inInterval, integerAtLeast, OPEN_UNIT, type Interval } from "../stats/validate.js";
import type { ComputedFigure, FigureName } from "./computation.js";

/**
 * Config options of each computed figure, with their defaults. `direction` picks the line the
 * figure looks along: "attack" (default) points from the image to the adversarial example that
 * an L2 attack (`attack`, `attackBudget` queries) finds on the base classifier, i.e. towards the
 * nearby boundary an attacker works on (the paper's Fig. 1 starts from a white-box boundary
 * point); "random" is a uniformly random direction (the paper's Fig. 2), whose boundary can be
 * very far in high dimension (about 90 in L2 on MNIST, far outside the pixel box). Fig. 2's
 * second axis is always random.
 */
export const FIGURE_OPTION_DEFAULTS = {
  fig1: { ns: [5, 10, 50], pa: 0.5, draws: 2000, tMin: null as number | null, tMax: null as number | null, points: 41, maxDistance: 100, direction: "attack", attack: "hsja", attackBudget: 1000 },
  fig2: { ns: [10, 200], resolution: 41, extent: null as number | null, maxDistance: 100, direction: "attack", attack: "hsja", attackBudget: 1000 },
  fig3: { ns: [10, 50, 100], pa: 0.5, repetitions: 100, steps: 15, referenceDraws: 1000, maxDistance: 100, direction: "attack", attack: "hsja", attackBudget: 1000 },
} as const;

const CHOICES: Readonly<Record<string, readonly string[]>> = { direction: ["attack", "random"], attack: ATTACK_NAMES };

/** The allowed numbers of the numeric options (what the computations check, said up front). */
const RANGES: Readonly<Record<string, Interval>> = {
  pa: OPEN_UNIT,
  draws: integerAtLeast(1),
  points: integerAtLeast(2),
  resolution: integerAtLeast(2),
  repetitions: integerAtLeast(1),
  steps: integerAtLeast(1),
  referenceDraws: integerAtLeast(1),
  attackBudget: integerAtLeast(1),
  maxDistance: { min: 0, openMin: true, max: Number.MAX_VALUE },
  extent: { min: 0, openMin: true, max: Number.MAX_VALUE },
  tMin: { min: -Number.MAX_VALUE, max: Number.MAX_VALUE },
  tMax: { min: -Number.MAX_VALUE, max: Number.MAX_VALUE },
};

type Widen<T> = T extends readonly number[] ? number[] : T extends string ? string : T;
type Options<F extends ComputedFigure> = { -readonly [K in keyof (typeof FIGURE_OPTION_DEFAULTS)[F]]: Widen<(typeof FIGURE_OPTION_DEFAULTS)[F][K]> };

function defaultsOf(figure: FigureName): Readonly<Record<string, unknown>> {
  return (FIGURE_OPTION_DEFAULTS as Readonly<Record<string, Readonly<Record<string, unknown>>>>)[figure] ?? {};
}

/**
 * Every problem of a figure's options, each naming its path (`figures.options.fig1.ns`): unknown
 * names, values of the wrong type or out of range. Fig. 4 and 5 take no options.
 */
export function figureOptionProblems(figure: FigureName, given: Readonly<Record<string, unknown>>, path = `figures.options.${figure}`): string[] {
  const defaults = defaultsOf(figure);
  const problems: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (!Object.hasOwn(defaults, key)) {
      const allowed = Object.keys(defaults);
      problems.push(`unknown option ${path}.${key}: expected ${allowed.length ? `one of ${allowed.join(", ")}` : `none (${figure} takes no options)`}`);
      continue;
    }
    const expected = defaults[key];
    const choices = CHOICES[key];
    const range = RANGES[key];
    const ok = choices
      ? typeof value === "string" && choices.includes(value)
      : Array.isArray(expected)
        ? Array.isArray(value) && value.length > 0 && value.every((v) => Number.isInteger(v) && v > 0)
        : (expected === null && value === null) || inInterval(value, range ?? {});
    if (!ok) {
      const what = choices
        ? `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`
        : Array.isArray(expected) ? "a non-empty array of positive integers" : `${describeInterval(range ?? {})}${expected === null ? " or null" : ""}`;
      problems.push(`invalid ${path}.${key}: expected ${what}, got ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

/** Reads a figure's options over its defaults; a RangeError lists every problem (figureOptionProblems). */
export function figureOptions<F extends ComputedFigure>(figure: F, given: Readonly<Record<string, unknown>>): Options<F> {
  const problems = figureOptionProblems(figure, given);
  if (problems.length) throw new RangeError(problems.join("; "));
  return { ...defaultsOf(figure), ...given } as Options<F>;
}
