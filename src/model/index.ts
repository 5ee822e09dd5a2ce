export type { Bounds, Classifier, ImageShape, Votes } from "./classifier.js";
export { defaultBatchSize, formatShape, imageSize, MAX_BATCH_VALUES } from "./classifier.js";
export { LinearClassifier, oneHotVotes } from "./linear.js";
export { ModelError } from "./errors.js";
export { OnnxClassifier, ONNX_DEFAULTS } from "./onnx.js";
export type { OnnxClassifierOptions } from "./onnx.js";
export { DEFAULT_DEVICE, DEVICES, DeviceError, deviceSessionOptions, noiseThreadsFor, parseDevice, probeVulkan } from "./device.js";
export type { Device, VulkanProbe } from "./device.js";
export { ForwardingClassifier } from "./wrapper.js";
