/**
 * The vocabulary of the conclusions' rules, below both the conclusions (conclusions.ts) and the paired
 * checks (paired.ts) that read it: the verdict type, a deciding number, the thresholds, and grouping.
 */

/**
 * The verdict on one of the paper's conclusions for one run: "holds" or "does not hold" when the
 * 95% intervals of its deciding numbers lie on one side of the rule's thresholds, "inconclusive"
 * when they straddle one, "not enough data" without the cells the rule needs.
 */
export type Verdict = "holds" | "does not hold" | "inconclusive" | "not enough data";

/** A number that decides a verdict, with what it is, and for a paired statistic its interval and the images behind it. */
export interface DecidingNumber {
  readonly label: string;
  readonly value: number | null;
  /** Bounds of the 95% paired bootstrap interval (absent for a number without one, e.g. an accuracy). */
  readonly low?: number;
  readonly high?: number;
  /** Images the number is over (for a median over pairs: the fewest of its pairs). */
  readonly images?: number;
}

/**
 * The thresholds of the rules. They turn the paper's words into numbers; the paper's own values
 * (docs/paper.md "Reference numbers") are given beside each so a reader can judge them.
 */
export const CONCLUSION_THRESHOLDS = {
  /** Fewest successful attacks (or image pairs) for a cell to count. */
  minImages: 3,
  /** 1: "far larger (>= 30x)": every row's median per-image ratio practical / certified >= 30 (paper: 14.4 / 0.143 ~ 100 for RayS at sigma 0.05). */
  ratio: 30,
  /** 2: "multiplies HSJA/SurFree distortion (x2-3)": factor >= 1.5 (paper: 46.6 / 17.5 = 2.7 and 33.7 / 15.8 = 2.1). */
  multiplied: 1.5,
  /** 2: "RayS is barely affected": factor <= 1.3 (paper: 14.4-16.4 / 13.4 = 1.07-1.22). */
  barelyAffected: 1.3,
  /** 3: "buys no extra practical robustness": large-sigma distortion <= 1.1 x small-sigma distortion (paper: 34.4-38.8 vs 46.6-48.8 for HSJA). */
  noExtraRobustness: 1.1,
  /** 4: "fewer samples give at least as much robustness": L2(smallest n) / L2(largest n) >= 0.9 in every group (0.1 for sampling noise). */
  fewerSamples: 0.9,
  /** 5: "Pa = 0.8 costs only a little more": median L2(highest Pa) / L2(lowest Pa) within [0.95, 1.5]. */
  levelLow: 0.95,
  levelHigh: 1.5,
} as const;

/** The numeric rules of the five conclusions (see CONCLUSION_THRESHOLDS). */
export type ConclusionThresholds = { readonly [K in keyof typeof CONCLUSION_THRESHOLDS]: number };

/** `items` grouped by `key`, groups in the order of their first item. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k) ?? [];
    group.push(item);
    groups.set(k, group);
  }
  return [...groups.values()];
}

/**
 * Beyond this many images per cell an inconclusive verdict is reported as sitting almost on its
 * threshold rather than with a count: the estimate is so close that no practical run decides it.
 */
export const IMAGES_NEEDED_SHOWN = 10000;

/**
 * What an inconclusive verdict needs, in words: "about N images per <unit> would decide it", or, when
 * the estimate sits on its threshold (null) or nearly (more than IMAGES_NEEDED_SHOWN images), that more
 * images would not practically decide it.
 */
export function imagesNeededText(imagesNeeded: number | null, unit: "cell" | "comparison"): string {
  if (imagesNeeded === null) return "an estimate sits on its threshold: more images would not decide it";
  if (imagesNeeded > IMAGES_NEEDED_SHOWN) return `an estimate sits almost on its threshold: more than ${IMAGES_NEEDED_SHOWN} images per ${unit} would be needed`;
  return `about ${imagesNeeded} images per ${unit} would decide it`;
}
