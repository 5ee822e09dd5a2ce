/** Randomized smoothing: the smoothed classifier g(sigma, n), early stopping, CERTIFY and PREDICT. */
export { SmoothedClassifier, SMOOTHING_DEFAULTS } from "./smoothed.js";
export type { SmoothingOptions, ThresholdVotes } from "./smoothed.js";
export { NoisySampler } from "./sampler.js";
export { DEFAULT_NOISE_LAYOUT, NOISE_LAYOUTS, parseNoiseLayout } from "./noise.js";
export type { NoiseLayout } from "./noise.js";
export type { StopRule } from "./sampler.js";
export { argmaxVotes, drawsToSettleThreshold, drawsToSettleWinner } from "./stopping.js";
export { certify, smoothedPredict, CERTIFY_DEFAULTS } from "./certify.js";
export type { Certification, CertifyOptions, OnDraws, Prediction, PredictOptions } from "./certify.js";
export { certifiedAccuracy, radiusGrid } from "./accuracy.js";
export type { AccuracyAtRadius, CertifiedOutcome } from "./accuracy.js";
export { certifyImages, predictImages, RADIUS_STEP } from "./evaluate.js";
export type { CertifyRow, CertifySummary, EvaluationOptions, PredictRow, PredictSummary } from "./evaluate.js";
export { DEFENSE_VARIANTS, UNDEFENDED_PA, defend, defensePa, defenseRule, isRandomized } from "./defense.js";
export type { DefendOptions, Defense, GaussianSmoothing, NoDefense } from "./defense.js";
