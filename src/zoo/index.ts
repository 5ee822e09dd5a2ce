/** The model zoo: shipped ONNX models, their cards, loading by name or path, evaluation and sigma calibration. */
export type { ModelCard, ModelKind, SmoothedAccuracy, TrainingRecord } from "./card.js";
export { MODELS_DIR, MODEL_NAMES, SHIPPED_MODELS, listModels, modelFiles, readCard } from "./catalog.js";
export type { ListedModel, ShippedModel } from "./catalog.js";
export { selectionCoverage, checkModelData, loadModel, resolveModel } from "./load.js";
export type { LoadedModel } from "./load.js";
export { EVALUATE_DEFAULTS, accuracyOf, evaluateModel, smoothedAccuracy } from "./evaluate.js";
export type { EvaluateOptions, Evaluation } from "./evaluate.js";
export { CALIBRATE_DEFAULTS, calibrateSigma } from "./calibrate.js";
export type { CalibrateOptions, Calibration } from "./calibrate.js";
