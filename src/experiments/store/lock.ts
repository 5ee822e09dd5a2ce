/**
 * The exclusive lock of a run directory: `run.lock`, created with O_CREAT | O_EXCL (`wx`), so of
 * two writers that start together exactly one gets it and the other is refused at once, before it
 * touches the store. The file holds the owner's pid, host and start time. A lock whose owner is a
 * dead process on this host (a run killed with SIGKILL, or a crash) is stale: it is recovered with
 * a message. A lock from another host cannot be checked and is never broken automatically.
 *
 * One lock per directory and nothing else: shards of a distributed run write separate
 * directories and never wait on each other; a queue has one writer that holds its directory's
 * lock. Readers (`rsbench results`, the report) never take it: the store is append-only with
 * whole fsynced lines and every other file is replaced atomically, so a reader always sees a
 * consistent prefix.
 */
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = "run.lock";

/** What the lock file holds. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
  /** What holds it (e.g. "rsbench run"), for the message a second writer gets. */
  readonly purpose: string;
}

/** A run directory held by another writer. */
export class LockError extends Error {
  override readonly name = "LockError";
  constructor(message: string, readonly owner: LockOwner | null) {
    super(message);
  }
}

export interface LockOptions {
  /** Recorded in the lock file and shown to a refused writer. Defaults to "rsbench run". */
  readonly purpose?: string;
  /** Told when a stale lock is recovered (the CLI prints it on stderr). */
  readonly onWarning?: (message: string) => void;
}

/** A held lock; `release` is idempotent and also runs when the process exits normally. */
export interface DirectoryLock {
  readonly path: string;
  readonly owner: LockOwner;
  release(): void;
}

function readOwner(path: string): LockOwner | null {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner>;
    if (typeof value.pid !== "number" || typeof value.host !== "string") return null;
    return { pid: value.pid, host: value.host, started: String(value.started ?? "?"), purpose: String(value.purpose ?? "?") };
  } catch {
    return null;
  }
}

/** Whether a process of this host is running (EPERM: it runs, under another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function describe(owner: LockOwner): string {
  return `${owner.purpose}, pid ${owner.pid} on host ${owner.host}, since ${owner.started}`;
}

/**
 * Takes the exclusive lock of `dir` (which must exist), or throws a LockError naming the holder.
 */
export function acquireLock(dir: string, options: LockOptions = {}): DirectoryLock {
  const path = join(dir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), purpose: options.purpose ?? "rsbench run" };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readOwner(path);
      if (holder === null) {
        throw new LockError(
          `run directory ${dir} is locked (${path} exists but does not name its owner: expected JSON {pid, host}). ` +
          `If no rsbench process writes to this directory, delete ${path} and run again.`, null);
      }
      if (holder.host !== owner.host || running(holder.pid)) {
        const remote = holder.host !== owner.host ? ` It was taken on another host, so it cannot be checked from here; if that run is dead, delete ${path}.` : "";
        throw new LockError(
          `run directory ${dir} is in use by another writer (${describe(holder)}): two writers would mix their records. ` +
          `Wait for it to finish, or use another --out directory.${remote}`, holder);
      }
      // Stale: move it aside (atomic), check that what moved is the dead owner's, then retry.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch {
        continue; // someone else recovered it first
      }
      const moved = readOwner(aside);
      if (moved?.pid !== holder.pid || moved.started !== holder.started) {
        try { linkSync(aside, path); } catch { /* a third writer holds it now */ }
      } else {
        options.onWarning?.(`recovered a stale lock of ${dir}: ${describe(holder)} is no longer running (killed or crashed); its stored records are kept`);
      }
      unlinkSync(aside);
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(owner) + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      process.removeListener("exit", release);
      const current = readOwner(path);
      if (current?.pid === owner.pid && current.started === owner.started) {
        try { unlinkSync(path); } catch { /* already gone */ }
      }
    };
    process.on("exit", release);
    return { path, owner, release };
  }
  throw new LockError(`run directory ${dir}: could not take ${path} (it changed hands three times while trying); run again`, null);
}
