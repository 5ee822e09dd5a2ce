import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readRecords, RESULTS_FILE } from "../../src/experiments/store/store.js";

/** The records of a run directory without their timings, sorted by key: what must match between runs. */
export function comparableRecords(dir: string): unknown[] {
  return readRecords(dir)
    .map((r) => {
      const { seconds: _seconds, ...rest } = r;
      return rest;
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Lines of a run directory's results.jsonl so far (0 before it exists): safe to poll while a run writes. */
export function storedCount(dir: string): number {
  const path = join(dir, RESULTS_FILE);
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").length - 1 : 0;
}

/**
 * What results.jsonl holds, read raw, line by line: its number of lines and the keys stored more
 * than once (readRecords and comparableRecords keep the first line of a key and hide the others).
 */
export function storedLines(dir: string): { lines: number; duplicates: string[] } {
  const lines = readFileSync(join(dir, RESULTS_FILE), "utf8").split("\n");
  assert.equal(lines.pop(), "", `${RESULTS_FILE} should end with a complete line`);
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const line of lines) {
    const { key } = JSON.parse(line) as { key: string };
    if (seen.has(key)) duplicates.push(key);
    else seen.add(key);
  }
  return { lines: lines.length, duplicates };
}

/** Asserts that the run directory stores each of its `items` items exactly once. */
export function assertStoredOnce(dir: string, items: number): void {
  assert.deepEqual(storedLines(dir), { lines: items, duplicates: [] }, `${dir}/${RESULTS_FILE}: one line per item`);
}

/** Every file under `dir`, relative to it with "/", sorted (none when `dir` does not exist). */
export function filesUnder(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`])).sort();
}
