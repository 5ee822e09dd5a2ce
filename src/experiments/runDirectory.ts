/**
 * The run directory: its file names, the validated config it holds (`config.json`), the manifest
 * (`run.json`) and how a directory is created or checked before a resume. Readers (the report,
 * `rsbench results`) import this module, never the runner.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { availableParallelism, cpus, platform, arch } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import type { ExperimentConfig } from "./config.js";
import { canonicalJson, ConfigError, parseConfig, type ParseConfigOptions } from "./config.js";
import type { RunManifest, SoftwareVersions } from "./records.js";
import { RESULTS_FILE } from "./store.js";

export { RESULTS_FILE };
export const CONFIG_FILE = "config.json";
export const MANIFEST_FILE = "run.json";

/** Reads and validates a config file; errors name the file and the bad fields. */
export function loadConfig(path: string, attacks?: ParseConfigOptions["attacks"]): ExperimentConfig {
  if (!existsSync(path)) throw new ConfigError([`file not found (expected an experiment config JSON file)`], path);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError([`not valid JSON: ${(error as Error).message}`], path);
  }
  return parseConfig(value, { attacks, source: path });
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
  const own = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return { rsbench: own.version, node: process.version, onnxruntime: version("onnxruntime-node"), platform: `${platform()}-${arch()} ${cpus()[0]?.model ?? ""}`.trim(), cpus: availableParallelism() };
}

/** Top-level fields whose values differ between two configs. */
function differingFields(a: ExperimentConfig, b: ExperimentConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => canonicalJson((a as unknown as Record<string, unknown>)[k]) !== canonicalJson((b as unknown as Record<string, unknown>)[k]));
}

/**
 * Creates the run directory for `config`, or checks that an existing one holds the same
 * experiment. Resuming with a different config is refused: its results would mix two experiments.
 */
export function prepareRunDirectory(dir: string, config: ExperimentConfig): { hash: string; previous: RunManifest | null } {
  mkdirSync(dir, { recursive: true });
  const hash = configHash(config);
  const configPath = join(dir, CONFIG_FILE);
  if (existsSync(configPath)) {
    const stored = parseConfig(JSON.parse(readFileSync(configPath, "utf8")), { source: configPath });
    const storedHash = configHash(stored);
    if (storedHash !== hash) {
      throw new Error(
        `run directory ${dir} holds a different experiment (config hash ${storedHash.slice(0, 12)}, this config ${hash.slice(0, 12)}; ` +
        `differing fields: ${differingFields(stored, config).join(", ")}). ` +
        `Resume with the same config, or choose another --out directory.`,
      );
    }
  } else {
    writeFileAtomic(configPath, JSON.stringify(JSON.parse(canonicalJson(config)), null, 2) + "\n");
  }
  const manifestPath = join(dir, MANIFEST_FILE);
  const previous = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, "utf8")) as RunManifest) : null;
  return { hash, previous };
}

/** Reads a run directory's manifest and config. */
export function readRun(dir: string): { manifest: RunManifest | null; config: ExperimentConfig } {
  const configPath = join(dir, CONFIG_FILE);
  if (!existsSync(configPath)) throw new Error(`${dir} is not a run directory: expected ${CONFIG_FILE} in it`);
  const config = parseConfig(JSON.parse(readFileSync(configPath, "utf8")), { source: configPath });
  const manifestPath = join(dir, MANIFEST_FILE);
  const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, "utf8")) as RunManifest) : null;
  return { manifest, config };
}

