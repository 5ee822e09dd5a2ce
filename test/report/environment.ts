/**
 * The runner's fixture environment (analytic linear ONNX model, synthetic images) with the real
 * figure computations, so that a test run produces every record kind the report draws.
 */
import type { ExperimentEnvironment } from "../../src/experiments/execute/environment.js";
import { FIGURE_COMPUTATIONS } from "../../src/figures/index.js";
import { createEnvironment as fixtureEnvironment } from "../experiments/fixtureEnvironment.js";

export function createEnvironment(): ExperimentEnvironment {
  return { ...fixtureEnvironment(), figures: FIGURE_COMPUTATIONS };
}
