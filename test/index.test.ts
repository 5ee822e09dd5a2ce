import assert from "node:assert/strict";
import { test } from "node:test";
import * as rsbench from "../src/index.js";

test("the package entry exports one name of every module of the library", () => {
  const expected = [
    "createRandom", "OnnxClassifier", "LinearClassifier", "LabelOnlyOracle", "BudgetExhaustedError",
    "SmoothedClassifier", "certify", "smoothedPredict", "certifiedAccuracy",
    "hsja", "surfree", "rays", "psj", "ATTACKS", "runAttack", "chooseStart",
    "normalQuantile", "clopperPearson", "binomialTestTwoSided",
    "certifiedRadius", "levelThreshold", "marginTerm", "distanceBound",
    "loadData", "imageAt", "loadModel", "listModels",
    "runExperiment", "parseConfig", "writeReport", "evaluateConclusions",
  ];
  const missing = expected.filter((name) => !(name in rsbench));
  assert.deepEqual(missing, [], `missing exports: ${missing.join(", ")}`);
});
