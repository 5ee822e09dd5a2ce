/**
 * The shipped experiment environment: rsbench's model zoo (shipped names or .onnx paths), its
 * built-in datasets and image folders, the registered attacks (HSJA, SurFree, RayS), sigma
 * calibration, Cohen et al.'s CERTIFY and the computations of Fig. 1-3.
 */
import { ATTACKS } from "../attacks/registry.js";
import { loadData } from "../data/index.js";
import { FIGURE_COMPUTATIONS } from "../figures/compute.js";
import { certify } from "../smoothing/certify.js";
import { calibrateSigma } from "../zoo/calibrate.js";
import { loadModel } from "../zoo/load.js";
import type { ExperimentEnvironment } from "./environment.js";

export function createEnvironment(): ExperimentEnvironment {
  return {
    async loadModel(name, { threads, device }) {
      return (await loadModel(name, { threads, device })).classifier;
    },
    loadData(data) {
      return loadData(data.dataset, { selection: { count: data.count, offset: data.offset, sample: data.sample, seed: data.seed } });
    },
    attacks: ATTACKS,
    async calibrate(base, data, { drop, n, batchSize, random }) {
      // calibrateSigma uses one seed for every sigma it tries (common random numbers): take it from the item's stream.
      const c = await calibrateSigma(base, data, { drop, n, batchSize, seed: random.nextUint32() });
      return { sigma: c.sigma, cleanAccuracy: c.cleanAccuracy, smoothedAccuracy: c.smoothedAccuracy, images: c.images, n: c.n };
    },
    async certify(base, image, { sigma, n0, n, alpha, batchSize, random }) {
      const c = await certify(base, image, random, { sigma, n0, n, alpha, batchSize });
      return {
        outcome: c.kind === "certified"
          ? { status: "certified", prediction: c.label, radius: c.radius, pABar: c.pABar }
          : { status: "abstain", pABar: c.pABar },
        forwardPasses: c.forwardPasses,
      };
    },
    figures: FIGURE_COMPUTATIONS,
  };
}
