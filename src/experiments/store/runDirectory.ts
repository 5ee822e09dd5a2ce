/**
 * The run directory: its file names, the validated config it holds (`config.json`), the manifest
 * (`run.json`) and how a directory is created or checked before a resume. Readers (the report,
 * `rsbench results`) import this module, never the runner.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { availableParallelism, cpus, platform, arch } from "node:os";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { BUILTIN_NAMES } from "../../data/builtin.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { MODEL_NAMES } from "../../zoo/catalog.js";
import type { ExperimentConfig } from "../plan/config.js";
import { canonicalJson, ConfigError, parseConfig, type ParseConfigOptions } from "../plan/config.js";
import { compareFingerprints, type InputFingerprints } from "./fingerprint.js";
import type { RunManifest, SoftwareVersions } from "./records.js";
import { sameShard, shardLabel, type ShardSpec } from "../plan/shard.js";
import { RESULTS_FILE } from "./store.js";

export { RESULTS_FILE };
export const CONFIG_FILE = "config.json";
export const MANIFEST_FILE = "run.json";
/** The folder of a run directory where a config with `save` writes its points. */
export const SAVED_POINTS_DIR = "adversarial";

/** Reads and validates a config file; errors name the file and the bad fields. */
export function loadConfig(path: string, attacks?: ParseConfigOptions["attacks"]): ExperimentConfig {
  if (!existsSync(path)) throw new ConfigError([`file not found (expected an experiment config JSON file)`], path);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError([`not valid JSON: ${(error as Error).message}`], path);
  }
  return parseConfig(resolveConfigPaths(value, path), { attacks, source: path });
}

/** A dataset or model value that names a file or folder (not a built-in dataset, a shipped model or a URL). */
function isRelativePath(value: unknown, names: readonly string[]): value is string {
  if (typeof value !== "string" || value === "" || isAbsolute(value) || /^https?:\/\//.test(value)) return false;
  return !names.includes(value.replace(/:(train|test)$/, ""));
}

/**
 * The config with its relative paths (data.dataset, accuracy.dataset, defenses[].model) resolved
 * against the config file's folder, as absolute paths, so that a run reads the same files from
 * any working directory (issue 26: a SLURM script started elsewhere). A path that means the same
 * from the working directory (the config lies there) is kept as written, so configs run from
 * their own folder keep their hash; so is a bare name that is no file next to the config (an
 * environment's own dataset or model name). Malformed values are left to parseConfig to report.
 */
export function resolveConfigPaths(value: unknown, configPath: string): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const base = dirname(resolve(configPath));
  const fix = (v: unknown, names: readonly string[]): unknown => {
    if (!isRelativePath(v, names)) return v;
    const absolute = resolve(base, v);
    // A bare name that is no file next to the config is an environment's own name (e.g. a test's "synthetic").
    if (!/[/\\]|\.onnx$/.test(v) && !existsSync(absolute)) return v;
    return absolute === resolve(v) ? v : absolute;
  };
  const root = { ...(value as Record<string, unknown>) };
  for (const field of ["data", "accuracy"]) {
    const block = root[field];
    if (typeof block === "object" && block !== null && !Array.isArray(block)) {
      const b = block as Record<string, unknown>;
      root[field] = { ...b, dataset: fix(b.dataset, BUILTIN_NAMES) };
      if (!("dataset" in b)) delete (root[field] as Record<string, unknown>).dataset;
    }
  }
  if (Array.isArray(root.defenses)) {
    root.defenses = root.defenses.map((d: unknown) => {
      if (typeof d !== "object" || d === null || Array.isArray(d) || !("model" in d)) return d;
      return { ...d, model: fix((d as Record<string, unknown>).model, MODEL_NAMES) };
    });
  }
  return root;
}

/** sha256 of the canonical JSON of a validated config. */
export function configHash(config: ExperimentConfig): string {
  return createHash("sha256").update(canonicalJson(config)).digest("hex");
}

/** Versions of what runs the experiment. */
export function softwareVersions(): SoftwareVersions {
  const require = createRequire(import.meta.url);
  const version = (pkg: string): string | null => {
    try {
      return (require(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      return null;
    }
  };
  const own = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return { rsbench: own.version, node: process.version, onnxruntime: version("onnxruntime-node"), platform: `${platform()}-${arch()} ${cpus()[0]?.model ?? ""}`.trim(), cpus: availableParallelism() };
}

/** Top-level fields whose values differ between two configs. */
export function differingFields(a: ExperimentConfig, b: ExperimentConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => canonicalJson((a as unknown as Record<string, unknown>)[k]) !== canonicalJson((b as unknown as Record<string, unknown>)[k]));
}

/**
 * Why `config` is not an extension of `stored` (empty when it is): the same experiment with attack
 * entries appended (a config's description is not part of it). The earlier entries, and so the keys and
 * records of every stored item, stay as they are (an item's result is a function of the config
 * fields it reads, its key and the seed; src/experiments/plan/grid.ts), so a run can grow new cells
 * without re-running the old ones.
 */
export function extensionProblems(stored: ExperimentConfig, config: ExperimentConfig): string[] {
  const problems = differingFields(stored, config)
    .filter((k) => k !== "attacks")
    .map((k) => `${k} differs (only attack entries may be appended)`);
  const before = stored.attacks.map((a) => canonicalJson(a));
  const after = config.attacks.map((a) => canonicalJson(a));
  if (after.length <= before.length) problems.push(`attacks: expected more than the run's ${before.length} entries, got ${after.length}`);
  before.forEach((a, i) => {
    if (i < after.length && after[i] !== a) problems.push(`attacks[${i}] differs from the run's (the run's entries must come first, unchanged)`);
  });
  return problems;
}

/** Reads and parses a JSON file of a run directory; an error names the file and what it is. */
function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`${path}: cannot read the ${what} (${(error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: the ${what} is not valid JSON (${(error as Error).message}); expected the file rsbench wrote. Restore it, or start over with --force-new or another --out`);
  }
}

export function readManifest(path: string): RunManifest | null {
  if (!existsSync(path)) return null;
  const value = readJsonFile(path, "run manifest");
  if (typeof value !== "object" || value === null || typeof (value as RunManifest).configHash !== "string") {
    throw new Error(`${path}: the run manifest is not an object with a configHash; expected the run.json rsbench wrote. Restore it, or start over with --force-new or another --out`);
  }
  return value as RunManifest;
}

function readStoredConfig(path: string): ExperimentConfig {
  return parseConfig(readJsonFile(path, "run's config"), { source: path });
}

/** A run name usable as one path segment (config names are checked the same way; this guards the join). */
export function runDirectoryFor(root: string, name: string): string {
  if (!/^[A-Za-z0-9._%+-]+$/.test(name) || name === "." || name === "..") {
    throw new Error(`invalid run name ${JSON.stringify(name)}: expected one path segment of letters, digits and . _ % + -, not "." or ".."`);
  }
  return join(root, name);
}

/** Files of a run that `--force-new` moves aside (everything the run wrote). */
const RUN_OUTPUTS = [CONFIG_FILE, MANIFEST_FILE, RESULTS_FILE, "report.html", "figures"];

/**
 * Moves a run's files into `dir/superseded-<time>/` so that a new run can start in `dir`
 * (`--force-new`); nothing is deleted. Returns the folder, or null when `dir` held no run.
 */
export function supersedeRun(dir: string): string | null {
  const present = RUN_OUTPUTS.filter((f) => existsSync(join(dir, f)));
  if (present.length === 0) return null;
  const aside = join(dir, `superseded-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  mkdirSync(aside);
  for (const f of present) renameSync(join(dir, f), join(aside, f));
  return aside;
}

export interface PrepareOptions {
  /** The inputs' fingerprints now: a resume whose recorded fingerprints differ is refused. */
  readonly inputs?: InputFingerprints;
  /** Told when the stored manifest has no fingerprints to check (runs from before they were recorded). */
  readonly onWarning?: (message: string) => void;
  /** The shard this session runs (absent: the whole grid). A directory made for another shard, or for none, is refused. */
  readonly shard?: ShardSpec;
  /**
   * Accept a config that appends attack entries to the run's (extensionProblems): the run's
   * config.json becomes it, the stored records stay, and the new cells run.
   */
  readonly extend?: boolean;
}

/** "shard 1/3", "the whole grid (no --shard)". */
function shardWords(shard: ShardSpec | undefined): string {
  return shard === undefined ? "the whole grid (no --shard)" : `shard ${shardLabel(shard)}`;
}

/**
 * Creates the run directory for `config`, or checks that an existing one holds the same
 * experiment on the same inputs. Resuming with a different config, or with models or data whose
 * content changed, is refused: its results would mix two experiments.
 */
export function prepareRunDirectory(dir: string, config: ExperimentConfig, options: PrepareOptions = {}): { hash: string; previous: RunManifest | null; extended: string | null } {
  mkdirSync(dir, { recursive: true });
  const hash = configHash(config);
  const configPath = join(dir, CONFIG_FILE);
  const manifestPath = join(dir, MANIFEST_FILE);
  const fresh = !existsSync(configPath);
  let extended: string | null = null;
  if (!fresh) {
    const stored = readStoredConfig(configPath);
    const storedHash = configHash(stored);
    if (storedHash !== hash && options.extend) {
      const problems = extensionProblems(stored, config);
      if (problems.length) {
        throw new Error(`run directory ${dir}: --extend takes a config that appends attack entries to the run's, and nothing else:\n  ${problems.join("\n  ")}`);
      }
      extended = storedHash;
    } else if (storedHash !== hash) {
      throw new Error(
        `run directory ${dir} holds a different experiment (config hash ${storedHash.slice(0, 12)}, this config ${hash.slice(0, 12)}; ` +
        `differing fields: ${differingFields(stored, config).join(", ")}). ` +
        `Resume with the same config, or choose another --out directory. (--force-new starts over in this directory, keeping the old run in superseded-<time>/; ` +
        `--extend grows the run when the config only appends attack entries.)`,
      );
    }
  }
  const previous = readManifest(manifestPath);
  if (previous?.merged) {
    throw new Error(
      `run directory ${dir} was written by rsbench merge (${previous.merged.sources.length} of ${previous.merged.shards} shards): it is not run into. ` +
      `Run the missing shards with --shard I/${previous.merged.shards} into their own directories and merge again.`,
    );
  }
  if (previous && !sameShard(previous.shard, options.shard)) {
    const hint = previous.shard === undefined ? "resume it without --shard" : `resume it with --shard ${shardLabel(previous.shard)}`;
    throw new Error(`run directory ${dir} was made for ${shardWords(previous.shard)}, not ${shardWords(options.shard)}: ${hint}, or choose another --out directory.`);
  }
  if (previous && options.inputs) {
    if (previous.inputs) {
      const changes = compareFingerprints(previous.inputs, options.inputs);
      if (changes.length) {
        throw new Error(
          `run directory ${dir}: the inputs changed since the run started, so resuming would mix records of two experiments:\n  ${changes.join("\n  ")}\n` +
          `Restore the original inputs to resume, start over with --force-new, or choose another --out directory.`,
        );
      }
    } else {
      options.onWarning?.(`${manifestPath} records no input fingerprints (written before rsbench recorded them): the earlier sessions' models and data cannot be checked; they are recorded from this session on`);
    }
  }
  // Written only after every check passed: a refused extension leaves the run as it was.
  if (fresh || extended !== null) writeConfigFile(dir, config);
  return { hash, previous, extended };
}

/** Writes a run directory's config.json (the canonical JSON of the validated config, atomically). */
export function writeConfigFile(dir: string, config: ExperimentConfig): void {
  writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(JSON.parse(canonicalJson(config)), null, 2) + "\n");
}

/** Reads a run directory's manifest and config; errors name the file. */
export function readRun(dir: string): { manifest: RunManifest | null; config: ExperimentConfig } {
  const configPath = join(dir, CONFIG_FILE);
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: expected a run directory (with its ${CONFIG_FILE})`);
  if (!existsSync(configPath)) throw new Error(`${dir} is not a run directory: expected ${CONFIG_FILE} in it`);
  return { config: readStoredConfig(configPath), manifest: readManifest(join(dir, MANIFEST_FILE)) };
}
