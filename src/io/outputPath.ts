/**
 * The one check every command makes before it writes an output: an `--out` never replaces an
 * input of the command (a model, a dataset file or folder, a config), never replaces a run
 * directory's own files (its store, config, manifest, lock) and never points into /proc or /sys
 * (where a write can hang or change the kernel's state rather than store a file).
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";

/** Files of a run directory that no output may replace (see experiments/store/runDirectory.ts). */
export const RUN_DIRECTORY_FILES: readonly string[] = ["config.json", "run.json", "results.jsonl", "run.lock"];

/** Pseudo-filesystems an output must not point into. */
const SYSTEM_ROOTS: readonly string[] = ["/proc", "/sys"];

/** A bad output path: the message names the flag, the path and why it is refused. */
export class OutputPathError extends Error {
  override readonly name = "OutputPathError";
}

/** An input of the command, named for the message ("the model", "the config"). */
export interface NamedInput {
  readonly path: string | null | undefined;
  readonly what: string;
}

export interface OutputPathOptions {
  /** The flag that gave the path, for the message (defaults to "--out"). */
  readonly flag?: string;
  /** "file" (the default) or "directory" (a run directory). */
  readonly kind?: "file" | "directory";
  /** The command's inputs: the output may not be one of them, nor lie inside an input folder. */
  readonly inputs?: readonly NamedInput[];
}

/** The absolute path with symbolic links of its existing part resolved. */
function canonical(path: string): string {
  let head = resolve(path);
  const tail: string[] = [];
  while (!existsSync(head)) {
    const parent = dirname(head);
    if (parent === head) break;
    tail.unshift(basename(head));
    head = parent;
  }
  let real = head;
  try { real = realpathSync(head); } catch { /* keep the lexical path */ }
  return tail.length ? join(real, ...tail) : real;
}

function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const x = statSync(a), y = statSync(b);
    return x.isFile() && y.isFile() && x.dev === y.dev && x.ino === y.ino; // hard links too
  } catch {
    return false;
  }
}

function isRunDirectory(dir: string): boolean {
  return existsSync(join(dir, "config.json")) && (existsSync(join(dir, "results.jsonl")) || existsSync(join(dir, "run.json")));
}

/**
 * Throws an OutputPathError when `path` may not be written: it lies in /proc or /sys, it is one
 * of `inputs` (same file, also through a link) or inside an input folder, it is a run directory's
 * store, config, manifest or lock, or it is a folder where a file is expected (or the reverse).
 */
export function checkOutputPath(path: string, options: OutputPathOptions = {}): void {
  const flag = options.flag ?? "--out";
  const kind = options.kind ?? "file";
  const refuse = (why: string) => {
    throw new OutputPathError(`invalid ${flag}: ${JSON.stringify(path)} ${why}`);
  };
  if (path.trim() === "") refuse(`is empty: expected the path of a ${kind}`);
  const lexical = resolve(path);
  const target = canonical(path);
  for (const root of SYSTEM_ROOTS) {
    if (inside(lexical, root) || inside(target, root)) refuse(`is inside ${root}, a system pseudo-filesystem: expected a ${kind} on a real filesystem`);
  }
  if (existsSync(target)) {
    const info = statSync(target);
    if (kind === "file" && info.isDirectory()) refuse("is a folder: expected a file path");
    if (kind === "directory" && !info.isDirectory()) refuse("is an existing file: expected a run directory (a folder, created if missing)");
  } else if (kind === "file") {
    const parent = dirname(target);
    if (!existsSync(parent)) refuse(`cannot be written: its folder ${parent} does not exist (create it first)`);
    if (!statSync(parent).isDirectory()) refuse(`cannot be written: ${parent} is not a folder`);
  }
  for (const input of options.inputs ?? []) {
    if (!input.path) continue;
    const source = canonical(input.path);
    const folder = existsSync(source) && statSync(source).isDirectory();
    if (folder ? inside(target, source) : sameFile(target, source)) {
      refuse(folder
        ? `is inside ${input.what} ${JSON.stringify(input.path)}: an output there would change an input; choose a path outside it`
        : `is ${input.what} ${JSON.stringify(input.path)}, an input of this command: refusing to overwrite it; choose another path`);
    }
  }
  if (kind === "file" && RUN_DIRECTORY_FILES.includes(basename(target)) && isRunDirectory(dirname(target))) {
    refuse(`is the ${basename(target)} of the run directory ${dirname(target)}: refusing to overwrite a run's own files; choose another path`);
  }
}
