/**
 * What `npm pack` puts in the tarball (package.json "files"): the compiled library and CLI, the
 * shipped models and experiment configs, README and LICENSE; never a run store, a report, the
 * sources, tests, training scripts, benchmarks or docs' run data.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The files `npm pack` would pack, without building (dist/ is whatever `npm ci` built). */
export function packedFiles(): { files: { path: string; size: number }[]; size: number; unpackedSize: number } {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const out = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [packed] = JSON.parse(out) as { files: { path: string; size: number }[]; size: number; unpackedSize: number }[];
  return packed;
}

/** Why a packed path must not be in the package, or null when it may be. */
export function forbidden(path: string): string | null {
  const name = path.split("/").pop()!;
  if (["results.jsonl", "run.json", "run.lock"].includes(name) || /\.jsonl$/.test(name)) return "a run store";
  if (name === "report.html" || /^reports?\//.test(path) || /(^|\/)figures\/.*\.(png|svg)$/.test(path)) return "a report";
  if (/^(src|test|training|bench|docs|runs|\.cache|\.ci|node_modules)\//.test(path)) return "not part of the package";
  if (/\.(ts|py|pt|pth|npy|npz)$/.test(name) && !/\.d\.ts$/.test(name)) return "a source, script or data file";
  return null;
}

test("forbidden() refuses run stores, reports, sources and tests (it can fail)", () => {
  assert.equal(forbidden("reports/paper-mnist/results.jsonl"), "a run store");
  assert.equal(forbidden("runs/demo/run.json"), "a run store");
  assert.equal(forbidden("reports/paper-mnist/report.html"), "a report");
  assert.equal(forbidden("test/index.test.ts"), "not part of the package");
  assert.equal(forbidden("training/train.py"), "not part of the package");
  assert.equal(forbidden("src/index.ts"), "not part of the package");
  assert.equal(forbidden("dist/index.d.ts"), null);
  assert.equal(forbidden("models/mnist-standard.onnx"), null);
});

test("npm pack packs no run store, report, test or training file, and everything an installed package needs", () => {
  const packed = packedFiles();
  const paths = packed.files.map((f) => f.path);
  const refused = paths.map((p) => [p, forbidden(p)]).filter(([, why]) => why !== null);
  assert.deepEqual(refused, [], "files that must not be packed (fix package.json \"files\")");
  for (const needed of ["package.json", "README.md", "LICENSE", "bin/rsbench.js", "scripts/postinstall.mjs", "experiments/demo-fashion-mnist.json", "models/fashion-mnist-standard.onnx", "models/fashion-mnist-standard.card.json", "models/fashion-mnist-standard.reference.json"]) {
    assert.ok(paths.includes(needed), `${needed} is not packed`);
  }
  // dist/ is built by `prepare` (npm ci, npm pack); in a checkout that has it, the entry points are packed.
  if (paths.some((p) => p.startsWith("dist/"))) {
    for (const needed of ["dist/index.js", "dist/index.d.ts", "dist/cli/main.js"]) assert.ok(paths.includes(needed), `${needed} is not packed`);
  }
  // The whole tarball: 6.9 MB packed, 9.4 MB unpacked when written (README); a run store would add 30 MB.
  assert.ok(packed.unpackedSize < 15e6, `expected the package under 15 MB unpacked, got ${(packed.unpackedSize / 1e6).toFixed(1)} MB`);
});
