import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

/*
 * The layers of src/, bottom first (docs/extending.md): a module may import its own layer and
 * the layers below it, never one above. Within a layer the folders may import each other.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["io", "stats", "rng", "model", "data"],
  ["theory", "smoothing", "oracle", "zoo"],
  ["attacks", "serve"],
  ["figures"],
  ["experiments"],
  ["report"],
  ["cli"],
  ["index.ts"],
];

/*
 * The sub-folders of src/experiments, bottom first (docs/extending.md): what a run is (its config,
 * work items and shards), the durable run directory, executing the items, and distributing them
 * through a queue. Only the barrel, src/experiments/index.ts, sits above them all.
 */
const EXPERIMENT_LAYERS: readonly (readonly string[])[] = [
  ["plan"],
  ["store"],
  ["execute"],
  ["distribute"],
  ["index.ts"],
];

const SRC = fileURLToPath(new URL("../src", import.meta.url));

/** The layer of `part` (a folder or file name directly under src/`folder`), bottom 0. */
function rank(layers: readonly (readonly string[])[], folder: string, part: string): number {
  const r = layers.findIndex((layer) => layer.includes(part));
  if (r < 0) {
    const table = folder === "" ? "LAYERS" : "EXPERIMENT_LAYERS";
    throw new Error(`src/${folder === "" ? "" : `${folder}/`}${part} is in no layer: add it to ${table} in test/layers.test.ts and to docs/extending.md`);
  }
  return r;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Relative imports of a source text (static, re-exports and dynamic). */
function imports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)["'](\.[^"']+)["']/gm)) out.push(m[1]);
  return out;
}

/** Where a relative import of the file at `path` (under src) points, as a path under src. */
function resolved(path: string, spec: string): string {
  return posix.normalize(posix.join(posix.dirname(path), spec));
}

/**
 * "importer -> imported" for every import that points up, for files given as (path under src, text).
 * With a `folder` ("experiments"), only the files under src/`folder` and their imports of each other
 * are checked, against the order of the parts (sub-folders or files) directly under it.
 */
function violations(sources: ReadonlyArray<readonly [string, string]>, layers = LAYERS, folder = ""): string[] {
  const prefix = folder === "" ? "" : `${folder}/`;
  const part = (path: string) => path.slice(prefix.length).split("/")[0];
  const out: string[] = [];
  for (const [path, text] of sources) {
    if (!path.startsWith(prefix)) continue;
    const from = part(path);
    rank(layers, folder, from);
    for (const spec of imports(text)) {
      const target = resolved(path, spec);
      if (target.startsWith("..")) continue; // outside src (package.json)
      if (!target.startsWith(prefix)) continue; // outside the folder: the layers of src/ judge it
      const to = part(target);
      if (rank(layers, folder, to) > rank(layers, folder, from)) out.push(`src/${path} imports src/${target} (${to} is above ${from})`);
    }
  }
  return out;
}

/**
 * The import cycles among files given as (path under src, text), one per back edge of a depth-first
 * walk over their relative imports (type-only ones included: a cycle of types is still a knot a
 * reader must untie), each written "a.ts -> b.ts -> a.ts" from its first file in sorted order.
 * An import of a file not given (package.json) is no edge. Empty when the import graph has no cycle.
 */
function cycles(sources: ReadonlyArray<readonly [string, string]>): string[] {
  const edges = new Map<string, string[]>();
  for (const [path] of sources) edges.set(path, []);
  for (const [path, text] of sources) {
    for (const spec of imports(text)) {
      const target = resolved(path, spec).replace(/\.js$/, ".ts");
      if (edges.has(target) && !edges.get(path)!.includes(target)) edges.get(path)!.push(target);
    }
  }
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const found = new Set<string>();
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of edges.get(file)!) {
      if (state.get(next) === "open") {
        const loop = stack.slice(stack.indexOf(next));
        const first = loop.indexOf([...loop].sort()[0]);
        const turned = [...loop.slice(first), ...loop.slice(0, first)];
        found.add([...turned, turned[0]].join(" -> "));
      } else if (state.get(next) === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...edges.keys()].sort()) if (state.get(file) === undefined) visit(file);
  return [...found].sort();
}

/** The files of src/, as (path under src, text). */
function sourcesOfSrc(): (readonly [string, string])[] {
  return files(SRC).map((f) => [relative(SRC, f).split("\\").join("/"), readFileSync(f, "utf8")] as const);
}

test("no import in src/ points to a layer above its own", () => {
  const sources = sourcesOfSrc();
  assert.ok(sources.length > 100, `read ${sources.length} files`);
  assert.deepEqual(violations(sources), []);
});

test("the layer check catches an upward import, a dynamic one and a re-export", () => {
  assert.deepEqual(violations([
    ["figures/x.ts", 'import type { R } from "../experiments/records.js";\nimport { ok } from "../stats/normal.js";'],
    ["oracle/y.ts", 'const m = await import("../attacks/run.js");'],
    ["stats/z.ts", 'export { a } from "../report/a.js";\nexport { b } from "./b.js";'],
  ]), [
    "src/figures/x.ts imports src/experiments/records.js (experiments is above figures)",
    "src/oracle/y.ts imports src/attacks/run.js (attacks is above oracle)",
    "src/stats/z.ts imports src/report/a.js (report is above stats)",
  ]);
  assert.throws(() => violations([["newlayer/a.ts", ""]]), /src\/newlayer is in no layer/);
});

test("no file of src/experiments imports a sub-folder of it above its own", () => {
  assert.deepEqual(violations(sourcesOfSrc(), EXPERIMENT_LAYERS, "experiments"), []);
});

test("the experiments check catches an import of a higher sub-folder, and a file in none", () => {
  assert.deepEqual(violations([
    ["experiments/plan/config.ts", 'import type { R } from "../store/records.js";\nimport { s } from "./shard.js";\nimport { a } from "../../attacks/record.js";'],
    ["experiments/store/merge.ts", 'import { SAVED } from "../execute/execute.js";\nimport { g } from "../plan/grid.js";'],
    ["experiments/execute/runner.ts", 'export { q } from "../distribute/queue.js";'],
    ["experiments/index.ts", 'export * from "./distribute/queue.js";'],
    ["report/x.ts", 'import { y } from "../experiments/distribute/queue.js";'],
  ], EXPERIMENT_LAYERS, "experiments"), [
    "src/experiments/plan/config.ts imports src/experiments/store/records.js (store is above plan)",
    "src/experiments/store/merge.ts imports src/experiments/execute/execute.js (execute is above store)",
    "src/experiments/execute/runner.ts imports src/experiments/distribute/queue.js (distribute is above execute)",
  ]);
  assert.throws(() => violations([["experiments/records.ts", ""]], EXPERIMENT_LAYERS, "experiments"), /src\/experiments\/records.ts is in no layer: add it to EXPERIMENT_LAYERS/);
});

test("no import cycle among the files of src/", () => {
  const sources = sourcesOfSrc();
  assert.ok(sources.length > 100, `read ${sources.length} files`);
  assert.deepEqual(cycles(sources), []);
});

test("the cycle finder names each circle once, from its first file, type imports and re-exports included", () => {
  assert.deepEqual(cycles([
    ["experiments/config.ts", 'import type { F } from "./records.js";'],
    ["experiments/records.ts", 'import type { I } from "./fingerprint.js";\nimport { x } from "../../package.json";'],
    ["experiments/fingerprint.ts", 'import { c } from "./config.js";'],
    ["experiments/grid.ts", 'import { r } from "./records.js";\nexport { s } from "./shard.js";'],
    ["experiments/shard.ts", 'const g = await import("./grid.js");'],
    ["experiments/store.ts", 'import { r } from "./records.js";'],
    ["stats/a.ts", 'import { a } from "./a.js";'],
  ]), [
    "experiments/config.ts -> experiments/records.ts -> experiments/fingerprint.ts -> experiments/config.ts",
    "experiments/grid.ts -> experiments/shard.ts -> experiments/grid.ts",
    "stats/a.ts -> stats/a.ts",
  ]);
  assert.deepEqual(cycles([["a.ts", 'import { b } from "./b.js";'], ["b.ts", 'import { c } from "./c.js";'], ["c.ts", ""]]), []);
});
