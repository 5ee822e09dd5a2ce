import type { ImageShape } from "../model/classifier.js";

/**
 * A set of labelled images in pixel space: `images` packs `count` CHW images of `shape`,
 * `labels[i]` is the class of image i and `indices[i]` its index in the source (split or folder),
 * so that results name images stably whatever the selection.
 */
export interface LabeledImages {
  readonly source: string;
  readonly shape: ImageShape;
  readonly count: number;
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly indices: Int32Array;
  readonly classNames: readonly string[];
  /**
   * How a folder dataset's labels were assigned: "sorted-folders" (label = position of the
   * subfolder in sorted order) or "class-map" (an explicit folder -> label map). Absent for
   * built-in datasets, whose labels are their own.
   */
  readonly labeling?: "sorted-folders" | "class-map";
}

/** An explicit folder name -> model label map for a folder dataset (`--class-map FILE`, config `classMap`). */
export type ClassMap = Readonly<Record<string, number>>;

/** Which images of a source to take. `sample` draws a seeded random subset (the paper's "200 random images"). */
export interface Selection {
  readonly count?: number;
  readonly offset?: number;
  readonly sample?: number;
  readonly seed?: number;
}

/** Image i of a set, as a view (no copy). */
export function imageAt(set: LabeledImages, i: number): Float32Array {
  const d = set.shape.channels * set.shape.height * set.shape.width;
  return set.images.subarray(i * d, (i + 1) * d);
}
