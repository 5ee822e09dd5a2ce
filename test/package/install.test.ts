/**
 * The package as a new user gets it: `npm pack` (which builds dist/ through `prepare`), the
 * tarball installed into an empty project (dependencies from npm's cache or the registry;
 * onnxruntime-node's CUDA download skipped: its CPU provider ships inside its npm package), then
 * the CLI through npx and the library from a plain .mjs and from a .ts type-checked with tsc.
 * The snippet is docs/library.md's first use (load a shipped model, g(sigma, n), certify one
 * image, a 50-query attack). Two to four minutes on 2 shared cores; RSBENCH_SKIP_PACK_TEST=1 skips it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";
const skip = process.env.RSBENCH_SKIP_PACK_TEST === "1" ? "RSBENCH_SKIP_PACK_TEST=1" : false;

let dir = "";
let project = "";
const env = {
  ...process.env,
  ONNXRUNTIME_NODE_INSTALL: "skip",
  // The built-in datasets' cache of this checkout (built by its own postinstall), so that the
  // installed package's postinstall and certify find it instead of re-reading the npm sources.
  RSBENCH_CACHE_DIR: join(ROOT, ".cache"),
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
};

async function sh(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(" ")} failed in ${cwd}: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

/** docs/library.md, use 1, with a 50-query budget and small n so that it runs in seconds. */
const SNIPPET = `import { loadModel, loadData, imageAt, SmoothedClassifier, LabelOnlyOracle, runAttack, ATTACKS, createRandom, certify } from "rsbench";

const { classifier: base } = await loadModel("fashion-mnist-standard");
const set = await loadData("fashion-mnist", { selection: { count: 1 } });
const image = imageAt(set, 0), label = set.labels[0];

const g = new SmoothedClassifier(base, { sigma: 0.05, n: 10, random: createRandom(0, 1) });
const oracle = new LabelOnlyOracle(g, image, label, { budget: 50, pa: 0.5 });
const result = await runAttack(oracle, { name: "hsja", attack: ATTACKS.hsja.attack, options: {}, norm: "l2", random: createRandom(0, 2) });

const cert = await certify(base, image, createRandom(0, 3), { sigma: 0.05, n0: 100, n: 1000, alpha: 0.001 });
console.log(JSON.stringify({ label, queries: result.queries, success: result.success, forwardPasses: result.forwardPasses, kind: cert.kind }));
`;

/** The same in TypeScript, with types that must hold and a call that must not type-check. */
const TYPED = `${SNIPPET}
const queries: number = result.queries;
const passes: number = result.forwardPasses;
const radius: number | null = cert.kind === "certified" ? cert.radius : null;
// @ts-expect-error: sigma is a number (the package's types are real, not any)
new SmoothedClassifier(base, { sigma: "0.05", n: 10, random: createRandom(0, 1) });
export { queries, passes, radius };
`;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "rsbench-pack-"));
  await sh(NPM, ["pack", "--pack-destination", dir, "--silent"], ROOT);
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball, `npm pack wrote no tarball in ${dir}`);
  project = join(dir, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-rsbench", version: "1.0.0", private: true, type: "module" }, null, 2));
  await sh(NPM, ["install", "--prefer-offline", "--no-save", join(dir, tarball)], project);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the installed package has the compiled library, not the TypeScript sources", { skip }, () => {
  const installed = join(project, "node_modules", "rsbench");
  assert.ok(existsSync(join(installed, "dist", "index.js")), "dist/index.js is installed");
  assert.ok(existsSync(join(installed, "dist", "index.d.ts")), "dist/index.d.ts is installed");
  assert.equal(existsSync(join(installed, "src")), false, "src/ is not installed");
  assert.equal(existsSync(join(project, "node_modules", "tsx")), false, "tsx is not a run-time dependency");
  assert.equal(existsSync(join(project, "node_modules", "typescript")), false, "typescript is not a run-time dependency");
});

test("npx rsbench --version and a one-image certify run from the tarball", { skip }, async () => {
  assert.equal((await sh(NPX, ["--no-install", "rsbench", "--version"], project)).trim(), "0.1.0");
  const out = JSON.parse(await sh(NPX, ["--no-install", "rsbench", "certify", "--model", "fashion-mnist-standard", "--data", "fashion-mnist", "--sigma", "0.25", "--count", "1", "--n", "1000", "--json"], project)) as { summary: { images: number }; images: unknown[] };
  assert.equal(out.images.length, 1);
});

test("a plain .mjs imports the library and runs docs/library.md's first use", { skip }, async () => {
  writeFileSync(join(project, "use.mjs"), SNIPPET);
  const result = JSON.parse((await sh(process.execPath, ["use.mjs"], project)).trim()) as { label: number; queries: number; success: boolean; forwardPasses: number; kind: string };
  assert.equal(result.queries, 50);
  // g(sigma, 10) answers each query with up to 10 forward passes (fewer once the vote is decided).
  assert.ok(result.forwardPasses > 50 && result.forwardPasses <= 500, `expected 51 to 500 forward passes for 50 queries of g(sigma, 10), got ${result.forwardPasses}`);
  assert.ok(["certified", "abstain"].includes(result.kind), `expected a certification outcome, got ${result.kind}`);
});

test("a .ts file using the documented API type-checks against the package's declarations", { skip }, async () => {
  writeFileSync(join(project, "use.ts"), TYPED);
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true,
      types: ["node"], typeRoots: [join(ROOT, "node_modules", "@types")],
    },
    files: ["use.ts"],
  }, null, 2));
  await sh(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "."], project);
});
