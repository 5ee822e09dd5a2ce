/**
 * Content fingerprints of a run's inputs, recorded in run.json: the sha256 of every model file
 * and of the data every part of the run reads (the attacked selection, the accuracy set, the
 * calibration images, the starting-point pool). A resume whose inputs changed is refused, naming
 * what changed: records computed from two models or two datasets would be averaged together.
 *
 * Only what the run uses is hashed. A built-in dataset is a cached uint8 array: its selected
 * images are hashed as loaded (well under a second for the paper's sets). A folder is hashed as a
 * manifest of its selected files' bytes (no decoding), plus its listing (names and labels), since
 * an added file shifts the indices of the ones after it. A remote endpoint (defenses[].target) is
 * fingerprinted by what its GET /v1/info answers.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { START_POOL_SIZE } from "../../attacks/start.js";
import type { LabeledImages } from "../../data/types.js";
import type { ImageShape } from "../../model/classifier.js";
import type { DataConfig, ExperimentConfig } from "../plan/config.js";
import { calibrationData, canonicalJson, startPoolData } from "../plan/config.js";

/** sha256 and size of one file. */
export interface FileFingerprint {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Fingerprint of the images one data config selects. */
export interface DataFingerprint {
  readonly dataset: string;
  readonly images: number;
  /** sha256 of the selection (pixels, labels and indices; for a folder, of its file manifest). */
  readonly sha256: string;
  /** Folder datasets: sha256 of each selected file, by path relative to the folder (with its label). */
  readonly files?: Readonly<Record<string, string>>;
}

/**
 * What a remote endpoint (defenses[].target) said of itself when fingerprinted: its GET /v1/info
 * answer (shape, bounds, classes, maxBatch, and sigma and n when the server discloses them) and
 * the sha256 of that answer as canonical JSON. Another server behind the same URL that answers
 * differently is a changed input; one that answers the same cannot be told apart from the URL.
 */
export interface EndpointFingerprint {
  readonly url: string;
  readonly info: unknown;
  readonly sha256: string;
}

/** What run.json records of the inputs (absent in runs written before rsbench recorded them). */
export interface InputFingerprints {
  /** By model name as written in the config. */
  readonly models: Readonly<Record<string, FileFingerprint>>;
  /** By role: "data", "accuracy", "calibration", "startPool". */
  readonly data: Readonly<Record<string, DataFingerprint>>;
  /** Remote endpoints by URL (absent in runs written before rsbench fingerprinted them, and when the run has none). */
  readonly endpoints?: Readonly<Record<string, EndpointFingerprint>>;
}

/** The fingerprint of an endpoint's GET /v1/info answer. */
export function endpointFingerprint(url: string, info: unknown): EndpointFingerprint {
  return { url, info, sha256: createHash("sha256").update(canonicalJson(info)).digest("hex") };
}

/** sha256 of a file, read in 1 MiB chunks. */
export function hashFile(path: string): FileFingerprint {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, "r");
  let bytes = 0;
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      bytes += read;
    }
  } finally {
    closeSync(fd);
  }
  return { path, bytes, sha256: hash.digest("hex") };
}

/** sha256 of a loaded selection: its shape, indices, labels and pixels. */
export function hashImages(set: LabeledImages): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ shape: set.shape, count: set.count, classNames: set.classNames }));
  for (const array of [set.indices, set.labels, set.images]) hash.update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return hash.digest("hex");
}

/** Fingerprint of a loaded selection (any dataset: what the model sees). */
export function imagesFingerprint(dataset: string, set: LabeledImages): DataFingerprint {
  return { dataset, images: set.count, sha256: hashImages(set) };
}

/**
 * Fingerprint of the selected files of a folder dataset: each file's sha256 by its path relative
 * to the folder, and a sha256 over the whole listing (every file's name and label, so an added or
 * removed file anywhere shows, and the selected files' hashes).
 */
export function folderFingerprint(dataset: string, root: string, entries: readonly { readonly path: string; readonly label: number }[], selected: ArrayLike<number>): DataFingerprint {
  const hash = createHash("sha256");
  for (const e of entries) hash.update(`${relative(root, e.path)}\t${e.label}\n`);
  const files: Record<string, string> = {};
  for (let i = 0; i < selected.length; i++) {
    const entry = entries[selected[i]];
    const digest = createHash("sha256").update(readFileSync(entry.path)).digest("hex");
    const name = relative(root, entry.path);
    files[name] = `${digest} label=${entry.label}`;
    hash.update(`${name}\t${files[name]}\n`);
  }
  return { dataset, images: selected.length, sha256: hash.digest("hex"), files };
}

/** The data configs a run reads, by role (each once). */
export function dataInputs(config: ExperimentConfig): Record<string, DataConfig> {
  const out: Record<string, DataConfig> = { data: config.data, accuracy: config.accuracy };
  if (config.defenses.some((d) => d.sigma !== null && typeof d.sigma === "object")) {
    out.calibration = calibrationData(config);
  }
  if (config.attacks.some((a) => a.start !== "own")) out.startPool = startPoolData(config, START_POOL_SIZE);
  const seen = new Set<string>();
  for (const [role, data] of Object.entries(out)) {
    const key = canonicalJson(data);
    if (seen.has(key)) delete out[role];
    seen.add(key);
  }
  return out;
}

function shortHash(h: string): string {
  return h.slice(0, 12);
}

function listSome(names: readonly string[]): string {
  return names.length <= 5 ? names.join(", ") : `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`;
}

/** What differs between two data fingerprints, in words (the file names for folders). */
function dataChange(role: string, before: DataFingerprint, now: DataFingerprint): string {
  const head = `${role} (${now.dataset})`;
  if (before.files && now.files) {
    const added = Object.keys(now.files).filter((f) => !(f in before.files!));
    const removed = Object.keys(before.files).filter((f) => !(f in now.files!));
    const changed = Object.keys(now.files).filter((f) => f in before.files! && before.files![f] !== now.files![f]);
    const parts = [
      added.length ? `${added.length} selected file(s) new: ${listSome(added)}` : "",
      removed.length ? `${removed.length} no longer selected or gone: ${listSome(removed)}` : "",
      changed.length ? `${changed.length} changed content or label: ${listSome(changed)}` : "",
    ].filter((p) => p !== "");
    if (parts.length === 0) parts.push("files added or removed in the folder (its listing changed, which shifts image indices)");
    return `${head}: ${parts.join("; ")}`;
  }
  return `${head}: the selected images changed (${before.images} images sha256 ${shortHash(before.sha256)}, now ${now.images} images sha256 ${shortHash(now.sha256)})`;
}

/** Differences between the recorded fingerprints and the current ones, one line each (empty: same inputs). */
export function compareFingerprints(before: InputFingerprints, now: InputFingerprints): string[] {
  const out: string[] = [];
  for (const [name, was] of Object.entries(before.models ?? {})) {
    const is = now.models[name];
    if (is && (is.sha256 !== was.sha256 || is.bytes !== was.bytes)) {
      out.push(`model ${name} (${is.path}): sha256 ${shortHash(was.sha256)} (${was.bytes} bytes) when the run started, now ${shortHash(is.sha256)} (${is.bytes} bytes)`);
    }
  }
  for (const [role, was] of Object.entries(before.data ?? {})) {
    const is = now.data[role];
    if (is && is.sha256 !== was.sha256) out.push(dataChange(role, was, is));
  }
  for (const [url, was] of Object.entries(before.endpoints ?? {})) {
    const is = now.endpoints?.[url];
    if (is && is.sha256 !== was.sha256) {
      out.push(`endpoint ${url}: GET /v1/info answered ${canonicalJson(was.info)} when the run started, now ${canonicalJson(is.info)} (another server or defense behind the same URL)`);
    }
  }
  return out;
}

/** What fingerprinting needs of an experiment environment (see environment.ts). */
export interface FingerprintSource {
  loadData(data: DataConfig, shape?: ImageShape): Promise<LabeledImages>;
  modelFile?(name: string): string | null;
  fingerprintData?(data: DataConfig, load?: (data: DataConfig) => Promise<LabeledImages>): Promise<DataFingerprint>;
  fingerprintEndpoint?(name: string): Promise<EndpointFingerprint | null>;
}

/**
 * The fingerprints of a run's inputs: every model file the environment names and every data
 * config the run reads (by the environment's own fingerprint, else by a hash of the loaded images).
 */
export async function fingerprintInputs(config: ExperimentConfig, environment: FingerprintSource): Promise<InputFingerprints> {
  const models: Record<string, FileFingerprint> = {};
  for (const name of new Set(config.defenses.map((d) => d.model))) {
    const file = environment.modelFile?.(name) ?? null;
    if (file !== null) models[name] = hashFile(file);
  }
  const data: Record<string, DataFingerprint> = {};
  for (const [role, selection] of Object.entries(dataInputs(config))) {
    const load = (d: DataConfig) => environment.loadData(d);
    const one = async (d: DataConfig) => environment.fingerprintData ? environment.fingerprintData(d, load) : imagesFingerprint(d.dataset, await load(d));
    // The starting-point pool is the whole dataset when it has fewer images (labelStartPool does the same).
    data[role] = await one(selection).catch((error: unknown) => {
      if (role === "startPool" && error instanceof RangeError) return one(startPoolData(config, undefined));
      throw error;
    });
  }
  const endpoints: Record<string, EndpointFingerprint> = {};
  for (const name of new Set(config.defenses.map((d) => d.model))) {
    const endpoint = await environment.fingerprintEndpoint?.(name) ?? null;
    if (endpoint !== null) endpoints[name] = endpoint;
  }
  return Object.keys(endpoints).length > 0 ? { models, data, endpoints } : { models, data };
}

/**
 * The environment with `loadData` remembered per data config, for the checks before a run
 * (resolveInputs, then fingerprintInputs): each selection is loaded once, not once per check.
 */
export function withLoadedData<E extends FingerprintSource>(environment: E): E {
  const loaded = new Map<string, Promise<LabeledImages>>();
  // Keyed by the selection and the shape it is decoded to (a config's `resize`): one load of each.
  const loadData = (data: DataConfig, shape?: ImageShape): Promise<LabeledImages> => {
    const key = canonicalJson([data, shape ?? null]);
    let set = loaded.get(key);
    if (!set) {
      set = environment.loadData(data, shape);
      set.catch(() => loaded.delete(key));
      loaded.set(key, set);
    }
    return set;
  };
  return Object.assign(Object.create(environment) as E, { loadData });
}
