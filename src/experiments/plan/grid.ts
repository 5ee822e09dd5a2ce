/**
 * Grid expansion: from a validated config to the run's work items. Each item has a unique,
 * stable key (it names the item in the store, so resumption skips it) and draws all its
 * randomness from keyedRandom(seed, key) (src/rng/keyed.ts): a result is a pure function of
 * (config, key, seed), whatever the order, the worker count or the resumptions.
 */
import { DEFAULT_ORACLE_RULE, type OracleRule } from "../../oracle/rule.js";
import type { AttackCells, AttackConfig, CalibrationConfig, DefenseConfig, ExperimentConfig } from "./config.js";
import type { ComputedFigure } from "../../figures/computation.js";
import { attackKey, defensePointId, type DefenseRef } from "../../attacks/record.js";
export { predictionKey } from "../../attacks/record.js";

/** An image of the selection: its position in the loaded set and its index in the source. */
export interface ImageRef {
  readonly position: number;
  readonly index: number;
  readonly label: number;
}

export interface CalibrationItem {
  readonly kind: "calibration";
  readonly key: string;
  readonly model: string;
  readonly drop: number;
  readonly settings: CalibrationConfig;
}

export interface AccuracyItem {
  readonly kind: "accuracy";
  readonly key: string;
  readonly defense: string;
  readonly model: string;
  readonly sigma: number | null;
  readonly n: number | null;
}

export interface CertificationItem {
  readonly kind: "certification";
  readonly key: string;
  readonly defense: string;
  readonly model: string;
  readonly sigma: number;
  readonly image: ImageRef;
}

export interface AttackItem {
  readonly kind: "attack";
  readonly key: string;
  readonly defense: DefenseRef;
  readonly attack: AttackConfig;
  readonly image: ImageRef;
}

export interface FigureItem {
  readonly kind: "figure";
  readonly key: string;
  readonly figure: ComputedFigure;
  readonly defense: string;
  readonly model: string;
  readonly sigma: number;
  readonly image: ImageRef;
}

export type WorkItem = CalibrationItem | AccuracyItem | CertificationItem | AttackItem | FigureItem;

/** The random stream of one work item (rng's keyedRandom: the stream named by (seed, key)). */
export { keyedRandom as itemRandom, keyWords } from "../../rng/keyed.js";

/** "0.03" -> "3%", the drop as written in keys. */
function dropLabel(drop: number): string {
  return `${Number((drop * 100).toPrecision(6))}%`;
}

export function calibrationKey(model: string, drop: number): string {
  return `calibration/${model}/drop=${dropLabel(drop)}`;
}

/** One calibration per distinct (model, drop) among the defenses that give sigma as a drop. */
export function calibrationItems(config: ExperimentConfig): CalibrationItem[] {
  const items = new Map<string, CalibrationItem>();
  for (const d of config.defenses) {
    if (d.sigma === null || typeof d.sigma === "number") continue;
    const key = calibrationKey(d.model, d.sigma.drop);
    if (!items.has(key)) items.set(key, { kind: "calibration", key, model: d.model, drop: d.sigma.drop, settings: config.calibration });
  }
  return [...items.values()];
}

/** Resolved sigmas by calibration key. */
export type SigmaTable = ReadonlyMap<string, number>;

/** The numeric sigma of a defense entry (null without RS); throws when a calibration is missing. */
export function resolveSigma(defense: DefenseConfig, sigmas: SigmaTable): number | null {
  if (defense.sigma === null) return null;
  if (typeof defense.sigma === "number") return defense.sigma;
  const key = calibrationKey(defense.model, defense.sigma.drop);
  const sigma = sigmas.get(key);
  if (sigma === undefined) throw new Error(`defense ${defense.name}: sigma for a ${dropLabel(defense.sigma.drop)} accuracy drop is not calibrated yet (missing ${key})`);
  return sigma;
}

/**
 * The defense point of a remote label-only endpoint (config defenses[].target, `rsbench attack
 * --target`): no local defense, the URL as its model, attacked with `oracle` at level `pa`.
 */
export function remoteDefensePoint(name: string, url: string, pa: number, oracle: OracleRule): DefenseRef {
  return { id: `${name}/pa=${pa}/oracle=${oracle}`, name, kind: "none", model: url, sigma: null, drop: null, n: null, pa, oracle };
}

/**
 * The defense points of the grid: every entry, times its n values, times its Pa values, times its
 * oracle rules (`rules` in place of each entry's own: an attack entry's `oracle`).
 */
export function defensePoints(config: ExperimentConfig, sigmas: SigmaTable, rules?: readonly OracleRule[]): DefenseRef[] {
  const points: DefenseRef[] = [];
  for (const d of config.defenses) {
    const sigma = resolveSigma(d, sigmas);
    const drop = d.sigma !== null && typeof d.sigma === "object" ? d.sigma.drop : null;
    if (d.target !== undefined) {
      for (const pa of d.pa) for (const oracle of rules ?? d.oracle ?? []) points.push(remoteDefensePoint(d.name, d.target, pa, oracle));
      continue;
    }
    if (sigma === null) {
      points.push({ id: defensePointId(d.name, null), name: d.name, kind: d.kind, model: d.model, sigma: null, drop: null, n: null, pa: null });
      continue;
    }
    for (const n of d.n) {
      for (const pa of d.pa) {
        for (const oracle of rules ?? d.oracle ?? [DEFAULT_ORACLE_RULE]) {
          const point = { id: defensePointId(d.name, { n, pa, oracle }), name: d.name, kind: d.kind, model: d.model, sigma, drop, n, pa };
          points.push(oracle === DEFAULT_ORACLE_RULE ? point : { ...point, oracle });
        }
      }
    }
  }
  return points;
}

/**
 * All work items but the calibrations, image-major for the attacks (a partial run covers every
 * defense on its first images). Needs every sigma resolved.
 */
export function workItems(config: ExperimentConfig, sigmas: SigmaTable, images: readonly ImageRef[]): WorkItem[] {
  const items: WorkItem[] = [];
  // Accuracy: one per (defense entry, n); Pa does not change the classifier.
  for (const d of config.defenses) {
    const sigma = resolveSigma(d, sigmas);
    if (sigma === null) {
      items.push({ kind: "accuracy", key: `accuracy/${d.name}`, defense: d.name, model: d.model, sigma: null, n: null });
    } else {
      for (const n of d.n) items.push({ kind: "accuracy", key: `accuracy/${d.name}/n=${n}`, defense: d.name, model: d.model, sigma, n });
    }
  }
  // Figures 1-3 on the first images, with the chosen smoothed defense.
  const figureDefense = config.defenses.find((d) => d.name === config.figures.defense);
  if (figureDefense) {
    const sigma = resolveSigma(figureDefense, sigmas)!;
    for (const figure of ["fig1", "fig2", "fig3"] as const) {
      if (!config.figures.include.includes(figure)) continue;
      for (const image of images.slice(0, config.figures.images)) {
        items.push({ kind: "figure", key: `figure/${figure}/${figureDefense.name}/image=${image.index}`, figure, defense: figureDefense.name, model: figureDefense.model, sigma, image });
      }
    }
  }
  // Certification: one per (image, smoothed defense entry), whatever n and Pa (it certifies g(sigma)).
  if (config.certification) {
    for (const image of images) {
      for (const d of config.defenses) {
        const sigma = resolveSigma(d, sigmas);
        if (sigma === null) continue;
        items.push({ kind: "certification", key: `certification/${d.name}/image=${image.index}`, defense: d.name, model: d.model, sigma, image });
      }
    }
  }
  const cells = attackCells(config, sigmas);
  for (const image of images) {
    for (const { defense, attack } of cells) {
      items.push({ kind: "attack", key: attackKey(defense.id, attack.name, attack.norm, image.index, attack.id), defense, attack, image });
    }
  }
  return items;
}

/**
 * The (defense point, attack entry) pairs each image is attacked in: every point times every
 * entry (point-major, as before entries could choose their cells), then the entries with their
 * own `oracle` rules at the points those rules make. An entry's `defenses` keeps only those.
 */
export function attackCells(config: ExperimentConfig, sigmas: SigmaTable): { defense: DefenseRef; attack: AttackConfig }[] {
  const runsIn = (attack: AttackCells, defense: DefenseRef) => attack.defenses === undefined || attack.defenses.includes(defense.name);
  const cells: { defense: DefenseRef; attack: AttackConfig }[] = [];
  for (const defense of defensePoints(config, sigmas)) {
    for (const attack of config.attacks) if (attack.oracle === undefined && runsIn(attack, defense)) cells.push({ defense, attack });
  }
  for (const attack of config.attacks) {
    if (attack.oracle === undefined) continue;
    for (const defense of defensePoints(config, sigmas, attack.oracle)) if (runsIn(attack, defense)) cells.push({ defense, attack });
  }
  return cells;
}

/** Rough cost of a Fig. 1-3 computation, in forward passes, for progress estimates. */
const FIGURE_COST = 300_000;
/** Sigmas a calibration typically tries (doubling, then bisection): for progress estimates. */
const CALIBRATION_STEPS = 12;

/**
 * A rough cost of an item in base forward passes (the budget times n for an attack, n0 + n for a
 * certification, ...). Only used to weigh items in the ETA: it does not affect results.
 */
export function itemCost(item: WorkItem, config: ExperimentConfig): number {
  switch (item.kind) {
    case "calibration": return CALIBRATION_STEPS * item.settings.count * item.settings.n;
    case "accuracy": return (config.accuracy.count ?? config.accuracy.sample ?? 1000) * (item.n ?? 1);
    case "certification": return config.certification ? config.certification.n0 + config.certification.n : 0;
    case "attack": return item.attack.budget * (item.defense.n ?? 1);
    case "figure": return FIGURE_COST;
  }
}

/**
 * Every item of a run, calibrations first. Keys and the item count do not depend on the sigma
 * values, so calibrated sigmas are placeholders here: use it to plan and count, not to execute.
 */
export function plannedItems(config: ExperimentConfig, images: readonly ImageRef[]): WorkItem[] {
  const calibrations = calibrationItems(config);
  return [...calibrations, ...workItems(config, new Map(calibrations.map((c) => [c.key, 1])), images)];
}
