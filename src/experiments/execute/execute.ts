/**
 * Executes one work item: a pure function of (config, item, seed) that returns its record.
 * Every random choice comes from the item's own stream, forked into independent sub-streams
 * (noise of the smoothed classifier, the attack's own choices), so the record does not depend
 * on which worker runs it, when, or what ran before.
 */
import { join } from "node:path";
import { attackImageWithPoints } from "../../attacks/pipeline.js";
import { attackEntryId } from "../../attacks/record.js";
import type { Norm } from "../../attacks/types.js";
import { writeAttackPoints } from "../../io/npy.js";
import { labelStartPool, type StartPool } from "../../attacks/start.js";
import type { Classifier, ImageShape } from "../../model/classifier.js";
import type { LabeledImages } from "../../data/types.js";
import { fileAt, imageAt, withFile } from "../../data/types.js";
import { ITEM_STREAMS } from "../../rng/streams.js";
import { defend, UNDEFENDED_PA, type Defense } from "../../smoothing/defense.js";
import { countCorrect } from "../../zoo/evaluate.js";
import type { DataConfig, ExperimentConfig } from "../plan/config.js";
import { calibrationData, canonicalJson, startPoolData } from "../plan/config.js";
import type { ExperimentEnvironment } from "./environment.js";
import type { WithinObserver } from "./within.js";
import type { AccuracyItem, AttackItem, CalibrationItem, CertificationItem, FigureItem, WorkItem } from "../plan/grid.js";
import { itemRandom } from "../plan/grid.js";
import type { AccuracyRecord, AttackRecord, CalibrationRecord, CertificationRecord, FigureRecord, ResultRecord } from "../store/records.js";

/** Sub-streams of an item's random stream (the one table: src/rng/streams.ts). */
const STREAM = ITEM_STREAMS;

/** Budgets at which every attack record reports the best distortion (src/attacks/record.ts). */
export { ATTACK_CHECKPOINTS as CHECKPOINTS } from "../../attacks/record.js";

/** The `shape` option of a model a config's defense gives one for (dynamic height and width). */
export function modelShape(config: ExperimentConfig, name: string): { shape?: ImageShape } {
  const s = config.defenses.find((d) => d.model === name && d.shape !== undefined)?.shape;
  return s ? { shape: { channels: s[0], height: s[1], width: s[2] } } : {};
}

/** The config's noise layout as an option (absent for "per-point", so the calls of runs made before the field are unchanged). */
function noiseOf(config: ExperimentConfig): { noise?: "per-draw" } {
  return config.noise === undefined ? {} : { noise: config.noise };
}

/** Models and images loaded once per worker. */

export class ExecutionContext {
  private readonly models = new Map<string, Promise<Classifier>>();
  private readonly data = new Map<string, Promise<LabeledImages>>();
  private readonly pools = new Map<string, Promise<StartPool>>();

  constructor(
    readonly environment: ExperimentEnvironment,
    readonly config: ExperimentConfig,
    /** onnxruntime intra-op threads of each model session. */
    readonly threads: number,
    /** Where attack items write their final and hardened points (config `save`; see savedPointsDir), or none. */
    readonly save?: string,
    /** Workers of the run on this machine, each with its models (shares out the noise threads off the CPU). */
    readonly workers = 1,
    /** Models already loaded by name (the runner's pre-run check, in this thread), used instead of loading them again. */
    preloaded?: ReadonlyMap<string, Classifier>,
  ) {
    for (const [name, model] of preloaded ?? []) this.models.set(name, Promise.resolve(model));
  }

  model(name: string): Promise<Classifier> {
    let model = this.models.get(name);
    if (!model) {
      model = this.environment.loadModel(name, { threads: this.threads, device: this.config.device ?? "cpu", workers: this.workers, ...modelShape(this.config, name) });
      this.models.set(name, model);
    }
    return model;
  }

  /** Candidate starting points for attacks on `modelName`: the pool images and the base model's labels. */
  startPool(modelName: string): Promise<StartPool> {
    let pool = this.pools.get(modelName);
    if (!pool) {
      pool = this.model(modelName).then((model) =>
        labelStartPool(model, (count) => this.images(startPoolData(this.config, count), model.shape)),
      );
      this.pools.set(modelName, pool);
    }
    return pool;
  }

  /** The images of `data`; `shape` is the model's, to which a data config with `resize` decodes them. */
  images(data: DataConfig, shape?: ImageShape): Promise<LabeledImages> {
    const key = canonicalJson(data) + (data.resize && shape ? ` ${shape.channels}x${shape.height}x${shape.width}` : "");
    let set = this.data.get(key);
    if (!set) {
      set = this.environment.loadData(data, shape);
      this.data.set(key, set);
    }
    return set;
  }
}

/**
 * Runs one item and returns its record (the caller stores it). `onWithin` observes the progress
 * inside it (within.ts): an attack's oracle queries, CERTIFY's draws, an accuracy item's images;
 * calibration and figure items report none. The record is the same with or without it.
 */
export async function executeItem(context: ExecutionContext, item: WorkItem, onWithin?: WithinObserver): Promise<ResultRecord> {
  const start = performance.now();
  const record = await dispatch(context, item, onWithin);
  return { ...record, seconds: (performance.now() - start) / 1000 } as ResultRecord;
}

type Draft<R extends ResultRecord> = Omit<R, "seconds">;

function dispatch(context: ExecutionContext, item: WorkItem, onWithin: WithinObserver | undefined): Promise<Draft<ResultRecord>> {
  switch (item.kind) {
    case "calibration": return calibration(context, item);
    case "accuracy": return accuracy(context, item, onWithin);
    case "certification": return certification(context, item, onWithin);
    case "attack": return attack(context, item, onWithin);
    case "figure": return figure(context, item);
  }
}

async function calibration(context: ExecutionContext, item: CalibrationItem): Promise<Draft<CalibrationRecord>> {
  const { config } = context;
  const base = await context.model(item.model);
  // The first `count` images of the accuracy set's source (not the attacked images).
  const data = await context.images(calibrationData(config), base.shape);
  const random = itemRandom(config.seed, item.key).fork(STREAM.calibrate);
  const result = await context.environment.calibrate(base, data, { drop: item.drop, n: item.settings.n, batchSize: config.batchSize, random, ...noiseOf(config) });
  return {
    kind: "calibration", key: item.key, seed: config.seed, model: item.model, drop: item.drop,
    sigma: result.sigma, cleanAccuracy: result.cleanAccuracy, smoothedAccuracy: result.smoothedAccuracy,
    images: result.images, n: result.n,
  };
}

async function accuracy(context: ExecutionContext, item: AccuracyItem, onWithin: WithinObserver | undefined): Promise<Draft<AccuracyRecord>> {
  const { config } = context;
  const base = await context.model(item.model);
  const data = await context.images(config.accuracy, base.shape);
  const defense: Defense = item.sigma === null || item.n === null ? { kind: "none" } : { kind: "gaussian", sigma: item.sigma, n: item.n, pa: UNDEFENDED_PA, rule: "shortcut" };
  const classifier = defend(base, defense, { batchSize: config.batchSize, random: itemRandom(config.seed, item.key).fork(STREAM.noise), ...noiseOf(config) });
  // Chunks bound the memory of a smoothed call; results do not depend on the chunk size.
  const chunk = item.n === null ? 1000 : Math.max(1, Math.floor(config.batchSize * 10 / item.n));
  const correct = await countCorrect(classifier, data, chunk, onWithin && ((done, total) => onWithin(done, total, "images")));
  return {
    kind: "accuracy", key: item.key, seed: config.seed, defense: item.defense, model: item.model,
    sigma: item.sigma, n: item.n, images: data.count, correct, accuracy: data.count ? correct / data.count : 0,
  };
}

async function selectedImage(context: ExecutionContext, position: number, index: number, shape: ImageShape): Promise<{ image: Float32Array; label: number; file: string | undefined }> {
  const data = await context.images(context.config.data, shape);
  if (data.indices[position] !== index) {
    throw new Error(`image selection changed: expected image ${index} at position ${position}, got ${data.indices[position]}`);
  }
  return { image: imageAt(data, position), label: data.labels[position], file: fileAt(data, position) };
}

async function certification(context: ExecutionContext, item: CertificationItem, onWithin: WithinObserver | undefined): Promise<Draft<CertificationRecord>> {
  const { config } = context;
  const settings = config.certification!;
  const base = await context.model(item.model);
  const { image, label, file } = await selectedImage(context, item.image.position, item.image.index, base.shape);
  const random = itemRandom(config.seed, item.key).fork(STREAM.certify);
  const { outcome, forwardPasses } = await context.environment.certify(base, image, {
    sigma: item.sigma, n0: settings.n0, n: settings.n, alpha: settings.alpha, batchSize: config.batchSize, random, ...noiseOf(config),
    ...(onWithin ? { onDraws: (drawn: number, total: number) => onWithin(drawn, total, "draws") } : {}),
  });
  return withFile({
    kind: "certification", key: item.key, seed: config.seed, image: item.image.index, label,
    defense: item.defense, model: item.model, sigma: item.sigma, n0: settings.n0, n: settings.n, alpha: settings.alpha,
    outcome, correct: outcome.status === "certified" && outcome.prediction === label, forwardPasses,
  } as const, file);
}

async function attack(context: ExecutionContext, item: AttackItem, onWithin: WithinObserver | undefined): Promise<Draft<AttackRecord>> {
  const { config, environment } = context;
  const entry = environment.attacks[item.attack.name];
  if (!entry) throw new Error(`unknown attack ${JSON.stringify(item.attack.name)}: expected one of ${Object.keys(environment.attacks).join(", ")}`);
  const base = await context.model(item.defense.model);
  const { image, label, file } = await selectedImage(context, item.image.position, item.image.index, base.shape);
  const { record, points } = await attackImageWithPoints(
    { seed: config.seed, defense: item.defense, attack: item.attack, image: { index: item.image.index, label, pixels: image }, batchSize: config.batchSize, ...noiseOf(config) },
    {
      base, entry, pool: () => context.startPool(item.defense.model),
      ...(onWithin ? { onQueries: (used: number, budget: number) => onWithin(used, budget, "queries") } : {}),
    },
  );
  // Written before the record is stored: a stored record's points are on disk (a re-run item rewrites the same bytes).
  if (context.save !== undefined) {
    writeAttackPoints(savedPointsDir(context.save, item.defense.id, item.attack), item.image.index, points, [base.shape.channels, base.shape.height, base.shape.width]);
  }
  return withFile(record, file);
}

/**
 * The folder of the saved points of one (defense point, attack entry) of a run: `<root>/<defense
 * id>/<attack>-<norm>` (or the entry's `id`), e.g. adversarial/rs-3%/n=10/pa=0.5/hsja-l2 (the
 * attack key's own path, attackEntryId, so two items never share a file, also when one attack runs
 * at several budgets). Each image's points are `<index>.npy` and `<index>.hardened.npy` in it.
 */
export function savedPointsDir(root: string, defenseId: string, attack: { readonly name: string; readonly norm: Norm; readonly id?: string }): string {
  return join(root, ...defenseId.split("/"), attackEntryId(attack));
}

async function figure(context: ExecutionContext, item: FigureItem): Promise<Draft<FigureRecord>> {
  const { config, environment } = context;
  const compute = environment.figures[item.figure];
  if (!compute) throw new Error(`no computation for ${item.figure} in this environment (expected figures.${item.figure})`);
  const base = await context.model(item.model);
  const { image, label, file } = await selectedImage(context, item.image.position, item.image.index, base.shape);
  const data = await compute({
    base, image, imageIndex: item.image.index, label, sigma: item.sigma,
    random: itemRandom(config.seed, item.key).fork(STREAM.figure), batchSize: config.batchSize, ...noiseOf(config),
    options: config.figures.options[item.figure] ?? {},
  });
  return withFile({
    kind: "figure", key: item.key, seed: config.seed, figure: item.figure, image: item.image.index, label,
    defense: item.defense, model: item.model, sigma: item.sigma, data,
  } as const, file);
}
