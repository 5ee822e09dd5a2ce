/**
 * The shipped experiment environment: rsbench's model zoo (shipped names or .onnx paths), its
 * built-in datasets and image folders, the registered attacks (HSJA, SurFree, RayS), sigma
 * calibration, Cohen et al.'s CERTIFY and the computations of Fig. 1-3.
 */
import { ATTACKS } from "../../attacks/registry.js";
import { listFolder, loadData, parseDataSpec, selectIndices, type Selection } from "../../data/index.js";
import { FIGURE_COMPUTATIONS } from "../../figures/compute.js";
import { certify } from "../../smoothing/certify.js";
import { calibrateSigma } from "../../zoo/calibrate.js";
import { HttpClassifier } from "../../model/http.js";
import { loadModel, resolveModel } from "../../zoo/load.js";
import type { DataConfig } from "../plan/config.js";
import type { ExperimentEnvironment } from "./environment.js";
import { endpointFingerprint, folderFingerprint, imagesFingerprint } from "../store/fingerprint.js";

/** Whether a defense's model is the URL of a remote endpoint (defenses[].target). */
function isTarget(name: string): boolean {
  return /^https?:\/\//.test(name);
}

function selectionOf(data: DataConfig): Selection {
  return { count: data.count, offset: data.offset, sample: data.sample, seed: data.seed };
}

/** A certification item with Cohen et al.'s CERTIFY (smoothing/certify.ts), as the environment returns it. */
export const certifyItem: ExperimentEnvironment["certify"] = async (base, image, { sigma, n0, n, alpha, batchSize, random, noise, onDraws }) => {
  const c = await certify(base, image, random, { sigma, n0, n, alpha, batchSize, ...(noise === undefined ? {} : { noise }), ...(onDraws ? { onDraws } : {}) });
  return {
    outcome: c.kind === "certified"
      ? { status: "certified", prediction: c.label, radius: c.radius, pABar: c.pABar }
      : { status: "abstain", pABar: c.pABar },
    forwardPasses: c.forwardPasses,
  };
};

export function createEnvironment(): ExperimentEnvironment {
  return {
    async loadModel(name, { threads, device, shape, workers }) {
      // A defense given by a URL (defenses[].target): the endpoint, with the key of RSBENCH_KEY.
      if (isTarget(name)) return HttpClassifier.connect(name, { key: process.env.RSBENCH_KEY });
      return (await loadModel(name, { threads, device, sharedBy: workers ?? 1, ...(shape ? { shape } : {}) })).classifier;
    },
    async loadData(data, shape) {
      const load = (selection: Selection) => loadData(data.dataset, { selection, classMap: data.classMap, ...(data.resize && shape ? { shape, resize: true } : {}) });
      // The default accuracy set (upTo): the first 1000 images, or all of a smaller dataset.
      return load(selectionOf(data)).catch((error: unknown) => {
        if (data.upTo && error instanceof RangeError) return load({ ...selectionOf(data), count: undefined });
        throw error;
      });
    },
    modelFile: (name) => (isTarget(name) ? null : resolveModel(name).path),
    async fingerprintEndpoint(name) {
      if (!isTarget(name)) return null;
      const remote = await HttpClassifier.connect(name, { key: process.env.RSBENCH_KEY });
      return endpointFingerprint(remote.url, remote.info);
    },
    async fingerprintData(data, load) {
      const spec = parseDataSpec(data.dataset);
      if (spec.kind === "builtin") return imagesFingerprint(data.dataset, await (load ? load(data) : loadData(data.dataset, { selection: selectionOf(data) })));
      const { entries } = await listFolder(spec.path, data.classMap);
      const selection = data.upTo && data.count !== undefined && data.count > entries.length ? { ...selectionOf(data), count: undefined } : selectionOf(data);
      return folderFingerprint(data.dataset, spec.path, entries, selectIndices(entries.length, selection, `folder ${spec.path}`));
    },
    attacks: ATTACKS,
    async calibrate(base, data, { drop, n, batchSize, random, noise }) {
      // calibrateSigma uses one seed for every sigma it tries (common random numbers): take it from the item's stream.
      const c = await calibrateSigma(base, data, { drop, n, batchSize, seed: random.nextUint32(), ...(noise === undefined ? {} : { noise }) });
      return { sigma: c.sigma, cleanAccuracy: c.cleanAccuracy, smoothedAccuracy: c.smoothedAccuracy, images: c.images, n: c.n };
    },
    certify: certifyItem,
    figures: FIGURE_COMPUTATIONS,
  };
}
