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
  /**
   * Folder datasets: `files[i]` is image i's file, relative to the folder, with "/" separators
   * ("cat/003.png"). Absent for built-in datasets, whose records name images by index only.
   */
  readonly files?: readonly string[];
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

/** The file of the image at position i of a folder dataset ("cat/003.png"), or undefined for a built-in dataset. */
export function fileAt(set: LabeledImages, i: number): string | undefined {
  return set.files?.[i];
}

/**
 * `record` with `file` added right after its `image` field (a folder dataset's image file,
 * issue 26), or `record` itself, unchanged byte for byte once serialised, when `file` is undefined.
 */
export function withFile<T extends { readonly image: number }>(record: T, file: string | undefined): T & { readonly file?: string } {
  if (file === undefined) return record;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    out[key] = value;
    if (key === "image") out.file = file;
  }
  return out as T & { readonly file?: string };
}

/** Image i of a set, as a view (no copy). */
export function imageAt(set: LabeledImages, i: number): Float32Array {
  const d = set.shape.channels * set.shape.height * set.shape.width;
  return set.images.subarray(i * d, (i + 1) * d);
}
