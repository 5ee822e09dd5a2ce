/** The paper's five figures, Fig. 6 (the adaptive attacker, issue 12) and the practical-vs-certified table: computations (data out), Vega-Lite specs, rendering. */
export { computeAdversarialProfile, crossing, levelCount, ADVERSARIAL_PROFILE_DEFAULTS } from "./adversarialProfile.js";
export type { AdversarialProfile, AdversarialProfileOptions, AdversarialProfilePoint } from "./adversarialProfile.js";
export { computeSlice, SLICE_DEFAULTS } from "./slice.js";
export type { Slice, SliceOptions, SlicePanel, SlicePanelInput } from "./slice.js";
export { computeDichotomySpread, DICHOTOMY_SPREAD_DEFAULTS } from "./dichotomySpread.js";
export type { DichotomyDeciderInput, DichotomySeries, DichotomySpread, DichotomySpreadOptions } from "./dichotomySpread.js";
export { certifiedAccuracyAt, certifiedAccuracyCurves, certifiedRadiusOf } from "./certifiedAccuracy.js";
export type { CertifiedAccuracyCurve, CertifiedAccuracyPoint } from "./certifiedAccuracy.js";
export { attackName, attackRank, ATTACK_DISPLAY_NAMES, attacksAtSeveralBudgets, budgetSuffix, DISPLAY_DIGITS, formatNumber, inReadingOrder, shortenNumbers } from "./format.js";
export { defenseLabel, distortionVsAccuracy } from "./distortionAccuracy.js";
export type { DistortionPoint, MeasuredDistortion } from "./distortionAccuracy.js";
export { DISTORTION_MEASURES, distortionOf, MEASURE_LABELS, measured } from "./measure.js";
export type { DistortionMeasure } from "./measure.js";
export { practicalToCertified } from "./ratioTable.js";
export type { RatioRow, RatioStatistics } from "./ratioTable.js";
export { adaptiveTradeoff } from "./adaptiveTradeoff.js";
export type { TradeoffPoint } from "./adaptiveTradeoff.js";
export type { AccuracyInput, AttackInput, CertificationInput, DefenseInput, DefenseKindInput } from "./inputs.js";
export {
  adaptiveTradeoffSpec,
  adversarialProfileSpec,
  certifiedAccuracySpec,
  dichotomySpreadSpec,
  distortionAccuracySpec,
  sliceSpec,
  DISTANCE_UNIT,
  FIGURE_FONT,
} from "./specs.js";
export { renderPng, renderSvg, roundSvgAttributes, writeFigureFiles } from "./render.js";
export type { FigureFiles, PngOptions, SvgOptions } from "./render.js";
export { computeFig1, computeFig2, computeFig3, FIGURE_COMPUTATIONS } from "./compute.js";
export { figureOptionProblems, figureOptions, FIGURE_OPTION_DEFAULTS } from "./options.js";
export type { SkippedFigure } from "./compute.js";
export { MisclassifiedImageError } from "./errors.js";
export { STRONGEST, strongestAttacks, withStrongest } from "./strongest.js";
export { strongestShares, type StrongestShare, type StrongestShareRow, type StrongestShares } from "./strongestShare.js";
