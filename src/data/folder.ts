import { readdir, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import type { ImageShape } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import { decodeImage, writeChwFloat } from "./image.js";
import { selectIndices } from "./select.js";
import type { ClassMap, LabeledImages, Selection } from "./types.js";

/** File extensions read from a class folder. */
export const IMAGE_EXTENSIONS: readonly string[] = [".png", ".jpg", ".jpeg"];

/** One image file of a folder dataset and its class index. */
export interface FolderEntry {
  readonly path: string;
  /** The path relative to the dataset folder, "/"-separated: "<class folder>/<file name>". */
  readonly file: string;
  readonly label: number;
}

/**
 * Lists a dataset in the usual class-per-subfolder layout (`root/<label>/*.png|jpg`, as
 * torchvision's ImageFolder): classes are the subfolder names sorted by code unit, files are
 * sorted by name within a class, and an image's index is its position in that listing.
 */
export async function listFolder(root: string, classMap?: ClassMap): Promise<{ classNames: string[]; entries: FolderEntry[] }> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`dataset folder ${JSON.stringify(root)} does not exist or is not a folder`);
  const folders: string[] = [];
  for (const d of await readdir(root, { withFileTypes: true })) if (d.isDirectory() && !d.name.startsWith(".")) folders.push(d.name);
  folders.sort();
  if (folders.length === 0) throw new Error(`dataset folder ${JSON.stringify(root)}: expected one subfolder per class (root/<label>/*.png), found none`);
  const labelOf = classMap ? mappedLabels(root, folders, classMap) : folders.map((_, i) => i);
  const classNames = classMap ? mappedClassNames(folders, labelOf) : folders;
  const entries: FolderEntry[] = [];
  for (let k = 0; k < folders.length; k++) {
    const files = (await readdir(join(root, folders[k]), { withFileTypes: true }))
      .filter((f) => f.isFile() && IMAGE_EXTENSIONS.includes(extname(f.name).toLowerCase()))
      .map((f) => f.name)
      .sort();
    for (const f of files) entries.push({ path: join(root, folders[k], f), file: `${folders[k]}/${f}`, label: labelOf[k] });
  }
  if (entries.length === 0) throw new Error(`dataset folder ${JSON.stringify(root)}: expected ${IMAGE_EXTENSIONS.join("/")} images in its class subfolders, found none`);
  return { classNames, entries };
}

/** The label of each folder under `classMap`; every folder must be mapped (the map may name more). */
function mappedLabels(root: string, folders: readonly string[], classMap: ClassMap): number[] {
  const missing = folders.filter((f) => !Object.hasOwn(classMap, f));
  if (missing.length) {
    throw new Error(`class map of dataset folder ${JSON.stringify(root)}: expected a label for every subfolder, got none for ${missing.map((m) => JSON.stringify(m)).join(", ")} (map: ${JSON.stringify(classMap)})`);
  }
  const labels = folders.map((f) => classMap[f]);
  const bad = folders.filter((_, i) => !Number.isSafeInteger(labels[i]) || labels[i] < 0);
  if (bad.length) throw new Error(`class map of dataset folder ${JSON.stringify(root)}: expected an integer label >= 0 for each folder, got ${bad.map((f) => `${JSON.stringify(f)}: ${JSON.stringify(classMap[f])}`).join(", ")}`);
  const seen = new Map<number, string>();
  folders.forEach((f, i) => {
    const other = seen.get(labels[i]);
    if (other !== undefined) throw new Error(`class map of dataset folder ${JSON.stringify(root)}: folders ${JSON.stringify(other)} and ${JSON.stringify(f)} both map to label ${labels[i]}; expected one folder per label`);
    seen.set(labels[i], f);
  });
  return labels;
}

/** classNames indexed by label: the mapped folders' names, "" for labels no folder has. */
function mappedClassNames(folders: readonly string[], labels: readonly number[]): string[] {
  const names = new Array<string>(Math.max(...labels) + 1).fill("");
  folders.forEach((f, i) => { names[labels[i]] = f; });
  return names;
}

/**
 * The warning a folder dataset deserves when its labels are the sorted positions of its
 * subfolders and that may not be what the model means: fewer classes than the model has, or a
 * folder name that does not start with its own label ("3-dress" at position 0). It states the
 * folder -> label mapping and how to give one. null when there is nothing to say.
 */
export function folderLabelWarning(set: LabeledImages, modelClasses?: number): string | null {
  if (set.labeling !== "sorted-folders") return null;
  const fewer = modelClasses !== undefined && set.classNames.length < modelClasses;
  const named = set.classNames.every((name, i) => new RegExp(`^0*${i}(?:$|[^0-9])`).test(name));
  if (!fewer && named) return null;
  const mapping = set.classNames.map((name, i) => `${name} -> ${i}`).join(", ");
  const why = fewer ? `has ${set.classNames.length} class folder(s) but the model has ${modelClasses} classes` : "has class folders not named by their label";
  return `dataset folder ${set.source} ${why}; labels are the sorted positions of its folders: ${mapping}. ` +
    `If these are not the model's labels, map them explicitly: --class-map FILE (JSON {"folder": label}) or the data config's "classMap".`;
}

/**
 * Loads the selected images of a class-per-subfolder dataset, decoded with sharp to [0, 1] CHW
 * float32. All images get `shape` (by default the first selected image's own shape); an image of
 * another shape is resized when `resize` is set, otherwise an error states both shapes.
 */
export async function loadFolder(root: string, selection: Selection = {}, shape?: ImageShape, resize = false, classMap?: ClassMap): Promise<LabeledImages> {
  const { classNames, entries } = await listFolder(root, classMap);
  const indices = selectIndices(entries.length, selection, `folder ${root}`);
  let target = shape;
  let images: Float32Array | undefined;
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const entry = entries[indices[i]];
    const pixels = await decodeImage(entry.path, target, resize);
    if (!target || !images) {
      target = pixels.shape;
      images = new Float32Array(indices.length * imageSize(target));
    }
    writeChwFloat(pixels.data, target, images, i * imageSize(target));
    labels[i] = entry.label;
  }
  const files = Array.from(indices, (index) => entries[index].file);
  return { source: root, shape: target!, count: indices.length, images: images!, labels, indices, classNames, labeling: classMap ? "class-map" : "sorted-folders", files };
}


/**
 * Why a dataset's labels do not fit a model of `classes` classes, or null: the classes whose
 * label is `classes` or more, each as "name" -> label (a class map's holes, unnamed labels, are
 * not listed as empty names: issue 26).
 */
export function labelsBeyond(classNames: readonly string[], classes: number): string | null {
  if (classNames.length <= classes) return null;
  const beyond = classNames.map((name, label) => ({ name, label })).filter((c) => c.label >= classes && c.name !== "");
  return `labels beyond its ${classes} classes (expected labels 0 to ${classes - 1}): ${beyond.map((c) => `${JSON.stringify(c.name)} -> ${c.label}`).join(", ")}`;
}
