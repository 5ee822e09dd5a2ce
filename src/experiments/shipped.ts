/**
 * The shipped experiment environment: rsbench's model zoo (shipped names or .onnx paths), its
 * built-in datasets and image folders, the registered attacks (HSJA, SurFree, RayS), sigma
 * calibration, Cohen et al.'s CERTIFY and the computations of Fig. 1-3.
 */
import { ATTACKS } from "../attacks/registry.js";
import type { Norm } from "../attacks/types.js";
import { loadData } from "../data/index.js";
import { FIGURE_COMPUTATIONS } from "../figures/compute.js";
import { certify } from "../smoothing/certify.js";
import { calibrateSigma } from "../zoo/calibrate.js";
import { loadModel } from "../zoo/load.js";
import type { ExperimentEnvironment, RegisteredAttack } from "./environment.js";

/** The attack registry as the runner sees it. */
function registeredAttacks(): Record<string, RegisteredAttack> {
  const out: Record<string, RegisteredAttack> = {};
  for (const [name, entry] of Object.entries(ATTACKS)) {
    out[name] = {
      attack: entry.attack,
      defaults: entry.defaults as unknown as Readonly<Record<string, unknown>>,
      norms: entry.norms as readonly Norm[],
      defaultNorm: entry.defaultNorm as Norm,
      optionsFor: (norm: Norm) => entry.optionsFor(norm as never) as Readonly<Record<string, unknown>>,
      defaultStart: entry.defaultStart,
    };
  }
  return out;
}

export function createEnvironment(): ExperimentEnvironment {
  return {
    async loadModel(name, { threads, device }) {
      return (await loadModel(name, { threads, device })).classifier;
    },
    loadData(data) {
      return loadData(data.dataset, { selection: { count: data.count, offset: data.offset, sample: data.sample, seed: data.seed } });
    },
    attacks: registeredAttacks(),
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
