/**
 * The experiment configuration (a JSON file): what to attack, with what, against which defenses,
 * and what to certify and draw. `parseConfig` validates untrusted JSON and fills the defaults;
 * every problem is reported with the path of the bad field, e.g.
 * `defenses[2].n: expected an integer >= 1, got 0`.
 */
import { attackOptionProblems } from "../../attacks/options.js";
import { ascendingBudgets, attackEntryId, type AttackSpec, type DefenseKind } from "../../attacks/record.js";
import type { AttackEntry } from "../../attacks/registry.js";
import { START_KINDS, type StartKind } from "../../attacks/start.js";
import { classMapProblem } from "../../data/classMap.js";
import { CERTIFY_DEFAULTS } from "../../smoothing/certify.js";
import type { Norm } from "../../attacks/types.js";
import { DEVICES, type Device } from "../../model/device.js";
import { NOISE_LAYOUTS } from "../../smoothing/noise.js";
import { DEFAULT_FIGURES, FIGURE_NAMES, type FigureName } from "../../figures/computation.js";
import { figureOptionProblems } from "../../figures/options.js";
import { HARDEN_DEFAULTS } from "../../oracle/harden.js";
import { DEFAULT_ORACLE_RULE, ORACLE_RULE_FORMS, oracleRuleOf, type OracleRule } from "../../oracle/rule.js";
import { describeInterval, inInterval, integerAtLeast, type Interval } from "../../stats/validate.js";

/** Images to take from a dataset (see data/types.ts Selection). */
export interface DataConfig {
  /** A built-in dataset name (e.g. "fashion-mnist", "mnist:test") or a folder. */
  readonly dataset: string;
  readonly count?: number;
  readonly offset?: number;
  /** A seeded random sample of this many images (the paper's "200 random images"). */
  readonly sample?: number;
  readonly seed?: number;
  /** Folder datasets: folder name -> the model's label (defaults to the folders' sorted positions). */
  readonly classMap?: Readonly<Record<string, number>>;
  /**
   * `count` is an upper bound: the first `count` images, or all of a smaller dataset. Set on the
   * default accuracy set (no `accuracy` block: the first 1000 images), so a 40-image folder is not refused for a number its user never wrote (issue 26); a config
   * may set it too.
   */
  readonly upTo?: true;
  /**
   * Folder datasets: decode every image to the model's shape (resize, and convert greyscale to
   * RGB or the reverse), as the CLI's `--resize`. Defaults to false: another shape is an error.
   */
  readonly resize?: boolean;
}

/** sigma given directly, or as the accuracy drop it must cost (resolved by calibration). */
export type SigmaSpec = number | { readonly drop: number };

/** One entry of `defenses`: a model, optionally smoothed, with grids over n and Pa. */
export interface DefenseConfig {
  /** Unique name, used in keys and tables (letters, digits and . _ % + -). */
  readonly name: string;
  readonly model: string;
  /** Defaults to "rs" when sigma is given and "none" otherwise. */
  readonly kind: DefenseKind;
  readonly sigma: SigmaSpec | null;
  /** Noise draws per query (one defense point per value); empty without RS. */
  readonly n: readonly number[];
  /** Attacker's levels Pa (one defense point per value); [0.5] by default with RS, empty without. */
  readonly pa: readonly number[];
  /**
   * The oracle's rules (src/oracle/rule.ts; one defense point per value): "shortcut" (the
   * paper's), "label" or "repeat:K". Only with RS. Absent means ["shortcut"], and a config that
   * spells exactly that is stored without it, so configs, their hashes and records made before the
   * field are unchanged.
   */
  readonly oracle?: readonly OracleRule[];
  /**
   * The URL of a label-only endpoint (`rsbench serve`, docs/serve.md) attacked instead of a local
   * model: `model` is then the URL too, the defense is the server's (no sigma, n), `oracle` is
   * "label" (the default) or "repeat:K" at the levels `pa` ([0.5] by default), never "shortcut".
   * The key comes from the RSBENCH_KEY environment variable. Absent for local models.
   */
  readonly target?: string;
  /**
   * [channels, height, width] of a model whose input has dynamic height and width (the CLI's
   * `--shape`); absent for a model with a fixed input shape (it is read from the model).
   */
  readonly shape?: readonly [number, number, number];
}

/**
 * One entry of `attacks` (src/attacks/record.ts AttackSpec): name, optional `id` (names the
 * entry in keys instead of "<name>-<norm>": needed to run one attack and norm at several budgets), norm (defaults to the
 * attack's own default norm; without a registry "l2", the paper's measure), budget, options over
 * the attack's DEFAULTS, start policy (defaults to the attack's registered default, "own"
 * without a registry), `verify` (0 by default: no check of eq. (4)) and how it decides
 * (`verification`, VERIFICATION_RULES; `verifyAlpha` with "sequential"), and `harden` (true:
 * harden each final point against smoothed defenses, at most `hardenCalls` calls of g, 1000 by
 * default; needs "sequential" and verify >= 1; false or absent: no hardening), and with it
 * `hardenAt` (budgets below `budget`, ascending: the points held then are checked and hardened too).
 * `defenses` and `oracle` (AttackCells) restrict the entry to some cells of the grid.
 */
export type AttackConfig = AttackSpec & AttackCells;

/**
 * The cells of the grid an attack entry runs in (absent: every defense point). Each field is
 * stored absent when not given, so that configs written before it keep their hash.
 */
export interface AttackCells {
  /** Only the defense points of these `defenses[].name` entries. */
  readonly defenses?: readonly string[];
  /**
   * The oracle rules this entry attacks each smoothed (or remote) defense point with, in place of
   * the defense's own `oracle` list: e.g. PopSkipJump under "label" beside the paper's attacks
   * under "shortcut", in the same (defense, n, Pa) cells. Undefended points are attacked once.
   */
  readonly oracle?: readonly OracleRule[];
}

/** Cohen et al.'s CERTIFY settings (their defaults: n0 = 100, n = 100000, alpha = 0.001). */
export interface CertificationConfig {
  readonly n0: number;
  readonly n: number;
  readonly alpha: number;
}

/** How sigma is found for `{ "drop": d }`: on the first `count` images of the accuracy set's dataset, `n` draws each. */
export interface CalibrationConfig {
  readonly count: number;
  readonly n: number;
}

/** The `figures` section of a config: which figures to compute, on which images and defense, with which options. */
export interface FiguresConfig {
  readonly include: readonly FigureName[];
  /** Fig. 1-3 are computed on the first `images` images of the selection. */
  readonly images: number;
  /** The smoothed defense (config name) whose model and sigma Fig. 1-3 use; defaults to the first one. */
  readonly defense: string | null;
  /** Per-figure options handed to the figure computations. */
  readonly options: Readonly<Partial<Record<FigureName, Readonly<Record<string, unknown>>>>>;
}

/** A validated experiment, defaults filled. */
export interface ExperimentConfig {
  readonly name: string;
  /** Run seed: every work item draws from createRandom(seed, ...its key). Defaults to 0. */
  readonly seed: number;
  readonly data: DataConfig;
  /** Images on which the accuracy of every defense is measured (Fig. 5's x axis). */
  readonly accuracy: DataConfig;
  readonly defenses: readonly DefenseConfig[];
  readonly attacks: readonly AttackConfig[];
  /** null: no certification. */
  readonly certification: CertificationConfig | null;
  readonly calibration: CalibrationConfig;
  readonly figures: FiguresConfig;
  /** Images per forward batch of the smoothed classifiers. Defaults to 100. */
  readonly batchSize: number;
  /**
   * Where the models run (model/device.ts). Absent means "cpu", and is kept absent so that the
   * configs and hashes of runs made before the field are unchanged. Part of the experiment (and
   * its hash): GPU kernels are not bit-exact with the CPU's, so a label near the boundary can
   * differ and an attack then takes another path; a run resumed on another device is refused
   * rather than mixing records that no single device would give.
   */
  readonly device?: Exclude<Device, "cpu">;
  /**
   * How the noisy copies of every smoothed classifier of the run (attacks, accuracy,
   * certification, calibration, figures) map to random streams (src/smoothing/noise.ts):
   * "per-point" (each point's copies one after the other from its stream) or "per-draw" (copy j
   * of a point on its own substream, so that several noise threads can draw one point's copies).
   * Changes the numbers, hence part of the experiment and its hash. Absent means "per-point", and
   * is kept absent so that configs and hashes made before the field are unchanged.
   */
  readonly noise?: "per-draw";
  /**
   * Write each attack's final point and hardened point as NumPy .npy under the run directory's
   * `adversarial/` folder, `<defense id>/<attack>-<norm>/<index>.npy` and `<index>.hardened.npy`
   * (src/experiments/execute/execute.ts savedPointsDir). Absent (or false): nothing is written, and the
   * field is kept absent so that configs and hashes made before it are unchanged.
   */
  readonly save?: true;
}

/** Defaults of the optional fields, with their source. */
export const CONFIG_DEFAULTS = {
  seed: 0,
  /** The paper's level of the majority rule (docs/paper.md eq. (4)). */
  pa: [0.5] as readonly number[],
  norm: "l2" as Norm,
  /** Accuracy on the first 1000 images of the dataset's test split. */
  accuracyCount: 1000,
  calibration: { count: 500, n: 100 } as CalibrationConfig,
  figureImages: 1,
  batchSize: 100,
  /** No verification of the final adversarial points unless asked (configs written before it give the same records). */
  verify: 0,
  /** Error of each wrong answer of the sequential check (issue 12), with "verification": "sequential". */
  verifyAlpha: 0.05,
  /** Most calls of g per hardened point, with "harden": true (src/oracle/harden.ts HARDEN_DEFAULTS.maxCalls). */
  hardenCalls: HARDEN_DEFAULTS.maxCalls,
} as const;

/**
 * How attacks[].verification checks final points: "estimate", the paper grid's point estimate
 * (rate >= Pa; the default, so older configs are unchanged), or "sequential", the sequential test
 * of src/oracle/verify.ts with error verifyAlpha (what new runs should use).
 */
export const VERIFICATION_RULES = ["estimate", "sequential"] as const;

/** Upper bounds beyond which a value only makes a run absurd (the bound is in the message). */
export const CONFIG_LIMITS = Object.freeze({ sigma: 100, n: 10_000_000, budget: 10_000_000 });

/** A config that fails validation: the message lists every bad field with its path. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[], source = "experiment config") {
    super(`invalid ${source}:\n  ${problems.join("\n  ")}`);
  }
}

const NAME_PATTERN = /^[A-Za-z0-9._%+-]+$/;

/** Collects problems while walking untrusted JSON. */
class Checker {
  readonly problems: string[] = [];

  fail(path: string, expected: string, got: unknown): undefined {
    this.problems.push(`${path}: expected ${expected}, got ${show(got)}`);
    return undefined;
  }

  object(path: string, value: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return this.fail(path, "an object", value);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!keys.includes(key)) this.problems.push(`${join(path, key)}: unknown field (allowed: ${keys.join(", ")})`);
    }
    return record;
  }

  string(path: string, value: unknown, pattern?: RegExp): string | undefined {
    if (typeof value !== "string" || value === "") return this.fail(path, "a non-empty string", value);
    if (pattern && !pattern.test(value)) return this.fail(path, `a name of letters, digits and . _ % + -`, value);
    // Names become path segments (runs/<name>): "." and ".." would escape the folder.
    if (pattern && (value === "." || value === "..")) return this.fail(path, `a name of letters, digits and . _ % + - other than "." and ".."`, value);
    return value;
  }

  /** A number in `range` (the one checking vocabulary, src/stats/validate.ts). */
  number(path: string, value: unknown, range: Interval): number | undefined {
    return inInterval(value, range) ? value : this.fail(path, describeInterval(range), value);
  }

  /** An integer >= min; above `limit` (when given) the run would only take for ever. */
  integer(path: string, value: unknown, min: number, limit?: number): number | undefined {
    const x = this.number(path, value, integerAtLeast(min));
    if (x !== undefined && limit !== undefined && x > limit) return this.fail(path, `at most ${limit} (a larger value makes the run absurdly long)`, value);
    return x;
  }

  /** A number in the open interval (lo, hi). */
  open(path: string, value: unknown, lo: number, hi: number): number | undefined {
    return this.number(path, value, { min: lo, max: hi, openMin: true, openMax: true });
  }

  choice<T extends string>(path: string, value: unknown, choices: readonly T[]): T | undefined {
    if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
      return this.fail(path, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, value);
    }
    return value as T;
  }

  /** A value or a non-empty array of values, each checked by `item`. */
  list<T>(path: string, value: unknown, item: (path: string, value: unknown) => T | undefined, allowEmpty = false): T[] {
    const values = Array.isArray(value) ? value : [value];
    if (Array.isArray(value) && value.length === 0 && !allowEmpty) {
      this.fail(path, "a value or a non-empty array", value);
      return [];
    }
    const out: T[] = [];
    values.forEach((v, i) => {
      const checked = item(Array.isArray(value) ? `${path}[${i}]` : path, v);
      if (checked !== undefined) out.push(checked);
    });
    const seen = new Set<string>();
    for (const v of out) {
      const k = JSON.stringify(v);
      if (seen.has(k)) this.problems.push(`${path}: duplicate value ${k}`);
      seen.add(k);
    }
    return out;
  }
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  // JSON.parse reads 1e400 as Infinity, which JSON.stringify would show as null.
  if (typeof value === "number" && !Number.isFinite(value)) return `${value} (a number beyond the range of a double)`;
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function dataConfig(c: Checker, path: string, value: unknown): DataConfig | undefined {
  const o = c.object(path, value, ["dataset", "count", "offset", "sample", "seed", "classMap", "resize", "upTo"]);
  if (!o) return undefined;
  const dataset = c.string(join(path, "dataset"), o.dataset);
  const out: { -readonly [K in keyof DataConfig]: DataConfig[K] } = { dataset: dataset ?? "" };
  if (o.count !== undefined) out.count = c.integer(join(path, "count"), o.count, 1);
  if (o.offset !== undefined) out.offset = c.integer(join(path, "offset"), o.offset, 0);
  if (o.sample !== undefined) out.sample = c.integer(join(path, "sample"), o.sample, 1);
  if (o.seed !== undefined) out.seed = c.integer(join(path, "seed"), o.seed, 0);
  if (o.upTo !== undefined) {
    if (o.upTo !== true) c.fail(join(path, "upTo"), "true (count is an upper bound)", o.upTo);
    else out.upTo = true;
  }
  if (o.resize !== undefined) {
    if (typeof o.resize !== "boolean") c.fail(join(path, "resize"), "true or false", o.resize);
    else if (o.resize) out.resize = true;
  }
  if (o.classMap !== undefined) {
    const problem = classMapProblem(o.classMap);
    if (problem) c.problems.push(`${join(path, "classMap")}: ${problem}`);
    else out.classMap = o.classMap as Record<string, number>;
  }
  if (o.count !== undefined && o.sample !== undefined) {
    c.problems.push(`${path}: give either count (the first images) or sample (a seeded random subset), not both`);
  }
  return out;
}

function sigmaSpec(c: Checker, path: string, value: unknown): SigmaSpec | undefined {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const o = c.object(path, value, ["drop"]);
    if (!o) return undefined;
    const drop = c.open(join(path, "drop"), o.drop, 0, 1);
    return drop === undefined ? undefined : { drop };
  }
  if (typeof value !== "number" || !Number.isFinite(value) || !(value > 0)) {
    return c.fail(path, `a number > 0 or { "drop": d } with d in (0, 1)`, value);
  }
  if (value > CONFIG_LIMITS.sigma) return c.fail(path, `at most ${CONFIG_LIMITS.sigma} (pixels are in [0, 1]: more noise drowns every image)`, value);
  return value;
}

const DEFENSE_KINDS: readonly DefenseKind[] = ["none", "rs", "randtrain", "advtrain"];

function defenseConfig(c: Checker, path: string, value: unknown): DefenseConfig | undefined {
  const o = c.object(path, value, ["name", "model", "kind", "sigma", "n", "pa", "oracle", "target", "shape"]);
  if (!o) return undefined;
  if (o.target !== undefined) return remoteDefenseConfig(c, path, o);
  const name = c.string(join(path, "name"), o.name, NAME_PATTERN);
  const model = c.string(join(path, "model"), o.model);
  // null and empty lists are how a validated config spells "no smoothing" (parsing is idempotent).
  const smoothed = o.sigma !== undefined && o.sigma !== null;
  const absent = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
  let kind: DefenseKind | undefined = smoothed ? "rs" : "none";
  if (o.kind !== undefined) kind = c.choice(join(path, "kind"), o.kind, DEFENSE_KINDS);
  const sigma = smoothed ? sigmaSpec(c, join(path, "sigma"), o.sigma) : null;
  let n: number[] = [];
  let pa: number[] = [];
  let oracle: OracleRule[] | undefined;
  if (smoothed) {
    if (o.oracle !== undefined) {
      const rules = c.list(join(path, "oracle"), o.oracle, (p, v) => oracleRuleOf(v) ?? c.fail(p, ORACLE_RULE_FORMS, v));
      if (!(rules.length === 1 && rules[0] === DEFAULT_ORACLE_RULE)) oracle = rules;
    }
    if (o.n === undefined) c.fail(join(path, "n"), "an integer >= 1 or a list of them (noise draws, required with sigma)", o.n);
    else n = c.list(join(path, "n"), o.n, (p, v) => c.integer(p, v, 1, CONFIG_LIMITS.n));
    pa = o.pa === undefined ? [...CONFIG_DEFAULTS.pa] : c.list(join(path, "pa"), o.pa, (p, v) => c.open(p, v, 0, 1));
    if (kind === "none" || kind === "advtrain") {
      c.problems.push(`${join(path, "kind")}: "${kind}" has no smoothing, but sigma is given (use "rs" or "randtrain", or drop sigma)`);
    }
  } else {
    if (!absent(o.n)) c.problems.push(`${join(path, "n")}: only allowed with sigma (no smoothing without it)`);
    if (!absent(o.pa)) c.problems.push(`${join(path, "pa")}: only allowed with sigma (no smoothing without it)`);
    if (!absent(o.oracle)) c.problems.push(`${join(path, "oracle")}: only allowed with sigma (without noise every rule gives the label)`);
    if (kind === "rs") c.problems.push(`${join(path, "sigma")}: required for kind "rs"`);
  }
  let shape: [number, number, number] | undefined;
  if (o.shape !== undefined) {
    const v = o.shape;
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => Number.isInteger(x) && x > 0)) c.fail(join(path, "shape"), "[channels, height, width], three positive integers (e.g. [3, 96, 96])", v);
    else shape = [v[0], v[1], v[2]];
  }
  if (name === undefined || model === undefined || kind === undefined || sigma === undefined) return undefined;
  return { name, model, kind, sigma, n, pa, ...(oracle === undefined ? {} : { oracle }), ...(shape === undefined ? {} : { shape }) };
}

/** A defense given by the URL of a label-only endpoint (DefenseConfig.target). */
function remoteDefenseConfig(c: Checker, path: string, o: Record<string, unknown>): DefenseConfig | undefined {
  const name = c.string(join(path, "name"), o.name, NAME_PATTERN);
  const target = c.string(join(path, "target"), o.target, /^https?:\/\/[^\s/]+(\/\S*)?$/);
  if (target === undefined) return undefined;
  // A validated config spells the model as the URL (parsing is idempotent).
  if (o.model !== undefined && o.model !== target) c.problems.push(`${join(path, "model")}: not with "target" (the endpoint is the model; drop one of them)`);
  for (const field of ["sigma", "n"] as const) {
    if (o[field] !== undefined && o[field] !== null && !(Array.isArray(o[field]) && o[field].length === 0)) {
      c.problems.push(`${join(path, field)}: not with "target" (the endpoint applies its own defense)`);
    }
  }
  if (o.kind !== undefined && o.kind !== "none") c.problems.push(`${join(path, "kind")}: "none" with "target" (the endpoint's defense is its own), got ${JSON.stringify(o.kind)}`);
  const oracle = o.oracle === undefined ? ["label" as OracleRule] : c.list(join(path, "oracle"), o.oracle, (p, v) => {
    const rule = oracleRuleOf(v);
    if (rule === "shortcut") return c.fail(p, `"label" or "repeat:K" (a label-only endpoint returns no vote counts, which the shortcut reads)`, v);
    return rule ?? c.fail(p, ORACLE_RULE_FORMS, v);
  });
  const pa = o.pa === undefined ? [...CONFIG_DEFAULTS.pa] : c.list(join(path, "pa"), o.pa, (p, v) => c.open(p, v, 0, 1));
  if (name === undefined) return undefined;
  return { name, model: target, kind: "none", sigma: null, n: [], pa, oracle, target };
}

function attackConfig(c: Checker, path: string, value: unknown, known?: Readonly<Record<string, AttackNorms>>): AttackConfig | undefined {
  const o = c.object(path, value, ["name", "id", "norm", "budget", "options", "start", "verify", "verification", "verifyAlpha", "harden", "hardenCalls", "hardenAt", "defenses", "oracle"]);
  if (!o) return undefined;
  const name = known ? c.choice(join(path, "name"), o.name, Object.keys(known)) : c.string(join(path, "name"), o.name, NAME_PATTERN);
  const id = o.id === undefined ? undefined : c.string(join(path, "id"), o.id, NAME_PATTERN);
  const entry = name === undefined ? undefined : known?.[name];
  const norm = o.norm === undefined
    ? entry?.defaultNorm ?? CONFIG_DEFAULTS.norm
    : c.choice(join(path, "norm"), o.norm, entry?.norms ?? (["l2", "linf"] as const));
  const budget = c.integer(join(path, "budget"), o.budget, 1, CONFIG_LIMITS.budget);
  let options: Record<string, unknown> = {};
  if (o.options !== undefined) {
    if (typeof o.options !== "object" || o.options === null || Array.isArray(o.options)) c.fail(join(path, "options"), "an object", o.options);
    else options = o.options as Record<string, unknown>;
  }
  const start = o.start === undefined ? entry?.defaultStart ?? "own" : c.choice(join(path, "start"), o.start, START_KINDS);
  const verify = o.verify === undefined ? CONFIG_DEFAULTS.verify : c.integer(join(path, "verify"), o.verify, 0);
  // Absent (or "estimate"): the paper grid's point estimate, stored absent so older configs keep their hash.
  const verification = o.verification === undefined ? "estimate" : c.choice(join(path, "verification"), o.verification, VERIFICATION_RULES);
  let verifyAlpha: number | undefined;
  if (verification === "sequential") verifyAlpha = o.verifyAlpha === undefined ? CONFIG_DEFAULTS.verifyAlpha : c.open(join(path, "verifyAlpha"), o.verifyAlpha, 0, 1);
  else if (o.verifyAlpha !== undefined) c.problems.push(`${join(path, "verifyAlpha")}: only allowed with "verification": "sequential" (the point estimate has no error level)`);
  // Hardening confirms with the sequential test (verify calls, error verifyAlpha): it needs one.
  // false is stored absent, as configs written before the field.
  let harden: { harden: true; hardenCalls: number; hardenAt?: number[] } | undefined;
  if (o.harden !== undefined && o.harden !== false) {
    if (o.harden !== true) c.fail(join(path, "harden"), "true or false", o.harden);
    else if (verification !== "sequential" || verify === undefined || verify < 1) {
      c.problems.push(`${join(path, "harden")}: needs "verification": "sequential" and "verify" >= 1 (each confirmation of the hardened point is the sequential test, with at most verify calls)`);
    } else {
      const hardenCalls = o.hardenCalls === undefined ? CONFIG_DEFAULTS.hardenCalls : c.integer(join(path, "hardenCalls"), o.hardenCalls, 1, CONFIG_LIMITS.budget);
      // Budgets below the attack's at which the point held then is hardened too (ascending, each < budget).
      const hardenAt = o.hardenAt === undefined ? undefined : c.list(join(path, "hardenAt"), o.hardenAt, (p, v) => {
        const q = c.integer(p, v, 1);
        return q !== undefined && budget !== undefined && q >= budget ? c.fail(p, `a budget below the attack's (${budget})`, v) : q;
      });
      if (hardenAt !== undefined && !ascendingBudgets(hardenAt)) c.fail(join(path, "hardenAt"), "budgets in ascending order", o.hardenAt);
      if (hardenCalls !== undefined) harden = { harden: true, hardenCalls, ...(hardenAt === undefined ? {} : { hardenAt }) };
    }
  }
  if (o.hardenCalls !== undefined && o.harden !== true) c.problems.push(`${join(path, "hardenCalls")}: only allowed with "harden": true`);
  if (o.hardenAt !== undefined && o.harden !== true) c.problems.push(`${join(path, "hardenAt")}: only allowed with "harden": true`);
  // Unknown or ill-typed options are refused here, before anything runs (registries with DEFAULTS).
  if (entry?.defaults !== undefined && norm !== undefined) {
    c.problems.push(...attackOptionProblems(entry as AttackEntry, norm, options, join(path, "options")));
  }
  // The cells it runs in (names are checked against the defenses by parseFresh).
  const defenses = o.defenses === undefined ? undefined : c.list(join(path, "defenses"), o.defenses, (p, v) => c.string(p, v, NAME_PATTERN));
  const oracle = o.oracle === undefined ? undefined : c.list(join(path, "oracle"), o.oracle, (p, v) => oracleRuleOf(v) ?? c.fail(p, ORACLE_RULE_FORMS, v));
  if (name === undefined || norm === undefined || budget === undefined || start === undefined || verify === undefined || verification === undefined) return undefined;
  if (verification === "sequential" && verifyAlpha === undefined) return undefined;
  if (o.id !== undefined && id === undefined) return undefined;
  if ((o.defenses !== undefined && defenses === undefined) || (o.oracle !== undefined && oracle === undefined)) return undefined;
  return {
    name, ...(id === undefined ? {} : { id }), norm, budget, options, start, verify, ...(verification === "sequential" ? { verification, verifyAlpha } : {}), ...harden,
    ...(defenses === undefined ? {} : { defenses }), ...(oracle === undefined ? {} : { oracle }),
  };
}

/**
 * What validation needs to know of a registered attack: its norms and defaults, and (in a
 * registry entry, src/attacks/registry.ts) its DEFAULTS and own checks, against which `options`
 * are checked.
 */
export type AttackNorms = Pick<AttackEntry, "norms" | "defaultNorm" | "defaultStart"> & Partial<Pick<AttackEntry, "defaults" | "validate" | "optionsFor">>;

/** Options of `parseConfig`. */
export interface ParseConfigOptions {
  /** Registered attacks: `attacks[i].name` must be one of them and its norm one of theirs. */
  readonly attacks?: Readonly<Record<string, AttackNorms>>;
  /** Names the config in error messages (e.g. its file path). */
  readonly source?: string;
}

/** Configs this module validated, with the attack registry they were checked against: not parsed twice. */
const VALIDATED = new WeakMap<object, ParseConfigOptions["attacks"]>();

/**
 * Validates an experiment config (parsed JSON) and fills its defaults. Throws ConfigError. A
 * config it returned, given back with the same attack registry, is returned as it is.
 */
export function parseConfig(value: unknown, options: ParseConfigOptions = {}): ExperimentConfig {
  if (typeof value === "object" && value !== null && VALIDATED.has(value) && VALIDATED.get(value) === options.attacks) return value as ExperimentConfig;
  const config = parseFresh(value, options);
  VALIDATED.set(config, options.attacks);
  return config;
}

function parseFresh(value: unknown, options: ParseConfigOptions): ExperimentConfig {
  const c = new Checker();
  const root = c.object("", value, ["name", "description", "seed", "data", "accuracy", "defenses", "attacks", "certification", "calibration", "figures", "batchSize", "device", "noise", "save"]);
  if (!root) throw new ConfigError(c.problems.map((p) => p.replace(/^: /, "config: ")), options.source);
  const name = c.string("name", root.name, NAME_PATTERN);
  const seed = root.seed === undefined ? CONFIG_DEFAULTS.seed : c.integer("seed", root.seed, 0);
  const data = dataConfig(c, "data", root.data);
  const accuracy = root.accuracy === undefined
    ? (data ? withClassMap({ dataset: data.dataset, count: CONFIG_DEFAULTS.accuracyCount, upTo: true, ...(data.resize ? { resize: true } : {}) }, data) : undefined)
    : dataConfig(c, "accuracy", root.accuracy);

  const defenses: DefenseConfig[] = [];
  if (!Array.isArray(root.defenses) || root.defenses.length === 0) c.fail("defenses", "a non-empty array", root.defenses);
  else root.defenses.forEach((d, i) => { const v = defenseConfig(c, `defenses[${i}]`, d); if (v) defenses.push(v); });
  const names = new Set<string>();
  for (const d of defenses) {
    if (names.has(d.name)) c.problems.push(`defenses: duplicate name ${JSON.stringify(d.name)}`);
    names.add(d.name);
  }

  const attacks: AttackConfig[] = [];
  if (!Array.isArray(root.attacks)) c.fail("attacks", "an array (possibly empty)", root.attacks);
  else root.attacks.forEach((a, i) => { const v = attackConfig(c, `attacks[${i}]`, a, options.attacks); if (v) attacks.push(v); });
  // Entries name their items' keys (attackEntryId): two with the same name must differ.
  const attackKeys = new Set<string>();
  for (const a of attacks) {
    const k = attackEntryId(a);
    if (attackKeys.has(k)) {
      c.problems.push(a.id === undefined
        ? `attacks: ${a.name} with norm ${a.norm} appears twice (to run it at several budgets or options, give each entry its own "id", e.g. "${a.name}-${a.budget}")`
        : `attacks: duplicate id ${JSON.stringify(k)} (ids, and "<name>-<norm>" of entries without one, must be unique)`);
    }
    attackKeys.add(k);
    for (const d of a.defenses ?? []) {
      if (!names.has(d)) c.problems.push(`attacks: ${k}'s defenses name ${JSON.stringify(d)}, which is not a defense of this config (expected one of ${[...names].join(", ")})`);
    }
  }

  let certification: CertificationConfig | null = null;
  if (root.certification !== undefined && root.certification !== null) {
    const o = c.object("certification", root.certification, ["n0", "n", "alpha"]);
    if (o) {
      // A missing field takes Cohen et al.'s value (src/smoothing/certify.ts CERTIFY_DEFAULTS: n0 100, n 100000, alpha 0.001).
      const n0 = o.n0 === undefined ? CERTIFY_DEFAULTS.n0 : c.integer("certification.n0", o.n0, 1, CONFIG_LIMITS.n);
      const n = o.n === undefined ? CERTIFY_DEFAULTS.n : c.integer("certification.n", o.n, 1, CONFIG_LIMITS.n);
      const alpha = o.alpha === undefined ? CERTIFY_DEFAULTS.alpha : c.open("certification.alpha", o.alpha, 0, 1);
      if (n0 !== undefined && n !== undefined && alpha !== undefined) certification = { n0, n, alpha };
    }
  }

  let calibration: CalibrationConfig = CONFIG_DEFAULTS.calibration;
  if (root.calibration !== undefined) {
    const o = c.object("calibration", root.calibration, ["count", "n"]);
    if (o) {
      const count = o.count === undefined ? calibration.count : c.integer("calibration.count", o.count, 1);
      const n = o.n === undefined ? calibration.n : c.integer("calibration.n", o.n, 1);
      if (count !== undefined && n !== undefined) calibration = { count, n };
    }
  }

  const smoothedNames = defenses.filter((d) => d.sigma !== null).map((d) => d.name);
  let figures: FiguresConfig = { include: [], images: CONFIG_DEFAULTS.figureImages, defense: smoothedNames[0] ?? null, options: {} };
  if (root.figures !== undefined) {
    const o = c.object("figures", root.figures, ["include", "images", "defense", "options"]);
    if (o) {
      const include = o.include === undefined ? [...DEFAULT_FIGURES] : c.list("figures.include", o.include, (p, v) => c.choice(p, v, FIGURE_NAMES), true);
      const images = o.images === undefined ? CONFIG_DEFAULTS.figureImages : c.integer("figures.images", o.images, 1);
      let defense = figures.defense;
      if (o.defense !== undefined && o.defense !== null) {
        defense = c.choice("figures.defense", o.defense, smoothedNames.length ? smoothedNames : ["(a smoothed defense)"]) ?? null;
      }
      const needsSmoothed = include.some((f) => f === "fig1" || f === "fig2" || f === "fig3");
      if (needsSmoothed && defense === null) c.problems.push("figures.include: fig1, fig2 and fig3 need a smoothed defense (one with sigma)");
      let figureOptions: Record<string, Record<string, unknown>> = {};
      if (o.options !== undefined) {
        const opts = c.object("figures.options", o.options, FIGURE_NAMES);
        if (opts) {
          for (const [k, v] of Object.entries(opts)) {
            if (typeof v !== "object" || v === null || Array.isArray(v)) c.fail(`figures.options.${k}`, "an object", v);
            else if (FIGURE_NAMES.includes(k as FigureName)) c.problems.push(...figureOptionProblems(k as FigureName, v as Record<string, unknown>, `figures.options.${k}`));
          }
          figureOptions = opts as Record<string, Record<string, unknown>>;
        }
      }
      if (images !== undefined) figures = { include, images, defense, options: figureOptions };
    }
  }

  const batchSize = root.batchSize === undefined ? CONFIG_DEFAULTS.batchSize : c.integer("batchSize", root.batchSize, 1);
  const device = root.device === undefined ? "cpu" : c.choice("device", root.device, DEVICES);
  const noise = root.noise === undefined ? "per-point" : c.choice("noise", root.noise, NOISE_LAYOUTS);
  if (root.save !== undefined && typeof root.save !== "boolean") c.fail("save", "true or false", root.save);
  if (c.problems.length > 0) throw new ConfigError(c.problems, options.source);
  return {
    name: name!, seed: seed!, data: data!, accuracy: accuracy!, defenses, attacks,
    certification, calibration, figures, batchSize: batchSize!,
    ...(device === "cpu" ? {} : { device: device! }),
    ...(noise === "per-draw" ? { noise } : {}),
    ...(root.save === true ? { save: true as const } : {}),
  };
}

/**
 * The canonical JSON of a validated config (keys sorted), what `configHash` hashes: two files
 * that differ only in layout, key order or spelled-out defaults are the same experiment.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** `data` with its class map, when it has one (so a derived selection labels images as the config says). */
function withClassMap(data: DataConfig, source: DataConfig): DataConfig {
  return source.classMap === undefined ? data : { ...data, classMap: source.classMap };
}

/**
 * The images a sigma calibration reads: the first `calibration.count` images of the accuracy set's
 * source, labelled by the accuracy block's class map (issue 26: without it a folder's labels
 * follow the sorted folder names, and the calibrated sigma is wrong).
 */
export function calibrationData(config: ExperimentConfig): DataConfig {
  return withClassMap({ dataset: config.accuracy.dataset, count: config.calibration.count }, config.accuracy);
}

/** The starting-point pool of the attacks: the first `count` images of the attacked set's source (all without a count), with its class map. */
export function startPoolData(config: ExperimentConfig, count: number | undefined): DataConfig {
  return withClassMap(count === undefined ? { dataset: config.data.dataset } : { dataset: config.data.dataset, count }, config.data);
}
