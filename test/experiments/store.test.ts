import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { AccuracyRecord } from "../../src/experiments/store/records.js";
import { readRecords, RESULTS_FILE, ResultStore } from "../../src/experiments/store/store.js";

function record(key: string, accuracy = 0.5): AccuracyRecord {
  return { kind: "accuracy", key, seed: 1, seconds: 0.1, defense: "none", model: "m", sigma: null, n: null, images: 2, correct: 1, accuracy };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "rsbench-store-"));
}

test("append writes one complete line per record and reopening reads them back", () => {
  const dir = tempDir();
  try {
    const store = ResultStore.open(dir);
    store.append(record("a"));
    store.append(record("b", Infinity));
    store.close();
    const text = readFileSync(join(dir, RESULTS_FILE), "utf8");
    assert.equal(text.split("\n").length, 3);
    assert.ok(text.endsWith("\n"));
    const again = ResultStore.open(dir);
    assert.deepEqual(again.records().map((r) => r.key), ["a", "b"]);
    assert.equal((again.get("b") as AccuracyRecord).accuracy, null, "Infinity is stored as null");
    assert.deepEqual(again.recovery, { records: 2, droppedBytes: 0, duplicates: 0 });
    again.close();
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("a torn last line is detected, dropped and truncated away; the next append is clean", () => {
  const dir = tempDir();
  try {
    const store = ResultStore.open(dir);
    store.append(record("a"));
    store.close();
    const torn = JSON.stringify(record("b")).slice(0, 25);
    appendFileSync(join(dir, RESULTS_FILE), torn);
    assert.deepEqual(readRecords(dir).map((r) => r.key), ["a"], "readers ignore the torn line");
    const reopened = ResultStore.open(dir);
    assert.deepEqual(reopened.recovery, { records: 1, droppedBytes: torn.length, duplicates: 0 });
    assert.equal(reopened.has("b"), false);
    reopened.append(record("b"));
    reopened.close();
    assert.deepEqual(readRecords(dir).map((r) => r.key), ["a", "b"]);
    assert.equal(readFileSync(join(dir, RESULTS_FILE), "utf8").split("\n").filter(Boolean).length, 2);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("a complete last line without its newline counts as torn (the write did not finish)", () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, RESULTS_FILE), JSON.stringify(record("a")) + "\n" + JSON.stringify(record("b")));
    const store = ResultStore.open(dir);
    assert.deepEqual(store.records().map((r) => r.key), ["a"]);
    store.close();
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("a bad line before the last one is corruption, named by its line number", () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, RESULTS_FILE), JSON.stringify(record("a")) + "\n{oops\n" + JSON.stringify(record("b")) + "\n");
    assert.throws(() => ResultStore.open(dir), /results.jsonl: line 2 is not a complete result record/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("a key is stored once", () => {
  const dir = tempDir();
  try {
    const store = ResultStore.open(dir);
    store.append(record("a"));
    assert.throws(() => store.append(record("a")), /key a is already stored/);
    store.close();
  } finally {
    rmSync(dir, { recursive: true });
  }
});
