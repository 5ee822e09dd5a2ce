/**
 * Resolves what a validated config names before anything is written: every model of `defenses`
 * loads, the attacked images (`data`) and the accuracy images (`accuracy`) load, and each model
 * takes those images. Every failure is reported at once, as a ConfigError naming its field path,
 * so a typo in a model name never leaves a half-made run directory behind.
 */
import { labelsBeyond } from "../../data/folder.js";
import type { LabeledImages } from "../../data/types.js";
import { formatShape, type Classifier } from "../../model/classifier.js";
import { DeviceError } from "../../model/device.js";
import { ConfigError, type ExperimentConfig } from "../plan/config.js";
import type { ExperimentEnvironment } from "./environment.js";
import { modelShape } from "./execute.js";

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The attacked images of a config, once every model and dataset it names has been checked. */
export async function resolveInputs(config: ExperimentConfig, environment: ExperimentEnvironment, source?: string): Promise<LabeledImages> {
  const { images, models } = await resolveInputsAndModels(config, environment, source, 1);
  for (const model of models.values()) await model.dispose?.();
  return images;
}

/**
 * resolveInputs, keeping the checked models (loaded with `threads` onnxruntime threads), so that
 * a run executed in this thread does not load them a second time. The caller disposes them.
 */
export async function resolveInputsAndModels(
  config: ExperimentConfig, environment: ExperimentEnvironment, source: string | undefined, threads: number,
): Promise<{ readonly images: LabeledImages; readonly models: ReadonlyMap<string, Classifier> }> {
  const problems: string[] = [];
  const models = new Map<string, Promise<Classifier | Error>>();
  const loadedModels: { path: string; name: string; model: Classifier | Error }[] = [];
  for (const [i, d] of config.defenses.entries()) {
    let model = models.get(d.model);
    if (!model) {
      model = environment.loadModel(d.model, { threads, device: config.device ?? "cpu", ...modelShape(config, d.model) }).catch((error: unknown) => (error instanceof DeviceError ? error : new Error(message(error))));
      models.set(d.model, model);
    }
    const loaded = await model;
    // An unusable device is not a mistake in the config: it stops the run at once, as it is.
    if (loaded instanceof DeviceError) throw loaded;
    const path = `defenses[${i}].model`;
    loadedModels.push({ path, name: d.model, model: loaded });
  }
  // A data config with `resize` is decoded to the models' shape (the first model's: all must agree).
  const shape = loadedModels.map((m) => m.model).find((m): m is Classifier => !(m instanceof Error))?.shape;
  const load = async (path: string, data: ExperimentConfig["data"]): Promise<LabeledImages | null> => {
    try {
      return await environment.loadData(data, shape);
    } catch (error) {
      problems.push(`${path}: ${message(error)}`);
      return null;
    }
  };
  const images = await load("data", config.data);
  const accuracy = await load("accuracy", config.accuracy);
  // Problems in config order: data, accuracy, then each defense's model.
  for (const { path, name, model: loaded } of loadedModels) {
    if (loaded instanceof Error) { problems.push(`${path}: ${loaded.message}`); continue; }
    for (const [field, set] of [["data", images], ["accuracy", accuracy]] as const) {
      if (set === null) continue;
      const m = loaded.shape, s = set.shape;
      if (m.channels !== s.channels || m.height !== s.height || m.width !== s.width) {
        const data = field === "data" ? config.data : config.accuracy;
        problems.push(`${path}: ${JSON.stringify(name)} takes ${formatShape(m)} images, but ${field} (${set.source}) has ${formatShape(s)} images` +
          (data.resize ? "" : `; set "resize": true in the ${field} block to decode them to ${formatShape(m)}`));
      } else if (set.classNames.length > loaded.numClasses) {
        problems.push(`${path}: ${JSON.stringify(name)} has ${loaded.numClasses} classes, but ${field} (${set.source}) has ${labelsBeyond(set.classNames, loaded.numClasses)}`);
      }
    }
  }
  const loaded = new Map<string, Classifier>();
  for (const [name, model] of models) {
    const m = await model;
    if (!(m instanceof Error)) loaded.set(name, m);
  }
  if (problems.length > 0 || images === null) {
    for (const m of loaded.values()) await m.dispose?.();
    throw new ConfigError(problems, source);
  }
  return { images, models: loaded };
}
