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

const SRC = fileURLToPath(new URL("../src", import.meta.url));

function rank(top: string): number {
  const r = LAYERS.findIndex((layer) => layer.includes(top));
  if (r < 0) throw new Error(`src/${top} is in no layer: add it to LAYERS in test/layers.test.ts and to docs/extending.md`);
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

/** "importer -> imported" for every import that points up, for files given as (path under src, text). */
function violations(sources: ReadonlyArray<readonly [string, string]>): string[] {
  const out: string[] = [];
  for (const [path, text] of sources) {
    const from = path.split("/")[0];
    rank(from);
    for (const spec of imports(text)) {
      const target = posix.normalize(posix.join(posix.dirname(path), spec));
      if (target.startsWith("..")) continue; // outside src (package.json)
      const to = target.split("/")[0];
      if (rank(to) > rank(from)) out.push(`src/${path} imports src/${target} (${to} is above ${from})`);
    }
  }
  return out;
}

test("no import in src/ points to a layer above its own", () => {
  const sources = files(SRC).map((f) => [relative(SRC, f).split("\\").join("/"), readFileSync(f, "utf8")] as const);
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
