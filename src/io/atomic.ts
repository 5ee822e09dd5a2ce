/**
 * Atomic, durable file writes: the text goes to a temporary file in the same directory, is fsynced,
 * and is renamed over the target. A reader sees the old file or the new one, never half of one, and a
 * crash after the call returns does not lose the new file.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { writeFile, rename, open } from "node:fs/promises";

function temporaryPath(path: string): string {
  return `${path}.tmp-${process.pid}-${Math.floor(performance.now() * 1000)}`;
}

/** Writes `data` to `path` atomically and durably (temporary file, fsync, rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = temporaryPath(path);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
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
