import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/rsbench.js", import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall-clock seconds the command took. */
  seconds: number;
}

export interface RunOptions {
  readonly cwd?: string;
  /** The child's whole environment (defaults to this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Milliseconds before the child is killed; defaults to 120 s. */
  readonly timeout?: number;
}

/**
 * Spawns `node bin/rsbench.js ...args` and collects its exit code and output: the one way the CLI
 * tests run the CLI. Always in a child process: node's test runner reports each test through this
 * process's stdout, and a swapped-out process.stdout.write once swallowed a test's report under load
 * (the test vanished from the count without passing or failing).
 */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: options.timeout ?? 120_000, cwd: options.cwd, env: options.env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** `runCli(args)`. */
export function rsbench(...args: string[]): Promise<Run> {
  return runCli(args);
}

/** Parses stdout as exactly one JSON object (the --json contract). */
export function json(run: Run): Record<string, any> {
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line of JSON, got ${JSON.stringify(run.stdout)}`);
  return JSON.parse(lines[0]);
}
