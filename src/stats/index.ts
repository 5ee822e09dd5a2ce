/** Statistics: normal and beta special functions, binomial tails and tests, Clopper-Pearson bounds. */
export { normalCdf, normalQuantile, normalSf } from "./normal.js";
export { betaInc, betaIncComplement, betaIncInv, betaIncInvComplement } from "./beta.js";
export { binomialCdf, binomialPmf, binomialTailAtLeast, binomialTestTwoSided } from "./binomial.js";
export { clopperPearson, clopperPearsonLower, clopperPearsonUpper } from "./clopperPearson.js";
export type { ProportionBounds } from "./clopperPearson.js";
export { mean, median } from "./descriptive.js";
export { check, describeInterval, inInterval, integerAtLeast } from "./validate.js";
export { BOOTSTRAP_DEFAULTS, imagesToClear, pairedBootstrap, quantileSorted, resampleWeights, weightedMedianSorted, weightedRatio } from "./bootstrap.js";
export type { BootstrapInterval, BootstrapOptions } from "./bootstrap.js";
