/**
 * Atomic, durable file writes: the text goes to a temporary file in the same directory, is fsynced,
 * and is renamed over the target. A reader sees the old file or the new one, never half of one, and a
 * crash after the call returns does not lose the new file. Streamed outputs (one row per finished
 * image) use `openFileAtomic`: rows go to the temporary file as they finish and the file is renamed
 * into place when the command ends, so a killed command never leaves half a file under the name
 * asked for (its rows so far stay in the temporary file).
 */
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { writeFile, rename, open } from "node:fs/promises";

function temporaryPath(path: string): string {
  return `${path}.tmp-${process.pid}-${Math.floor(performance.now() * 1000)}`;
}

/** True when `path` exists and is not a regular file (a device such as /dev/null, a FIFO, a terminal). */
function isSpecialFile(path: string): boolean {
  try {
    const info = statSync(path);
    return !info.isFile() && !info.isDirectory();
  } catch {
    return false;
  }
}

/** A file being written atomically: `write` as often as needed, then `commit` (or `abort`). */
export interface AtomicFile {
  /** Where the data goes until `commit` (the target itself for devices and pipes). */
  readonly temporary: string;
  /** Appends data (flushed to the OS at once: a reader of the temporary file sees every finished row). */
  write(data: string | Uint8Array): void;
  /** fsyncs and renames the temporary file over the target. */
  commit(): void;
  /** Closes and removes the temporary file; the target is untouched. */
  abort(): void;
  /** Closes the temporary file and keeps it (the partial output of a failed command); the target is untouched. */
  abandon(): void;
}

/**
 * Opens `path` for an atomic write. A target that is a device or a pipe (`/dev/null`,
 * `/dev/stdout`) cannot be replaced by a rename: it is written directly.
 */
export function openFileAtomic(path: string): AtomicFile {
  const direct = isSpecialFile(path);
  const temporary = direct ? path : temporaryPath(path);
  let fd = openSync(temporary, "w");
  const close = () => { if (fd >= 0) { closeSync(fd); fd = -1; } };
  return {
    temporary,
    write(data) {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    },
    commit() {
      if (!direct) fsyncSync(fd);
      close();
      if (!direct) renameSync(temporary, path);
    },
    abandon() {
      close();
    },
    abort() {
      close();
      if (!direct) {
        try { unlinkSync(temporary); } catch { /* already gone */ }
      }
    },
  };
}

/** Writes `data` to `path` atomically and durably (temporary file, fsync, rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const file = openFileAtomic(path);
  try {
    file.write(data);
    file.commit();
  } catch (error) {
    file.abort();
    throw error;
  }
}

/** Asynchronous `writeFileAtomic`. */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryPath(path);
  await writeFile(tmp, data);
  const handle = await open(tmp, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}
