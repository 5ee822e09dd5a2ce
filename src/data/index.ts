import { existsSync, statSync } from "node:fs";
import type { ImageShape } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import { BUILTIN_NAMES, builtinDataset } from "./builtin.js";
import { readCachedSplit, type SplitName } from "./cache.js";
import { loadFolder } from "./folder.js";
import { resizePixels, sameShape, shapeMismatch, writeChwFloat } from "./image.js";
import { selectIndices } from "./select.js";
import type { ClassMap, LabeledImages, Selection } from "./types.js";

export type { ClassMap, LabeledImages, Selection } from "./types.js";
export { fileAt, imageAt, withFile } from "./types.js";
export { BUILTIN_DATASETS, BUILTIN_NAMES, SPLIT_SEED, SPLIT_VERSION, builtinDataset } from "./builtin.js";
export type { BuiltinDataset, SourcePool } from "./builtin.js";
export { cacheDir, cacheRoot, ensureCache, readCachedSplit } from "./cache.js";
export type { CacheMeta, CachedSplit, SplitName } from "./cache.js";
export { splitPool } from "./split.js";
export type { PoolSplit, SplitOptions } from "./split.js";
export { SELECTION_DEFAULTS, selectIndices } from "./select.js";
export { folderLabelWarning, IMAGE_EXTENSIONS, listFolder, loadFolder } from "./folder.js";
export { classMapProblem, readClassMap } from "./classMap.js";
export { decodeImage, resizePixels, sameShape, shapeMismatch } from "./image.js";

/** Options of `loadData`. */
export interface LoadDataOptions {
  /** Which images to take (defaults to all). */
  readonly selection?: Selection;
  /** The shape the images must have (e.g. the model's); defaults to the dataset's own. */
  readonly shape?: ImageShape;
  /** Resize images that do not match `shape` instead of failing (defaults to false). */
  readonly resize?: boolean;
  /** Folder datasets: folder name -> label (defaults to the folders' sorted positions). */
  readonly classMap?: ClassMap;
}

/** A parsed `--data` argument. */
export type DataSpec =
  | { readonly kind: "builtin"; readonly name: string; readonly split: SplitName }
  | { readonly kind: "folder"; readonly path: string };

/**
 * Parses a dataset spec: a built-in name (`fashion-mnist`, `mnist`) with an optional `:train` or
 * `:test` suffix (test by default), or the path of an existing class-per-subfolder folder.
 */
export function parseDataSpec(spec: string): DataSpec {
  const match = /^([a-z0-9-]+)(?::([a-z]+))?$/.exec(spec);
  if (match && BUILTIN_NAMES.includes(match[1])) {
    const split = match[2] ?? "test";
    if (split !== "train" && split !== "test") {
      throw new Error(`unknown split ${JSON.stringify(split)} of dataset ${match[1]}: expected ${match[1]}:train or ${match[1]}:test`);
    }
    return { kind: "builtin", name: match[1], split };
  }
  if (existsSync(spec) && statSync(spec).isDirectory()) return { kind: "folder", path: spec };
  if (existsSync(spec)) throw new Error(`dataset ${JSON.stringify(spec)} is a file: expected a built-in name (${BUILTIN_NAMES.join(", ")}) or a folder of class subfolders`);
  if (/[/\\]/.test(spec)) throw new Error(`dataset folder ${JSON.stringify(spec)} does not exist: expected a folder of class subfolders (root/<label>/*.png), or a built-in name (${BUILTIN_NAMES.join(", ")})`);
  builtinDataset(match?.[1] ?? spec); // throws the error listing the valid names
  throw new Error("unreachable");
}

/**
 * Loads labelled images in pixel space ([0, 1], CHW float32) from a built-in dataset split or a
 * folder (see parseDataSpec). Built-in splits come from a uint8 cache built once (see
 * ensureCache). `indices` are the images' indices in the split (or folder listing).
 */
export async function loadData(spec: string, options: LoadDataOptions = {}): Promise<LabeledImages> {
  const parsed = parseDataSpec(spec);
  if (parsed.kind === "folder") return loadFolder(parsed.path, options.selection, options.shape, options.resize ?? false, options.classMap);
  if (options.classMap) throw new Error(`a class map applies to folder datasets only, but ${spec} is a built-in dataset with its own labels`);
  const dataset = builtinDataset(parsed.name);
  const source = `${parsed.name}:${parsed.split}`;
  const split = await readCachedSplit(dataset, parsed.split);
  const indices = selectIndices(split.labels.length, options.selection, source);
  const own = dataset.shape;
  const shape = options.shape ?? own;
  const resize = !sameShape(own, shape);
  if (resize && !options.resize) throw shapeMismatch(`dataset ${source}`, own, shape);
  const size = imageSize(own);
  const images = new Float32Array(indices.length * imageSize(shape));
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    let pixels = split.images.subarray(k * size, (k + 1) * size);
    if (resize) pixels = (await resizePixels({ data: pixels, shape: own }, shape)).data;
    writeChwFloat(pixels, shape, images, i * imageSize(shape));
    labels[i] = split.labels[k];
  }
  return { source, shape, count: indices.length, images, labels, indices, classNames: dataset.classNames };
}
