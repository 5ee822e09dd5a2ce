/**
 * `npm run docs` (TypeDoc over src/index.ts, typedoc.json) builds without a warning: every export
 * is documented and every type a public signature uses is exported or listed as intentionally
 * internal. Run here without writing the HTML (`--emit none`), about 15 s of CPU.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

test("the API reference builds with no warning about an undocumented or unexported type", async () => {
  const typedoc = fileURLToPath(new URL("../../node_modules/typedoc/bin/typedoc", import.meta.url));
  const result = await run(process.execPath, [typedoc, "--emit", "none"], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } }).catch((error: { stdout?: string; stderr?: string; code?: number }) => error);
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  assert.doesNotMatch(output, /warning|error/i, `typedoc reported:\n${output}`);
  assert.equal((result as { code?: number }).code ?? 0, 0, `typedoc failed:\n${output}`);
});
