import type { Classifier } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import type { Random } from "../rng/random.js";
import { orthonormalDirections } from "./geometry.js";
import { bisectAlong, findAdversarialAlong, levelDecider } from "./search.js";
import { checkImage, checkInteger, checkPositive } from "./validate.js";

/** A classifier to slice and the name of its panel (e.g. "base", "RS n=10"). */
export interface SlicePanelInput {
  readonly name: string;
  readonly classifier: Classifier;
}

/** Options of `computeSlice` (Fig. 2). */
export interface SliceOptions {
  /** Grid points per axis (odd keeps the image at the centre). Defaults to 41. */
  readonly resolution?: number;
  /**
   * Half-width of the slice (L2, pixel space): the grid spans [-extent, extent]^2 around the
   * image. Defaults to twice the distance to the first panel's boundary along the nearest of
   * +-u, +-v (so that a boundary shows), found by a doubling search up to `maxDistance`.
   */
  readonly extent?: number;
  /** The two directions (orthonormalised here). Defaults to two random orthonormal directions. */
  readonly directions?: readonly Float32Array[];
  /** Farthest distance the automatic extent looks at. Defaults to 100. */
  readonly maxDistance?: number;
  /** Grid points per classifier call. Defaults to 64. */
  readonly batchSize?: number;
}

/** Defaults of computeSlice: a 41 x 41 grid (the suggestion), 64 points per call. */
export const SLICE_DEFAULTS: Required<Pick<SliceOptions, "resolution" | "maxDistance" | "batchSize">> = { resolution: 41, maxDistance: 100, batchSize: 64 };

/** One panel of Fig. 2: the label predicted at each grid point. */
export interface SlicePanel {
  readonly name: string;
  /** labels[j * resolution + i] at image + coordinates[i] u + coordinates[j] v. */
  readonly labels: readonly number[];
}

/** The data of Fig. 2 (JSON-serialisable). */
export interface Slice {
  readonly figure: "fig2";
  /** True label of the image at the centre. */
  readonly label: number;
  readonly numClasses: number;
  readonly resolution: number;
  readonly extent: number;
  /** Grid coordinates along each axis, from -extent to extent. */
  readonly coordinates: readonly number[];
  readonly panels: readonly SlicePanel[];
}

/**
 * Fig. 2: a 2-D slice of input space through `image` along two orthonormal directions u and v,
 * each grid point coloured by the label each classifier predicts there (for a smoothed
 * classifier g(sigma, n), one random majority vote per point: with small n the regions fray).
 * Grid points are not clipped to the input bounds. The grid is sent through each classifier in
 * batches of `batchSize`.
 * @see docs/paper.md Fig. 2.
 */
export async function computeSlice(
  panels: readonly SlicePanelInput[],
  image: Float32Array,
  label: number,
  random: Random,
  options: SliceOptions = {},
): Promise<Slice> {
  const o = { ...SLICE_DEFAULTS, ...options };
  if (panels.length === 0) throw new RangeError("invalid panels: expected at least one classifier, got none");
  checkInteger("resolution", o.resolution, 2);
  checkInteger("batchSize", o.batchSize, 1);
  const first = panels[0].classifier;
  const d = imageSize(first.shape);
  checkImage(image, d);
  for (const panel of panels) {
    if (imageSize(panel.classifier.shape) !== d) {
      throw new RangeError(`panel "${panel.name}" takes images of ${imageSize(panel.classifier.shape)} values, expected ${d} like the first panel`);
    }
  }
  const [u, v] = orthonormalDirections(d, 2, random, o.directions ?? []);
  const extent = o.extent === undefined ? await automaticExtent(first, image, label, [u, v], o.maxDistance) : checkPositive("extent", o.extent);
  const r = o.resolution;
  const coordinates = Array.from({ length: r }, (_, i) => -extent + (2 * extent * i) / (r - 1));

  const out: SlicePanel[] = [];
  for (const panel of panels) {
    const labels = new Array<number>(r * r);
    for (let start = 0; start < r * r; start += o.batchSize) {
      const count = Math.min(o.batchSize, r * r - start);
      const batch = new Float32Array(count * d);
      for (let q = 0; q < count; q++) {
        const a = coordinates[(start + q) % r];
        const b = coordinates[Math.floor((start + q) / r)];
        const offset = q * d;
        for (let k = 0; k < d; k++) batch[offset + k] = image[k] + a * u[k] + b * v[k];
      }
      const predicted = await panel.classifier.predict(batch, count);
      for (let q = 0; q < count; q++) labels[start + q] = predicted[q];
    }
    out.push({ name: panel.name, labels });
  }
  return { figure: "fig2", label, numClasses: first.numClasses, resolution: r, extent, coordinates, panels: out };
}

/** Twice the distance to the classifier's boundary along the nearest of +-u, +-v. */
async function automaticExtent(
  classifier: Classifier,
  image: Float32Array,
  label: number,
  axes: readonly Float32Array[],
  maxDistance: number,
): Promise<number> {
  const decide = levelDecider(classifier, image, label);
  let nearest = Infinity;
  for (const axis of axes) {
    for (const sign of [1, -1]) {
      const direction = axis.map((x) => sign * x);
      const bracket = await findAdversarialAlong(decide, image, direction, maxDistance / 1024, maxDistance);
      if (bracket) nearest = Math.min(nearest, (await bisectAlong(decide, image, direction, bracket, 20))[0]);
    }
  }
  if (!Number.isFinite(nearest)) {
    throw new RangeError(`no boundary within distance ${maxDistance} along the slice axes: expected one to set the extent automatically, got none (pass extent)`);
  }
  return 2 * nearest;
}
