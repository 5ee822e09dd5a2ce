/**
 * docs/library.md: every ```js snippet runs as a plain .mjs importing "rsbench" and prints the
 * output shown under it (each shown line, in order; "abridged" outputs may leave lines out).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HOOK = fileURLToPath(new URL("./resolveRsbench.mjs", import.meta.url));
const DOC = readFileSync(join(ROOT, "docs", "library.md"), "utf8");

/** Each `## N. title` section's snippet and its documented output lines. */
function snippets(markdown: string): { title: string; code: string; output: string[] }[] {
  return markdown.split(/^## /m).slice(1).flatMap((section) => {
    const code = /```js\n([\s\S]*?)\n```/.exec(section);
    const output = /```text\n([\s\S]*?)\n```/.exec(section);
    if (!code) return [];
    return [{ title: section.split("\n")[0], code: code[1], output: output ? output[1].split("\n") : [] }];
  });
}

const dir = mkdtempSync(join(tmpdir(), "rsbench-library-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("docs/library.md has five uses, each with its output", () => {
  const found = snippets(DOC);
  assert.equal(found.length, 5, `expected 5 snippets, got ${found.map((s) => s.title).join("; ")}`);
  for (const s of found) assert.ok(s.output.length > 0, `${s.title}: no output block`);
});

for (const [i, snippet] of snippets(DOC).entries()) {
  test(`docs/library.md, ${snippet.title}: runs and prints the documented output`, async () => {
    const file = join(dir, `use${i + 1}.mjs`);
    writeFileSync(file, snippet.code + "\n");
    const { stdout } = await run(process.execPath, ["--import", "tsx", "--import", HOOK, file], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const lines = stdout.split("\n").map((line) => line.trimEnd());
    let at = 0;
    for (const expected of snippet.output) {
      const found = lines.indexOf(expected.trimEnd(), at);
      assert.ok(found >= 0, `expected the line ${JSON.stringify(expected)} (after line ${at}) in the output:\n${stdout}`);
      at = found + 1;
    }
  });
}
