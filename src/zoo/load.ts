import { existsSync } from "node:fs";
import { basename } from "node:path";
import { folderLabelWarning, labelsBeyond } from "../data/folder.js";
import type { LabeledImages } from "../data/types.js";
import { formatShape, type Classifier } from "../model/classifier.js";
import { OnnxClassifier, type OnnxClassifierOptions } from "../model/onnx.js";
import type { ModelCard } from "./card.js";
import { MODEL_NAMES, modelFiles, readCard } from "./catalog.js";

/** A loaded model: the classifier, its name (shipped name or file name) and its card when shipped. */
export interface LoadedModel {
  readonly classifier: OnnxClassifier;
  readonly name: string;
  readonly path: string;
  readonly card?: ModelCard;
}

/**
 * Resolves `nameOrPath` (a shipped model name, or the path of any .onnx file) to a file; an
 * unknown name gives an error listing the shipped names.
 */
export function resolveModel(nameOrPath: string): { name: string; path: string; shipped: boolean } {
  if (MODEL_NAMES.includes(nameOrPath)) {
    const path = modelFiles(nameOrPath).onnx;
    if (!existsSync(path)) throw new Error(`shipped model ${nameOrPath} is missing its file ${path}: run training/train_all.sh to train it`);
    return { name: nameOrPath, path, shipped: true };
  }
  if (nameOrPath.endsWith(".onnx") || nameOrPath.includes("/") || existsSync(nameOrPath)) {
    return { name: basename(nameOrPath).replace(/\.onnx$/, ""), path: nameOrPath, shipped: false };
  }
  throw new Error(`unknown model ${JSON.stringify(nameOrPath)}: expected one of ${MODEL_NAMES.join(", ")}, or a path to an .onnx file`);
}

/**
 * Loads a shipped model by name, or any .onnx file by path, as an OnnxClassifier (options are
 * passed on: threads, bounds, shape, normalisation). Shipped models take [0, 1] pixels and
 * normalise inside their graph, so they need no options.
 */
export async function loadModel(nameOrPath: string, options: OnnxClassifierOptions = {}): Promise<LoadedModel> {
  const { name, path, shipped } = resolveModel(nameOrPath);
  const classifier = await OnnxClassifier.load(path, options);
  const card = shipped ? readCard(name) : undefined;
  return card ? { classifier, name, path, card } : { classifier, name, path };
}

/**
 * Checks that a model can classify a dataset: same image shape (the error states both shapes)
 * and no label beyond the model's classes. A folder dataset labelled by the sorted positions of
 * fewer folders than the model has classes gets a warning stating the folder -> label mapping.
 */
export function checkModelData(model: { readonly name: string; readonly classifier: Classifier }, data: LabeledImages, onWarning?: (message: string) => void): void {
  const m = model.classifier.shape;
  const d = data.shape;
  if (m.channels !== d.channels || m.height !== d.height || m.width !== d.width) {
    throw new Error(`model ${model.name} takes ${formatShape(m)} images but ${data.source} has ${formatShape(d)} images; pass --resize to resize the data, or pick a model for ${formatShape(d)} images`);
  }
  const k = model.classifier.numClasses;
  if (data.classNames.length > k) {
    throw new Error(`model ${model.name} has ${k} classes but ${data.source} has ${labelsBeyond(data.classNames, k)}; fix the class map, or use the model the data is for`);
  }
  const warning = folderLabelWarning(data, k);
  if (warning !== null) onWarning?.(warning);
  const covered = selectionCoverage(data, k);
  if (covered !== null) onWarning?.(covered);
}

/**
 * A warning when the selected images cover fewer classes than they could (issue 26): `--count C`
 * takes the first C images of a folder's sorted listing, often all of one class. null otherwise.
 */
export function selectionCoverage(data: LabeledImages, modelClasses: number): string | null {
  const seen = new Set(data.labels);
  // The classes the dataset holds (a class map's unnamed labels are none of them).
  const present = data.classNames.filter((name) => name !== "").length;
  const possible = Math.min(data.count, modelClasses, Math.max(present, seen.size));
  if (seen.size >= possible) return null;
  const names = [...seen].sort((a, b) => a - b).map((l) => data.classNames[l] || String(l));
  return `the ${data.count} selected images cover ${seen.size} of the model's ${modelClasses} classes (${names.join(", ")}): ` +
    `--count takes the first images of the listing (a folder's: sorted by class); --sample ${data.count} draws them at random across classes`;
}
