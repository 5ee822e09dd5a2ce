import { closeSync, openSync, writeSync } from "node:fs";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { ATTACK_NAMES, attackEntry, START_KINDS, type AttackName, type StartKind } from "../../attacks/registry.js";
import { chooseStart, labelStartPool, type StartPool } from "../../attacks/start.js";
import { runAttack } from "../../attacks/run.js";
import type { Norm } from "../../attacks/types.js";
import { imageAt, loadData, type LabeledImages, type Selection } from "../../data/index.js";
import type { Classifier, ImageShape } from "../../model/classifier.js";
import { distortionAt, LabelOnlyOracle } from "../../oracle/labelOnly.js";
import { verifyAdversarial } from "../../oracle/verify.js";
import { createRandom } from "../../rng/index.js";
import { SmoothedClassifier } from "../../smoothing/index.js";
import { checkModelData, loadModel } from "../../zoo/index.js";
import { finiteJson } from "../../io/json.js";
import { checkOut } from "../output.js";
import { parseChoice, parseNumber, printJson, RULES, UsageError } from "../args.js";

/** Defaults of `rsbench attack`. */
export const ATTACK_COMMAND_DEFAULTS = Object.freeze({
  /** Queries per image: the paper's budget (PAPER.md Sect. 4, "2000 queries each"). */
  queries: 2000,
  /** Noise draws of g(sigma, n) when --sigma is given: the paper's smallest n (PAPER.md Sect. 4). */
  n: 10,
  /** Level Pa of eq. (4): the majority rule, the paper's first level (PAPER.md Sect. 4). */
  pa: 0.5,
  seed: 0,
  /**
   * Repeats of the check of the final adversarial point against PAPER.md eq. (4) when --sigma is
   * given (0 without it): 100 fresh votes of g(sigma, n) estimate P[g(x_a) != y] to about +-0.05
   * (binomial standard error at most 0.05), enough to tell a lucky point (rate well below Pa) from
   * a real one; rsbench choice.
   */
  verify: 100,
  /** Budgets at which the summary reads the distortion off the traces (plus the full budget). */
  checkpoints: [500, 1000] as readonly number[],
});

/** Keys of the per-image random streams: createRandom(seed, image index, stream). */
export const ATTACK_STREAMS = Object.freeze({
  /** Noise of g(sigma, n) when checking that the image is correctly classified. */
  classify: 0,
  /** Noise of g(sigma, n) answering the attack's queries. */
  oracle: 1,
  /** The attack's own randomness. */
  attack: 2,
  /** Uniform-noise probes of `--start auto`. */
  start: 3,
  /** Noise of g(sigma, n) checking the final adversarial point against eq. (4) (`--verify`). */
  verify: 4,
});

/** The resolved configuration of one `rsbench attack` run. */
export interface AttackRunConfig {
  readonly model: string;
  readonly data: string;
  readonly attack: AttackName;
  readonly norm: Norm;
  readonly queries: number;
  /** RS noise level, or null to attack the base model. */
  readonly sigma: number | null;
  readonly n: number | null;
  readonly pa: number;
  readonly selection: Selection;
  readonly seed: number;
  /** Where the attack starts: from the nearest pool image of another class, or on its own. */
  readonly start: StartKind;
  /** Repeats of the eq. (4) check of each final adversarial point; 0: no check. */
  readonly verify: number;
}

/** Best distortions after `queries` queries (Infinity: nothing adversarial yet). */
export interface DistortionCheckpoint {
  readonly queries: number;
  readonly l2: number;
  readonly linf: number;
}

/** One attacked image (a correctly classified one). */
export interface AttackedImage {
  readonly status: "attacked";
  /** Index of the image in its dataset split (or folder listing). */
  readonly index: number;
  readonly label: number;
  readonly success: boolean;
  /** Best L2 and Linf distortions over the whole budget (Infinity when unsuccessful). */
  readonly l2: number;
  readonly linf: number;
  readonly queries: number;
  /** Base-model forward passes spent answering the attack's queries. */
  readonly forwardPasses: number;
  readonly checkpoints: readonly DistortionCheckpoint[];
  readonly iterations: number;
  readonly stopReason: string;
  readonly anomalies: Record<string, number>;
  /** Dataset index of the starting image (`--start data`), or null when the attack started on its own. */
  readonly start: number | null;
  /**
   * The check of the final adversarial point (in the attack's norm) against PAPER.md eq. (4):
   * share `rate` of `repeats` fresh calls of the defended classifier on it that differ from the
   * label, `verified` = rate >= Pa. Outside the budget, own noise stream. null: not run (--verify 0
   * or no adversarial point).
   */
  readonly verification: { readonly repeats: number; readonly rate: number; readonly verified: boolean } | null;
  readonly seed: number;
  readonly seconds: number;
}

/** An image left out because the (defended) classifier already gets it wrong. */
export interface SkippedImage {
  readonly status: "misclassified";
  readonly index: number;
  readonly label: number;
  readonly predicted: number;
}

export type AttackImageRecord = AttackedImage | SkippedImage;

/** Success and distortion statistics at one budget, over the attacked images. */
export interface BudgetSummary {
  readonly queries: number;
  /** Share of attacked images with an adversarial point within this budget. */
  readonly success: number;
  /** Mean and median over the images successful within this budget (NaN when none). */
  readonly meanL2: number;
  readonly medianL2: number;
  readonly meanLinf: number;
  readonly medianLinf: number;
}

export interface AttackSummary {
  readonly attack: AttackName;
  readonly norm: Norm;
  readonly model: string;
  readonly data: string;
  readonly sigma: number | null;
  readonly n: number | null;
  readonly pa: number;
  readonly budget: number;
  /** Repeats of the eq. (4) check per final point (0: none). */
  readonly verify: number;
  readonly seed: number;
  readonly start: StartKind;
  /** Images loaded, attacked (correctly classified) and skipped (misclassified). */
  readonly images: number;
  readonly attempted: number;
  readonly skipped: readonly SkippedImage[];
  /** Success rate over the attempted images, at the full budget. */
  readonly success: number;
  /**
   * Share of the attempted images whose final adversarial point is verified at level Pa by
   * eq. (4) (`--verify`), or null without the check. Always at most `success`.
   */
  readonly verified: number | null;
  /** Mean and median L2 over the verified successes only (NaN when none). */
  readonly meanL2Verified: number;
  readonly medianL2Verified: number;
  readonly meanL2: number;
  readonly medianL2: number;
  readonly meanLinf: number;
  readonly medianLinf: number;
  /** Total oracle queries and base forward passes of the attacks (classification checks excluded). */
  readonly queries: number;
  readonly forwardPasses: number;
  readonly meanQueries: number;
  readonly meanForwardPasses: number;
  /** The same statistics at 500, 1000 and the full budget (those not above it). */
  readonly checkpoints: readonly BudgetSummary[];
  readonly anomalies: Record<string, number>;
  readonly seconds: number;
}

/** Mean of the finite values (NaN when there are none). */
function finiteMean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
}

/** Median of the finite values (NaN when there are none). */
function finiteMedian(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/** The budgets of the summary: 500, 1000 (when below the budget) and the budget itself. */
export function checkpointBudgets(budget: number): number[] {
  return [...ATTACK_COMMAND_DEFAULTS.checkpoints.filter((q) => q < budget), budget];
}

/** Summarises the records of one run (the success rates are over the attacked images). */
export function summarize(config: AttackRunConfig, records: readonly AttackImageRecord[], seconds: number): AttackSummary {
  const attacked = records.filter((r): r is AttackedImage => r.status === "attacked");
  const skipped = records.filter((r): r is SkippedImage => r.status === "misclassified");
  const atBudget = (q: number): BudgetSummary => {
    const rows = attacked.map((r) => r.checkpoints.find((c) => c.queries === q) ?? { queries: q, l2: Infinity, linf: Infinity });
    const l2 = rows.map((c) => c.l2), linf = rows.map((c) => c.linf);
    return {
      queries: q,
      success: attacked.length ? l2.filter(Number.isFinite).length / attacked.length : NaN,
      meanL2: finiteMean(l2),
      medianL2: finiteMedian(l2),
      meanLinf: finiteMean(linf),
      medianLinf: finiteMedian(linf),
    };
  };
  const checkpoints = checkpointBudgets(config.queries).map(atBudget);
  const full = checkpoints[checkpoints.length - 1];
  const anomalies: Record<string, number> = {};
  for (const r of attacked) for (const [k, v] of Object.entries(r.anomalies)) anomalies[k] = (anomalies[k] ?? 0) + v;
  const queries = attacked.reduce((a, r) => a + r.queries, 0);
  const forwardPasses = attacked.reduce((a, r) => a + r.forwardPasses, 0);
  const verifiedL2 = attacked.filter((r) => r.verification?.verified).map((r) => r.l2);
  return {
    attack: config.attack,
    norm: config.norm,
    model: config.model,
    data: config.data,
    sigma: config.sigma,
    n: config.n,
    pa: config.pa,
    budget: config.queries,
    verify: config.verify,
    seed: config.seed,
    start: config.start,
    images: records.length,
    attempted: attacked.length,
    skipped,
    success: attacked.length ? attacked.filter((r) => r.success).length / attacked.length : NaN,
    verified: config.verify === 0 ? null : attacked.length ? verifiedL2.length / attacked.length : NaN,
    meanL2Verified: finiteMean(verifiedL2),
    medianL2Verified: finiteMedian(verifiedL2),
    meanL2: full.meanL2,
    medianL2: full.medianL2,
    meanLinf: full.meanLinf,
    medianLinf: full.medianLinf,
    queries,
    forwardPasses,
    meanQueries: attacked.length ? queries / attacked.length : NaN,
    meanForwardPasses: attacked.length ? forwardPasses / attacked.length : NaN,
    checkpoints,
    anomalies,
    seconds,
  };
}

/** The classifier the attacker faces for image `index`: the base model, or g(sigma, n) with the image's noise stream. */
function defended(base: Classifier, config: AttackRunConfig, index: number, stream: number): Classifier {
  if (config.sigma === null) return base;
  return new SmoothedClassifier(base, { sigma: config.sigma, n: config.n!, random: createRandom(config.seed, index, stream) });
}

/**
 * Attacks one image if the defended classifier gets it right. Every random stream is derived from
 * (seed, dataset index), so a record does not depend on which other images run or in what order.
 */
export async function attackImage(
  base: Classifier,
  set: LabeledImages,
  i: number,
  config: AttackRunConfig,
  pool: StartPool | null = null,
): Promise<AttackImageRecord> {
  const index = set.indices[i], label = set.labels[i];
  const image = imageAt(set, i);
  const predicted = (await defended(base, config, index, ATTACK_STREAMS.classify).predict(image, 1))[0];
  if (predicted !== label) return { status: "misclassified", index, label, predicted };
  const entry = attackEntry(config.attack);
  const k = await chooseStart(config.start, base, image, label, pool, createRandom(config.seed, index, ATTACK_STREAMS.start));
  const oracle = new LabelOnlyOracle(defended(base, config, index, ATTACK_STREAMS.oracle), image, label, { budget: config.queries, pa: config.pa });
  const result = await runAttack(oracle, {
    name: config.attack,
    attack: entry.attack,
    options: entry.optionsFor(config.norm),
    norm: config.norm,
    random: createRandom(config.seed, index, ATTACK_STREAMS.attack),
    startingPoint: k >= 0 ? pool!.images.subarray(k * image.length, (k + 1) * image.length) : undefined,
  });
  // The experimenter's check of eq. (4), after the attack and outside its budget, on its own noise stream.
  let verification: AttackedImage["verification"] = null;
  if (config.verify > 0 && result.adversarial !== null) {
    const v = await verifyAdversarial(defended(base, config, index, ATTACK_STREAMS.verify), result.adversarial, label, { repeats: config.verify, pa: config.pa });
    verification = { repeats: v.repeats, rate: v.rate, verified: v.verified };
  }
  return {
    status: "attacked",
    index,
    label,
    success: result.success,
    l2: result.l2,
    linf: result.linf,
    queries: result.queries,
    forwardPasses: result.forwardPasses,
    checkpoints: checkpointBudgets(config.queries).map((q) => ({
      queries: q,
      l2: distortionAt(result.trace, q, "l2"),
      linf: distortionAt(result.trace, q, "linf"),
    })),
    iterations: result.iterations,
    stopReason: result.stopReason,
    anomalies: result.anomalies,
    start: k >= 0 ? pool!.indices[k] : null,
    verification,
    seed: config.seed,
    seconds: result.seconds,
  };
}

/** The starting-point pool of `model` on the attacked dataset (labelStartPool). */
function startingPool(model: Classifier, data: string, shape?: ImageShape, resize?: boolean): Promise<StartPool> {
  return labelStartPool(model, (count) => loadData(data, { selection: count === undefined ? {} : { count }, shape, resize }));
}

/** Flags as commander hands them over (strings). */
export interface AttackFlags {
  model: string;
  data: string;
  attack: string;
  norm?: string;
  queries: string;
  sigma?: string;
  n?: string;
  pa?: string;
  count?: string;
  offset?: string;
  sample?: string;
  seed: string;
  verify?: string;
  out?: string;
  start?: string;
  resize?: boolean;
  json?: boolean;
}

/** Validates the flags into a run configuration (UsageError naming the flag otherwise). */
export function resolveConfig(flags: AttackFlags): AttackRunConfig {
  const attack = parseChoice("--attack", flags.attack, ATTACK_NAMES);
  const entry = attackEntry(attack);
  const norm = flags.norm === undefined ? entry.defaultNorm : parseChoice("--norm", flags.norm, entry.norms);
  const queries = parseNumber("--queries", flags.queries, RULES.count);
  if (flags.sigma === undefined && (flags.n !== undefined || flags.pa !== undefined)) {
    throw new UsageError(`invalid ${flags.n !== undefined ? "--n" : "--pa"}: it sets g(sigma, n) and needs --sigma`);
  }
  const sigma = flags.sigma === undefined ? null : parseNumber("--sigma", flags.sigma, RULES.sigma);
  const n = sigma === null ? null : flags.n === undefined ? ATTACK_COMMAND_DEFAULTS.n : parseNumber("--n", flags.n, RULES.n);
  const pa = flags.pa === undefined ? ATTACK_COMMAND_DEFAULTS.pa : parseNumber("--pa", flags.pa, RULES.pa);
  if (flags.count !== undefined && flags.sample !== undefined) {
    throw new UsageError("invalid --sample: expected either --count or --sample, got both");
  }
  const seed = parseNumber("--seed", flags.seed, RULES.seed);
  const offset = flags.offset === undefined ? undefined : parseNumber("--offset", flags.offset, { min: 0, integer: true });
  const selection: Selection =
    flags.count !== undefined ? { count: parseNumber("--count", flags.count, RULES.count), offset }
    : flags.sample !== undefined ? { sample: parseNumber("--sample", flags.sample, RULES.count), seed, offset }
    : { offset };
  const start = flags.start === undefined ? entry.defaultStart : parseChoice("--start", flags.start, START_KINDS);
  const verify = flags.verify === undefined
    ? (sigma === null ? 0 : ATTACK_COMMAND_DEFAULTS.verify)
    : parseNumber("--verify", flags.verify, { min: 0, integer: true });
  return { model: flags.model, data: flags.data, attack, norm, queries, sigma, n, pa, selection, seed, start, verify };
}


function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : "-";
}

function summaryText(s: AttackSummary): string {
  const defense = s.sigma === null ? "no RS" : `RS sigma=${s.sigma} n=${s.n} Pa=${s.pa}`;
  const lines = [
    `${s.attack} (${s.norm}, start: ${s.start}) on ${s.model}, ${s.data}, ${defense}, ${s.budget} queries, seed ${s.seed}`,
    `images: ${s.images}, attacked: ${s.attempted}, skipped (misclassified): ${s.skipped.length}` +
      (s.skipped.length ? ` [${s.skipped.map((r) => r.index).join(", ")}]` : ""),
    `success: ${(100 * s.success).toFixed(1)}%`,
    ...(s.verified === null ? [] : [
      `verified at level Pa=${s.pa} by eq. (4) (${s.verify} fresh votes, outside the budget): ${(100 * s.verified).toFixed(1)}%, ` +
        `mean L2 ${fmt(s.meanL2Verified)}, median L2 ${fmt(s.medianL2Verified)} (verified successes only)`,
    ]),
    "queries   success   mean L2   median L2   mean Linf   median Linf",
    ...s.checkpoints.map((c) =>
      `${String(c.queries).padStart(7)}   ${(100 * c.success).toFixed(1).padStart(6)}%   ${fmt(c.meanL2).padStart(7)}   ${fmt(c.medianL2).padStart(9)}   ${fmt(c.meanLinf).padStart(9)}   ${fmt(c.medianLinf).padStart(11)}`),
    `queries: ${s.queries} (${s.meanQueries.toFixed(1)} per image), forward passes: ${s.forwardPasses} (${s.meanForwardPasses.toFixed(1)} per image)`,
  ];
  const anomalies = Object.entries(s.anomalies);
  if (anomalies.length) lines.push(`anomalies: ${anomalies.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  lines.push(`time: ${s.seconds.toFixed(1)} s`);
  return lines.join("\n") + "\n";
}

/** Registers `rsbench attack`. */
export function register(program: Command): void {
  program
    .command("attack")
    .description("Attack each correctly classified image with a decision-based attack through a label-only oracle with a query budget; summarise success and distortion.")
    .requiredOption("--model <model>", "shipped model name or path of an ONNX model")
    .requiredOption("--data <data>", "dataset: fashion-mnist[:test|:train], mnist[...], or a class-per-subfolder folder")
    .requiredOption("--attack <attack>", `attack: ${ATTACK_NAMES.join(", ")}`)
    .option("--norm <norm>", "norm the attack minimises: l2 or linf (defaults to the attack's own: l2 for hsja and surfree, linf for rays)")
    .option("--queries <queries>", "query budget per image", String(ATTACK_COMMAND_DEFAULTS.queries))
    .option("--sigma <sigma>", "attack g(sigma, n), the smoothed classifier with Gaussian noise of this std in pixel units")
    .option("--n <n>", `noise draws of g(sigma, n) per query (needs --sigma; defaults to ${ATTACK_COMMAND_DEFAULTS.n})`)
    .option("--pa <pa>", `level Pa: a query is adversarial when at least ceil(n Pa) draws are wrong (needs --sigma; defaults to ${ATTACK_COMMAND_DEFAULTS.pa})`)
    .option("--verify <repeats>", `after each attack, check its final point against the paper's eq. (4), P[g(x_a) != y] >= Pa, with R fresh calls of the defended classifier (outside the budget); 0: no check (defaults to ${ATTACK_COMMAND_DEFAULTS.verify} with --sigma, 0 without)`)
    .option("--count <count>", "attack the first C images (defaults to all)")
    .option("--offset <offset>", "skip the first O images of the split before selecting")
    .option("--sample <count>", "attack C images drawn at random with --seed")
    .option("--seed <seed>", "seed of every random stream (noise, attack, sample)", String(ATTACK_COMMAND_DEFAULTS.seed))
    .option("--start <start>", "own: the attack's own initialisation; data: the nearest of the first 100 images that the model puts in another class; auto: own, unless 10 uniform-noise images all keep the original's label, then data (defaults: auto for hsja and surfree, own for rays)")
    .option("--resize", "resize the images to the model's input shape")
    .option("--out <file>", "write one JSON record per image to FILE as it finishes (JSON lines)")
    .option("--json", "print one JSON object {summary, images} instead of the text summary")
    .addHelpText("after", "\nExample:\n  rsbench attack --model fashion-mnist-standard --data fashion-mnist --attack rays --count 10 --queries 2000 --sigma 0.25 --n 10")
    .action(async (flags: AttackFlags) => {
      const config = resolveConfig(flags);
      checkOut(flags.out, { model: flags.model, data: flags.data });
      const start = performance.now();
      const loaded = await loadModel(config.model);
      const model = loaded.classifier;
      const shape = flags.resize ? model.shape : undefined;
      const set = await loadData(config.data, { selection: config.selection, shape, resize: flags.resize }).catch((error: unknown) => {
        throw error instanceof RangeError ? new UsageError(error.message) : error; // e.g. --count above the images available
      });
      checkModelData(loaded, set);
      const pool = config.start === "own" ? null : await startingPool(model, config.data, shape, flags.resize);
      const out = flags.out === undefined ? null : openSync(flags.out, "w");
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar({
            stream: process.stderr,
            format: `${config.attack} |{bar}| {value}/{total} images | success {success} | median L2 {median}`,
          }, cliProgress.Presets.shades_classic)
        : null;
      bar?.start(set.count, 0, { success: "-", median: "-" });
      const records: AttackImageRecord[] = [];
      try {
        for (let i = 0; i < set.count; i++) {
          const record = await attackImage(model, set, i, config, pool);
          records.push(record);
          if (out !== null) writeSync(out, JSON.stringify(record, finiteJson) + "\n");
          if (bar) {
            const s = summarize(config, records, 0);
            bar.update(i + 1, { success: s.attempted ? `${(100 * s.success).toFixed(0)}%` : "-", median: fmt(s.medianL2) });
          }
        }
      } finally {
        bar?.stop();
        if (out !== null) closeSync(out);
      }
      const summary = summarize(config, records, (performance.now() - start) / 1000);
      if (flags.json) {
        printJson({ summary, images: records.filter((r) => r.status === "attacked") });
      } else {
        process.stdout.write(summaryText(summary));
      }
    });
}
