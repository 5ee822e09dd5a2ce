/** The package's public surface (src/index.ts): the documented entry points, none of the machinery. */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as rsbench from "../../src/index.js";

test("the package exports the entry points of the experiment runner and the server", () => {
  for (const name of ["runExperiment", "parseConfig", "loadConfig", "readRun", "readStore", "exportRecords", "toCsv", "mergeRuns", "runStatus", "importEnvironment", "createServer", "KeyRing", "AuditLog", "SERVE_DEFAULTS"]) {
    assert.ok(name in rsbench, `${name} is not exported`);
  }
});

test("the package does not export internals: the results store, locks, pools, shards, request decoding, I/O helpers", () => {
  const internal = ["ResultStore", "acquireLock", "LOCK_FILE", "WorkerPool", "InlineExecutor", "executeItem", "ExecutionContext", "workItems", "parseShard", "shardOf",
    "hashFile", "decodePng", "decodeJson", "bodyLimits", "openFileAtomic", "writeFileAtomic", "moduleWorker", "siblingModule", "checkOutputPath", "encodeNpy", "lazy", "lazyFunction"];
  const exported = internal.filter((name) => name in rsbench);
  assert.deepEqual(exported, []);
});
