/**
 * Start-up cost: no command or library import loads onnxruntime, sharp, Vega, resvg, fastify,
 * BullMQ or ioredis until it needs them, and `rsbench --help` loads no @stdlib function either
 * (src/io/lazy.ts). Before, `rsbench --help` imported all nine and 141 @stdlib modules.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HOOK = fileURLToPath(new URL("./heavyImports.mjs", import.meta.url));

/** The heavy packages and the number of @stdlib modules that `node ...args` imported. */
async function imported(args: string[]): Promise<{ heavy: string[]; stdlib: number; stdout: string }> {
  const { stdout, stderr } = await run(process.execPath, ["--import", HOOK, "--import", "tsx", ...args], { cwd: ROOT });
  const match = /HEAVY-IMPORTS (\[.*\]) STDLIB (\d+)/.exec(stderr);
  assert.ok(match, `expected the import report on stderr, got: ${stderr}`);
  return { heavy: JSON.parse(match[1]) as string[], stdlib: Number(match[2]), stdout };
}

test("rsbench --help imports no heavy package and no @stdlib function", async () => {
  const { heavy, stdlib, stdout } = await imported(["src/cli/main.ts", "--help"]);
  assert.match(stdout, /Usage: rsbench/);
  assert.deepEqual(heavy, []);
  assert.equal(stdlib, 0);
});

test("rsbench theory radius imports no heavy package (only the @stdlib function it computes with)", async () => {
  const { heavy, stdout } = await imported(["src/cli/main.ts", "theory", "radius", "--p", "0.9", "--sigma", "0.25"]);
  assert.match(stdout, /0\.320388/);
  assert.deepEqual(heavy, []);
});

test("importing the library imports no heavy package and no @stdlib function", async () => {
  const { heavy, stdlib } = await imported(["--input-type=module", "-e", `await import(${JSON.stringify(new URL("../../src/index.ts", import.meta.url).href)});`]);
  assert.deepEqual(heavy, []);
  assert.equal(stdlib, 0);
});

test("a command that needs onnxruntime still loads it (the hook sees lazy imports)", async () => {
  const certify = await imported(["src/cli/main.ts", "certify", "--model", "fashion-mnist-standard", "--data", "fashion-mnist", "--sigma", "0.25", "--count", "1", "--n", "100", "--json"]);
  assert.ok(certify.heavy.includes("onnxruntime-node"), `expected certify to load onnxruntime-node, got ${JSON.stringify(certify.heavy)}`);
});
