/**
 * The fixture environment of the queue tests: test/experiments/fixtureEnvironment.ts with its model
 * file made explicit, so that runs fingerprint it. Model "linear" is the file named by
 * RSBENCH_QUEUE_TEST_MODEL (default: test/fixtures/linear.onnx): a worker given another file
 * plays a machine whose copy of the model differs.
 */
import { fileURLToPath } from "node:url";
import type { ExperimentEnvironment } from "../../src/experiments/execute/environment.js";
import { OnnxClassifier } from "../../src/model/onnx.js";
import { createEnvironment as fixtureEnvironment } from "./fixtureEnvironment.js";

export const QUEUE_TEST_MODEL_VARIABLE = "RSBENCH_QUEUE_TEST_MODEL";

function modelPath(): string {
  return process.env[QUEUE_TEST_MODEL_VARIABLE] || fileURLToPath(new URL("../fixtures/linear.onnx", import.meta.url));
}

export function createEnvironment(): ExperimentEnvironment {
  const base = fixtureEnvironment();
  return {
    ...base,
    modelFile: (name) => (name === "linear" ? modelPath() : null),
    loadModel: (name, options) => (name === "linear" ? OnnxClassifier.load(modelPath(), { threads: options.threads }) : base.loadModel(name, options)),
  };
}
