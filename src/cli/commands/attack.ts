import type { Command } from "commander";
import { attackImageWithPoints } from "../../attacks/pipeline.js";
import { mkdirSync } from "node:fs";
import { writeAttackPoints } from "../../io/npy.js";
import { attackOptionProblems } from "../../attacks/options.js";
import { ascendingBudgets, defensePointId, mayBeRandom, type AttackRecord, type AttackSpec, type DefenseRef } from "../../attacks/record.js";
import { ATTACK_NAMES, attackEntry, defaultStart, START_KINDS, type AttackName } from "../../attacks/registry.js";
import { labelStartPool, type StartPool } from "../../attacks/start.js";
import { summarizeAttacks, type AttackStatistics } from "../../attacks/summary.js";
import { fileAt, imageAt, withFile, loadData, readClassMap, type ClassMap, type Selection } from "../../data/index.js";
import type { Classifier, ImageShape } from "../../model/classifier.js";
import { HttpClassifier, RemoteError } from "../../model/http.js";
import { checkModelData, loadModel } from "../../zoo/index.js";
import { checkOut, RowFile, warn } from "../output.js";
import { CLASS_MAP_HELP } from "./certify.js";
import { loadingInputs, parseChoice, parseNumber, parseNumberList, printJson, RULES, UsageError } from "../args.js";
import { integerAtLeast } from "../../stats/validate.js";
import { CONFIG_DEFAULTS, VERIFICATION_RULES } from "../../experiments/plan/config.js";
import { remoteDefensePoint } from "../../experiments/plan/grid.js";
import { DEFAULT_ORACLE_RULE, ORACLE_RULE_FORMS, oracleRuleOf, type OracleRule } from "../../oracle/rule.js";
import { deviceFlag, deviceOption, modelFlags } from "../device.js";
import { logInterval, progress, PROGRESS_DEFAULTS, QUIET_HELP } from "../progress.js";

/** Defaults of `rsbench attack`. */
export const ATTACK_COMMAND_DEFAULTS = Object.freeze({
  /** Queries per image: the paper's budget (docs/paper.md, protocol: "2000 queries each"). */
  queries: 2000,
  /** Noise draws of g(sigma, n) when --sigma is given: the paper's smallest n (docs/paper.md, protocol). */
  n: 10,
  /** Level Pa of eq. (4): the majority rule, the paper's first level (docs/paper.md, protocol). */
  pa: 0.5,
  seed: 0,
  /**
   * Repeats of the check of the final adversarial point against eq. (4) when --sigma or --target
   * is given (never against a local model without RS): 100 fresh votes of g(sigma, n) estimate P[g(x_a) != y] to about +-0.05
   * (binomial standard error at most 0.05), enough to tell a lucky point (rate well below Pa) from
   * a real one; rsbench choice. A config's attacks[].verify defaults to 0 instead. With the
   * sequential test it is the most calls R: it usually stops well before.
   */
  verify: 100,
  /**
   * How the check decides: the sequential test (src/oracle/verify.ts verifySequential), issue 12.
   * A config's attacks[].verification defaults to the paper grid's point estimate ("estimate")
   * instead: pass --verification estimate to reproduce such records.
   */
  verification: "sequential" as (typeof VERIFICATION_RULES)[number],
  /** Error of each wrong answer of the sequential test (a config's attacks[].verifyAlpha default). */
  verifyAlpha: CONFIG_DEFAULTS.verifyAlpha,
  /**
   * Harden each final point (src/oracle/harden.ts) when --sigma or --target is given with the
   * sequential test (never against a local model without RS, or with --verification estimate or
   * --verify 0, unless --harden insists and is refused): every success against a smoothed defense
   * or a remote endpoint then gets a hardened distortion or a reason, issue 12. A config's attacks[].harden defaults to false instead. --no-harden turns it off.
   */
  harden: true,
  /** Most calls of g per hardened point (a config's attacks[].hardenCalls default). */
  hardenCalls: CONFIG_DEFAULTS.hardenCalls,
  /**
   * The oracle's rule with --sigma (src/oracle/rule.ts): "label", what a real label-only attacker
   * sees (one call's majority label differs from y), issue 12. A config's defenses[].oracle
   * defaults to the paper's "shortcut" instead: pass --oracle shortcut to reproduce its records.
   */
  oracle: "label" as OracleRule,
  /** Names of the defense point (the random streams are keyed by it, as a config's defenses[].name). */
  defense: { none: "none", smoothed: "rs", remote: "remote" },
  /** The oracle's rule with --target: "label" (a remote endpoint answers labels only; "shortcut" is refused). */
  remoteOracle: "label" as OracleRule,
  /** Seconds between progress lines when stderr is not a terminal (RSBENCH_PROGRESS_INTERVAL overrides it). */
  logInterval: PROGRESS_DEFAULTS.interval,
});

/** The resolved configuration of one `rsbench attack` run. */
export interface AttackRunConfig {
  readonly model: string;
  readonly data: string;
  readonly selection: Selection;
  readonly seed: number;
  /** The defense point, as a run record names it (kind "none" or "rs", drop null). */
  readonly defense: DefenseRef;
  /** The attack, as a config's attacks[] entry. */
  readonly attack: AttackSpec;
}

/** What `rsbench attack --json` prints: the summary, and the records of the attacked images. */
export interface AttackSummary extends AttackStatistics {
  readonly attack: string;
  readonly norm: string;
  readonly model: string;
  readonly data: string;
  readonly defense: string;
  readonly sigma: number | null;
  readonly n: number | null;
  readonly pa: number | null;
  /** The oracle's rule (null without --sigma: one call, one label). */
  readonly oracle: OracleRule | null;
  /** Attack steps over all images, when the records carry them (every rule but shortcut); else null. */
  readonly steps: number | null;
  readonly budget: number;
  readonly start: string;
  /** Most calls of the eq. (4) check per final point (0: none). */
  readonly verify: number;
  /** How the check decided ("estimate" or "sequential"), and the test's error (null for the estimate). */
  readonly verification: (typeof VERIFICATION_RULES)[number];
  readonly verifyAlpha: number | null;
  /** Whether final points were hardened, and the most calls of g per hardened point (null without hardening). */
  readonly harden: boolean;
  readonly hardenCalls: number | null;
  /** Shares of the attacked images whose check said "refuted" and "undecided" (sequential test only; null otherwise). */
  readonly refuted: number | null;
  readonly undecided: number | null;
  readonly seed: number;
  readonly seconds: number;
}

/** Share of the attacked images whose sequential check answered `status` (null without the sequential test). */
function statusShare(records: readonly AttackRecord[], status: "refuted" | "undecided", attack: AttackSpec): number | null {
  const attacked = records.filter((r) => r.status === "attacked");
  if (attack.verification !== "sequential" || attack.verify === 0 || attacked.length === 0 || !attacked.some((r) => r.verification !== null)) return null;
  return attacked.filter((r) => r.verification !== null && "status" in r.verification && r.verification.status === status).length / attacked.length;
}

/** The summary of the records of one run. */
export function summarize(config: AttackRunConfig, records: readonly AttackRecord[], seconds: number): AttackSummary {
  const { defense, attack } = config;
  return {
    attack: attack.name, norm: attack.norm, model: config.model, data: config.data,
    defense: defense.id, sigma: defense.sigma, n: defense.n, pa: defense.pa,
    oracle: defense.oracle ?? (defense.sigma === null ? null : DEFAULT_ORACLE_RULE),
    steps: records.some((r) => r.steps !== undefined) ? records.reduce((a, r) => a + (r.steps ?? 0), 0) : null,
    budget: attack.budget, start: attack.start, verify: attack.verify, seed: config.seed,
    verification: attack.verification ?? "estimate", verifyAlpha: attack.verifyAlpha ?? null,
    harden: attack.harden === true, hardenCalls: attack.hardenCalls ?? null,
    refuted: statusShare(records, "refuted", attack), undecided: statusShare(records, "undecided", attack),
    ...summarizeAttacks(records, { budget: attack.budget, checked: mayBeRandom(defense) && attack.verify > 0 }),
    seconds,
  };
}

/** Flags as commander hands them over (strings). */
export interface AttackFlags {
  model?: string;
  /** URL of a label-only endpoint (rsbench serve) attacked instead of --model. */
  target?: string;
  /** Bearer key for --target (defaults to the RSBENCH_KEY environment variable). */
  key?: string;
  data: string;
  classMap?: string;
  attack: string;
  norm?: string;
  queries: string;
  sigma?: string;
  n?: string;
  pa?: string;
  oracle?: string;
  defense?: string;
  options?: string;
  count?: string;
  offset?: string;
  sample?: string;
  seed: string;
  verify?: string;
  verification?: string;
  verifyAlpha?: string;
  harden?: boolean;
  hardenCalls?: string;
  hardenAt?: string;
  save?: string;
  out?: string;
  start?: string;
  resize?: boolean;
  json?: boolean;
  quiet?: boolean;
  device?: string;
}

const NAME_PATTERN = /^[A-Za-z0-9._%+-]+$/;

/** The attack options of --options (a JSON object), checked like a config's attacks[].options. */
function parseOptions(attack: AttackName, norm: AttackSpec["norm"], text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`invalid --options: expected a JSON object, got ${JSON.stringify(text)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UsageError(`invalid --options: expected a JSON object, got ${JSON.stringify(text)}`);
  const problems = attackOptionProblems(attackEntry(attack), norm, value as Record<string, unknown>, "--options");
  if (problems.length) throw new UsageError(`invalid ${problems.join("; ")}`);
  return value as Record<string, unknown>;
}

/** Validates the flags into a run configuration (UsageError naming the flag otherwise). */
export function resolveConfig(flags: AttackFlags): AttackRunConfig {
  if (flags.target !== undefined) return resolveRemote(flags);
  if (flags.model === undefined) throw new UsageError("expected --model (a model to attack in-process) or --target (the URL of a label-only endpoint), got neither");
  if (flags.key !== undefined) throw new UsageError("invalid --key: it authenticates to --target, which is not given");
  return resolveLocal(flags as AttackFlags & { model: string });
}

/**
 * The run configuration against a remote label-only endpoint: the defense is the server's (no
 * local --sigma), the oracle's rule is "label" or "repeat:K" at level --pa; "shortcut" reads vote
 * counts a remote endpoint does not return.
 */
function resolveRemote(flags: AttackFlags): AttackRunConfig {
  if (flags.model !== undefined) throw new UsageError("invalid --model: --target attacks a remote endpoint; give one of --model and --target");
  const local = (["sigma", "n"] as const).find((f) => flags[f] !== undefined);
  if (local) throw new UsageError(`invalid --${local.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: it sets a local g(sigma, n), but --target attacks the server's own defense`);
  const oracle = flags.oracle === undefined ? ATTACK_COMMAND_DEFAULTS.remoteOracle : oracleRuleOf(flags.oracle);
  if (oracle === undefined) throw new UsageError(`invalid --oracle: expected ${ORACLE_RULE_FORMS}, got ${JSON.stringify(flags.oracle)}`);
  if (oracle === "shortcut") {
    throw new UsageError('invalid --oracle shortcut with --target: the shortcut reads the n vote counts of g(sigma, n), and a label-only endpoint returns labels only; use --oracle label (the default) or repeat:K');
  }
  const pa = flags.pa === undefined ? ATTACK_COMMAND_DEFAULTS.pa : parseNumber("--pa", flags.pa, RULES.pa);
  const name = flags.defense ?? ATTACK_COMMAND_DEFAULTS.defense.remote;
  const base = resolveLocal({ ...flags, model: flags.target!, defense: name, oracle: undefined, pa: undefined }, true);
  return { ...base, defense: remoteDefensePoint(name, flags.target!, pa, oracle) };
}

/**
 * The run configuration of an in-process model, or (`remote`) the fields it shares with a remote
 * endpoint's: the check of eq. (4) and hardening run where answers may be random, that is with
 * --sigma or against --target (whose defense is the server's, unknown to the attacker).
 */
function resolveLocal(flags: AttackFlags & { model: string }, remote = false): AttackRunConfig {
  const name = parseChoice("--attack", flags.attack, ATTACK_NAMES);
  const entry = attackEntry(name);
  const norm = flags.norm === undefined ? entry.defaultNorm : parseChoice("--norm", flags.norm, entry.norms);
  const budget = parseNumber("--queries", flags.queries, RULES.budget);
  if (flags.sigma === undefined && !remote) {
    const needsSigma = (["n", "pa", "oracle", "verify", "verification", "verifyAlpha"] as const).find((f) => flags[f] !== undefined);
    if (needsSigma) throw new UsageError(`invalid --${needsSigma.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: it sets g(sigma, n) and needs --sigma`);
  }
  const sigma = flags.sigma === undefined ? null : parseNumber("--sigma", flags.sigma, RULES.sigma);
  const n = sigma === null ? null : flags.n === undefined ? ATTACK_COMMAND_DEFAULTS.n : parseNumber("--n", flags.n, RULES.n);
  const pa = sigma === null ? null : flags.pa === undefined ? ATTACK_COMMAND_DEFAULTS.pa : parseNumber("--pa", flags.pa, RULES.pa);
  const oracle = sigma === null ? null : flags.oracle === undefined ? ATTACK_COMMAND_DEFAULTS.oracle : oracleRuleOf(flags.oracle);
  if (oracle === undefined) throw new UsageError(`invalid --oracle: expected ${ORACLE_RULE_FORMS}, got ${JSON.stringify(flags.oracle)}`);
  if (flags.count !== undefined && flags.sample !== undefined) {
    throw new UsageError("invalid --sample: expected either --count or --sample, got both");
  }
  const seed = parseNumber("--seed", flags.seed, RULES.seed);
  const offset = flags.offset === undefined ? undefined : parseNumber("--offset", flags.offset, RULES.index);
  const selection: Selection =
    flags.count !== undefined ? { count: parseNumber("--count", flags.count, RULES.count), offset }
    : flags.sample !== undefined ? { sample: parseNumber("--sample", flags.sample, RULES.count), seed, offset }
    : { offset };
  const start = flags.start === undefined ? defaultStart(entry) : parseChoice("--start", flags.start, START_KINDS);
  const checkable = sigma !== null || remote;
  const verify = !checkable ? 0 : flags.verify === undefined ? ATTACK_COMMAND_DEFAULTS.verify : parseNumber("--verify", flags.verify, RULES.votes);
  const defenseName = flags.defense ?? (sigma === null ? ATTACK_COMMAND_DEFAULTS.defense.none : ATTACK_COMMAND_DEFAULTS.defense.smoothed);
  if (!NAME_PATTERN.test(defenseName)) throw new UsageError(`invalid --defense: expected a name of letters, digits and . _ % + -, got ${JSON.stringify(defenseName)}`);
  const defense: DefenseRef = {
    id: defensePointId(defenseName, sigma === null ? null : { n: n!, pa: pa!, oracle: oracle! }),
    name: defenseName, kind: sigma === null ? "none" : "rs", model: flags.model, sigma, drop: null, n, pa,
    ...(oracle === null || oracle === DEFAULT_ORACLE_RULE ? {} : { oracle }),
  };
  const options = parseOptions(name, norm, flags.options);
  const verification = flags.verification === undefined ? ATTACK_COMMAND_DEFAULTS.verification : parseChoice("--verification", flags.verification, VERIFICATION_RULES);
  if (verification === "estimate" && flags.verifyAlpha !== undefined) throw new UsageError("invalid --verify-alpha: only with --verification sequential (the point estimate has no error level)");
  const verifyAlpha = flags.verifyAlpha === undefined ? ATTACK_COMMAND_DEFAULTS.verifyAlpha : parseNumber("--verify-alpha", flags.verifyAlpha, RULES.alpha);
  // As a config spells it: the point estimate is the absence of the field.
  const check = checkable && verification === "sequential" ? { verification, verifyAlpha } : {};
  // Hardening confirms with the sequential test: on by default where it can run, refused where asked
  // and it cannot. Without --sigma or --target there is nothing to harden: --harden then only writes
  // `hardened: null`, as a config's attack with harden does against a local defense without RS.
  const canHarden = checkable && verification === "sequential" && verify > 0;
  if (flags.harden === true && checkable && !canHarden) throw new UsageError("invalid --harden: it confirms hardened points with the sequential test, so it needs --verification sequential and --verify >= 1");
  const harden = flags.harden ?? (canHarden && ATTACK_COMMAND_DEFAULTS.harden);
  if (flags.hardenCalls !== undefined && !harden) throw new UsageError("invalid --harden-calls: only with hardening (--harden, on by default with --sigma or --target and the sequential test)");
  const hardenCalls = flags.hardenCalls === undefined ? ATTACK_COMMAND_DEFAULTS.hardenCalls : parseNumber("--harden-calls", flags.hardenCalls, RULES.budget);
  if (flags.hardenAt !== undefined && !harden) throw new UsageError("invalid --harden-at: only with hardening (--harden, on by default with --sigma or --target and the sequential test)");
  const hardenAt = flags.hardenAt === undefined ? undefined : parseNumberList("--harden-at", flags.hardenAt, { ...integerAtLeast(1), max: budget - 1 });
  if (hardenAt !== undefined && !ascendingBudgets(hardenAt)) throw new UsageError(`invalid --harden-at: expected budgets in ascending order, got ${JSON.stringify(flags.hardenAt)}`);
  const hardening = harden ? { harden: true as const, hardenCalls, ...(hardenAt === undefined ? {} : { hardenAt }) } : {};
  return { model: flags.model, data: flags.data, selection, seed, defense, attack: { name, norm, budget, options, start, verify, ...check, ...hardening } };
}

function fmt(x: number | null): string {
  return x !== null && Number.isFinite(x) ? x.toFixed(4) : "-";
}

function pct(x: number | null): string {
  return x === null ? "-" : `${(100 * x).toFixed(1)}%`;
}

function summaryText(s: AttackSummary): string {
  const defense = s.sigma === null && s.oracle !== null ? `remote target (its own defense), oracle ${s.oracle} Pa=${s.pa} (defense "${s.defense}")`
    : s.sigma === null ? `no RS (defense "${s.defense}")` : `RS sigma=${s.sigma} n=${s.n} Pa=${s.pa}, oracle ${s.oracle} (defense "${s.defense}")`;
  const lines = [
    `${s.attack} (${s.norm}, start: ${s.start}) on ${s.model}, ${s.data}, ${defense}, ${s.budget} queries, seed ${s.seed}`,
    `images: ${s.images}, attacked: ${s.attempted}, skipped (misclassified): ${s.skipped.length}` +
      (s.skipped.length ? ` [${s.skipped.map((r) => r.image).join(", ")}]` : ""),
    s.attempted === 0 ? "success: - (no image attacked: the defense misclassifies every image)" : `success: ${pct(s.success)}`,
    ...(s.verified === null ? [] : s.verification === "sequential" ? [
      `verified at level Pa=${s.pa} by eq. (4) (sequential test, error ${s.verifyAlpha}, at most ${s.verify} fresh calls, outside the budget): ${pct(s.verified)}, ` +
        `refuted ${pct(s.refuted)}, undecided ${pct(s.undecided)}; mean L2 ${fmt(s.meanL2Verified)}, median L2 ${fmt(s.medianL2Verified)} (verified successes only); ` +
        `verification calls ${s.verificationCalls} (${fmt(s.attempted === 0 ? null : s.verificationCalls! / s.attempted)} per attacked image)`,
    ] : [
      `verified at level Pa=${s.pa} by eq. (4) (${s.verify} fresh votes, outside the budget): ${pct(s.verified)}, ` +
        `mean L2 ${fmt(s.meanL2Verified)}, median L2 ${fmt(s.medianL2Verified)} (verified successes only)`,
    ]),
    ...(s.hardened === null ? [] : [
      `hardened (nearest point outward that the sequential test verifies at level Pa=${s.pa}, error ${s.verifyAlpha}, at most ${s.hardenCalls} calls each, outside the budget): ${pct(s.hardened)}, ` +
        `mean L2 ${fmt(s.meanL2Hardened)}, median L2 ${fmt(s.medianL2Hardened)}, mean Linf ${fmt(s.meanLinfHardened)}, median Linf ${fmt(s.medianLinfHardened)} (hardened only); ` +
        `hardening calls ${s.hardeningCalls} (${fmt(s.attempted === 0 ? null : s.hardeningCalls! / s.attempted)} per attacked image)`,
    ]),
    "queries   success   mean L2   median L2   mean Linf   median Linf",
    ...s.checkpoints.map((c) =>
      `${String(c.queries).padStart(7)}   ${pct(c.success).padStart(7)}   ${fmt(c.meanL2).padStart(7)}   ${fmt(c.medianL2).padStart(9)}   ${fmt(c.meanLinf).padStart(9)}   ${fmt(c.medianLinf).padStart(11)}`),
    `queries: ${s.queries} (${fmt(s.meanQueries)} per image), forward passes: ${s.forwardPasses} (${fmt(s.meanForwardPasses)} per image)`,
    ...(s.steps === null ? [] : [`attack steps: ${s.steps} (${s.oracle === "label" ? "one call of g each" : `1 to ${s.oracle!.slice("repeat:".length)} calls of g each, counted in the queries`})`]),
    ...(s.unspentImages ? [`unspent: ${s.unspentQueries} queries on ${s.unspentImages} image(s), whose last call did not fit the budget (records: unspent)`] : []),
  ];
  const anomalies = Object.entries(s.anomalies);
  if (anomalies.length) lines.push(`anomalies: ${anomalies.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  lines.push(`time: ${s.seconds.toFixed(1)} s`);
  return lines.join("\n") + "\n";
}

/** The starting-point pool of `model` on the attacked dataset (labelStartPool), as the runner builds it. */
function startingPool(model: Classifier, data: string, shape?: ImageShape, resize?: boolean, classMap?: ClassMap): Promise<StartPool> {
  return labelStartPool(model, (count) => loadData(data, { selection: count === undefined ? {} : { count }, shape, resize, classMap }));
}

const MAPPING = `
Reproducing a record of \`rsbench run\`: this command runs the runner's per-image pipeline
(src/attacks/pipeline.ts) and writes the same record (src/attacks/record.ts). The run item
attack/<defense>/n=<n>/pa=<pa>/<attack>-<norm>/image=<i> of a config is reproduced by
  rsbench attack --model <defenses[].model> --data <data.dataset> --offset <i> --count 1
    --attack <attacks[].name> --norm <attacks[].norm> --queries <attacks[].budget>
    --options '<attacks[].options as JSON>' --start <attacks[].start> --verify <attacks[].verify>
    --verification <attacks[].verification, "estimate" when absent> [--verify-alpha <attacks[].verifyAlpha>]
    --harden --harden-calls <attacks[].hardenCalls> [--harden-at <attacks[].hardenAt, comma-separated>]
    (--no-harden when attacks[].harden is absent)
    --defense <defenses[].name> --sigma <sigma> --n <n> --pa <pa> --oracle <defenses[].oracle>
    --seed <config seed>
(without --sigma, --n, --pa, --oracle and --verify for a defense without RS, where --harden only
writes "hardened": null as the run does; --oracle is
"shortcut" for a config without defenses[].oracle, since it defaults to "label" here). <i> is the image's index in
its split; <sigma> is the number, also when the config calibrated it ({"drop": d}: read it in the
calibration record). The record is then the run's, field for field (l2, linf, queries,
forwardPasses, checkpoints, trace, verification, ...), but for seconds and the config-only fields
defense.kind ("none" or "rs" here) and defense.drop (null here). --verify defaults to 100 here
and 0 in a config; hardening is on by default here (with --sigma or --target and the sequential test) and off in a config.
Against --target the check and the hardening call the endpoint like the attack does (each call
one image, counted by the server, outside --queries), at level --pa.`;

/** Registers `rsbench attack`. */
export function register(program: Command): void {
  deviceOption(program.command("attack"))
    .description("Attack each correctly classified image with a decision-based attack through a label-only oracle with a query budget; summarise success and distortion.")
    .option("--model <model>", "shipped model name or path of an ONNX model (or --target)")
    .option("--target <url>", `attack a remote label-only endpoint (rsbench serve, docs/serve.md) instead of --model: its defense is the server's, the oracle's rule --oracle label (default) or repeat:K`)
    .option("--key <key>", "bearer key for --target (defaults to the RSBENCH_KEY environment variable, which keeps it out of the process list)")
    .requiredOption("--data <data>", "dataset: fashion-mnist[:test|:train], mnist[...], or a class-per-subfolder folder")
    .requiredOption("--attack <attack>", `attack: ${ATTACK_NAMES.join(", ")}`)
    .option("--norm <norm>", "norm the attack minimises: l2 or linf (defaults to the attack's own: l2 for hsja, surfree and psj, linf for rays)")
    .option("--queries <queries>", "query budget per image", String(ATTACK_COMMAND_DEFAULTS.queries))
    .option("--options <json>", "attack options over its DEFAULTS, as a JSON object (as a config's attacks[].options), e.g. '{\"gamma\": 2}'")
    .option("--sigma <sigma>", "attack g(sigma, n), the smoothed classifier with Gaussian noise of this std in pixel units")
    .option("--n <n>", `noise draws of g(sigma, n) per query (needs --sigma; defaults to ${ATTACK_COMMAND_DEFAULTS.n})`)
    .option("--pa <pa>", `level Pa: a query is adversarial when at least ceil(n Pa) draws are wrong (needs --sigma; defaults to ${ATTACK_COMMAND_DEFAULTS.pa})`)
    .option("--oracle <rule>", `how the oracle answers each attack step (needs --sigma; defaults to ${ATTACK_COMMAND_DEFAULTS.oracle}): label: one call's majority label differs from the original; shortcut: the paper's rule, at least ceil(n Pa) of one call's n draws are wrong (reads vote counts); repeat:K: at least ceil(K Pa) of K calls' labels differ, stopping once decided (every call counts in --queries)`)
    .option("--verify <repeats>", `after each attack, check its final point against the paper's eq. (4), P[g(x_a) != y] >= Pa, with R fresh calls of g(sigma, n), or of --target (outside the budget); 0: no check (needs --sigma or --target; defaults to ${ATTACK_COMMAND_DEFAULTS.verify})`)
    .option("--verification <rule>", `how --verify decides: sequential: a sequential Clopper-Pearson test of P[g(x_a) != y] >= Pa with error --verify-alpha, stopping once decided (verified, refuted or undecided within R calls); estimate: the paper grid's point estimate, rate of R calls >= Pa (needs --sigma or --target; defaults to ${ATTACK_COMMAND_DEFAULTS.verification})`)
    .option("--verify-alpha <alpha>", `error of each wrong answer of the sequential test, in (0, 1) (needs --sigma or --target; defaults to ${ATTACK_COMMAND_DEFAULTS.verifyAlpha})`)
    .option("--harden", `after each successful attack, search outward from its final point (along x_a - x_o, clipped to the bounds, and toward the starting point when shorter) for the nearest point the sequential test verifies at level Pa, outside the budget; the record's hardened field (on by default with --sigma or --target and --verification sequential; needs both)`)
    .option("--no-harden", "do not harden the final points")
    .option("--harden-calls <calls>", `most calls of g(sigma, n) the hardening of one point may spend (defaults to ${ATTACK_COMMAND_DEFAULTS.hardenCalls})`)
    .option("--harden-at <budgets>", "also check and harden the point the attack held after each of these budgets (comma-separated, ascending, below --queries): one run read at several budgets (the record's hardenedAt; a config's attacks[].hardenAt)")
    .option("--defense <name>", `name of the defense point, as a config's defenses[].name: it keys the random streams (defaults to "${ATTACK_COMMAND_DEFAULTS.defense.none}" without --sigma, "${ATTACK_COMMAND_DEFAULTS.defense.smoothed}" with it)`)
    .option("--count <count>", "attack the first C images (defaults to all)")
    .option("--offset <offset>", "skip the first O images of the split before selecting")
    .option("--sample <count>", "attack C images drawn at random with --seed")
    .option("--seed <seed>", "seed of every random stream (noise, attack, sample), as a config's seed", String(ATTACK_COMMAND_DEFAULTS.seed))
    .option("--start <start>", "own: the attack's own initialisation; data: the nearest of the first 100 images that the model puts in another class; auto: own, unless 10 uniform-noise images all keep the original's label, then data (defaults: auto for hsja, surfree and psj, own for rays)")
    .option("--resize", "resize the images to the model's input shape")
    .option("--class-map <file>", CLASS_MAP_HELP)
    .option("--save <dir>", "write each attacked image's final point as DIR/<index>.npy and its hardened point as DIR/<index>.hardened.npy (NumPy .npy, float32, shape (c, h, w), pixel space; <index> as the record's image), and with --harden-at the points held at each budget q as DIR/<index>.at<q>.npy and DIR/<index>.at<q>.hardened.npy; DIR is created")
    .option("--out <file>", "write one JSON record per image to FILE as it finishes (JSON lines, the records of a run's results.jsonl)")
    .option("--json", "print one JSON object {summary, images} (images: the records of the attacked images) instead of the text summary")
    .option("--quiet", QUIET_HELP)
    .addHelpText("after", `${MAPPING}\n\nExample:\n  rsbench attack --model fashion-mnist-standard --data fashion-mnist --attack rays --count 10 --queries 2000 --sigma 0.25 --n 10`)
    .action(async (flags: AttackFlags) => {
      const config = resolveConfig(flags);
      checkOut(flags.out, { model: flags.model, data: flags.data, classMap: flags.classMap });
      checkOut(flags.save, { model: flags.model, data: flags.data, classMap: flags.classMap }, "directory", "--save");
      const started = performance.now();
      const loaded = flags.target === undefined ? await loadingInputs(() => loadModel(config.model, modelFlags(flags)))
        : { name: flags.target, classifier: await HttpClassifier.connect(flags.target, { key: flags.key ?? process.env.RSBENCH_KEY }) };
      const model = loaded.classifier;
      const shape = flags.resize ? model.shape : undefined;
      const classMap = await loadingInputs(() => (flags.classMap === undefined ? undefined : readClassMap(flags.classMap)));
      const set = await loadingInputs(async () => {
        const images = await loadData(config.data, { selection: config.selection, shape, resize: flags.resize, classMap });
        checkModelData(loaded, images, warn);
        return images;
      });
      if (flags.save !== undefined) mkdirSync(flags.save, { recursive: true });
      const chw = [set.shape.channels, set.shape.height, set.shape.width];
      let pool: Promise<StartPool> | null = null;
      const out = RowFile.jsonLines(flags.out);
      const bar = progress(`attack ${config.attack.name}`, { unit: "images", interval: logInterval(ATTACK_COMMAND_DEFAULTS.logInterval), quiet: flags.quiet });
      const resources = {
        base: model,
        entry: attackEntry(config.attack.name),
        pool: () => (pool ??= startingPool(model, config.data, shape, flags.resize, classMap)),
        // The line inside one attacked image: queries spent of the budget (an unbounded budget shows none).
        onQueries: (used: number, budget: number) => { if (Number.isFinite(budget)) bar.within(used, budget, "queries"); },
      };
      bar.update(0, set.count);
      const records: AttackRecord[] = [];
      // A remote target that stops answering (403: its quota spent; 429 after the retries; gone)
      // ends the command after the images finished so far, whose records are kept (issue 26).
      let refused: RemoteError | null = null;
      try {
        for (let i = 0; i < set.count; i++) {
          const t0 = performance.now();
          let attacked;
          try {
            attacked = await attackImageWithPoints(
              { seed: config.seed, defense: config.defense, attack: config.attack, image: { index: set.indices[i], label: set.labels[i], pixels: imageAt(set, i) } },
              resources,
            );
          } catch (error) {
            if (model instanceof HttpClassifier && error instanceof RemoteError) { refused = error; break; }
            throw error;
          }
          const { record: draft, points } = attacked;
          if (flags.save !== undefined) writeAttackPoints(flags.save, draft.image, points, chw);
          const record: AttackRecord = withFile({ ...draft, seconds: (performance.now() - t0) / 1000 }, fileAt(set, i));
          records.push(record);
          out?.write(record);
          const s = summarizeAttacks(records, { budget: config.attack.budget, checked: false });
          bar.update(i + 1, set.count, `success ${s.success === null ? "-" : `${(100 * s.success).toFixed(0)}%`} | median L2 ${fmt(s.medianL2)}`);
        }
        out?.commit();
      } finally {
        bar.stop();
        out?.close();
      }
      if (model instanceof HttpClassifier) {
        process.stderr.write(`rsbench attack: ${model.url} answered ${model.forwardPasses} images in ${model.requests.answered} requests (${model.requests.retries} retries)\n`);
      }
      const summary = summarize(config, records, (performance.now() - started) / 1000);
      if (flags.json) {
        printJson({ summary, images: records.filter((r) => r.status === "attacked") });
      } else {
        process.stdout.write(summaryText(summary));
      }
      if (refused !== null) {
        throw new Error(`stopped after ${records.length} of ${set.count} images: ${refused.message}. ` +
          (records.length === 0 ? "No image finished." : flags.out !== undefined ? `The ${records.length} finished records are in ${flags.out}; the summary above covers them.` : `The summary above covers the ${records.length} finished images.`));
      }
    });
}
